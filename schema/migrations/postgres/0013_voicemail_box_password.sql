-- A mailbox PIN changed from the phone (VoiceMailMain's options, "change your password") reaches the extension.
-- app_voicemail writes it through its realtime family with
--   UPDATE pbx_voicemail_box SET password = '<new>' WHERE context = '<context>' AND mailbox = '<number>'
-- The INSTEAD OF trigger makes that write the same as on SQLite: only the password is written back, and it must
-- stay one the API accepts (4 to 16 digits); anything else is refused, and Asterisk logs the refusal.
-- Returning NEW counts the row, so res_config_pgsql tells app_voicemail that the change was stored.
CREATE FUNCTION pbx_voicemail_box_password() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."password" IS DISTINCT FROM OLD."password" THEN
    IF NEW."password" IS NULL OR NEW."password" !~ '^[0-9]{4,16}$' THEN
      RAISE EXCEPTION 'a voicemail PIN is 4 to 16 digits';
    END IF;
    -- "updatedAt" as Prisma keeps it: UTC in a timestamp without time zone.
    UPDATE "Extension"
    SET "voicemailPin" = NEW."password", "updatedAt" = now() AT TIME ZONE 'UTC'
    WHERE "id" = OLD."uniqueid";
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER pbx_voicemail_box_password
INSTEAD OF UPDATE ON pbx_voicemail_box
FOR EACH ROW EXECUTE FUNCTION pbx_voicemail_box_password();
