-- A mailbox PIN changed from the phone (VoiceMailMain's options, "change your password") reaches the extension.
-- app_voicemail writes it through its realtime family with
--   UPDATE pbx_voicemail_box SET password = '<new>' WHERE context = '<context>' AND mailbox = '<number>'
-- and a view takes a write only through an INSTEAD OF trigger.
-- The PIN must stay one the API accepts (4 to 16 digits): anything else is refused, and Asterisk logs the refusal.
-- Only the password is written back; the other columns are the extension's own fields, changed through the API.
-- SQLite counts no changed rows for a statement on a view (sqlite3_changes), so res_config_sqlite3 reports 0 rows
-- to app_voicemail, which then also looks for the box in voicemail.conf and users.conf; it finds it in neither
-- (voicemail.conf has no mailboxes) and writes nothing there. The row in "Extension" is what counts.
CREATE TRIGGER pbx_voicemail_box_password
INSTEAD OF UPDATE OF "password" ON pbx_voicemail_box
WHEN NEW."password" IS NOT OLD."password"
BEGIN
  SELECT RAISE(ABORT, 'a voicemail PIN is 4 to 16 digits')
  WHERE NEW."password" IS NULL OR length(NEW."password") NOT BETWEEN 4 AND 16 OR NEW."password" GLOB '*[^0-9]*';
  -- "updatedAt" in the format Prisma writes (ISO 8601, UTC, milliseconds).
  UPDATE "Extension"
  SET "voicemailPin" = NEW."password", "updatedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
  WHERE "id" = OLD."uniqueid";
END;
