-- What Asterisk reads at call time through its realtime drivers (extconfig.conf),
-- so that an extension change needs no file rewritten and no module reloaded.

-- The dialplan's lookup of an extension by number (family pbx_extension): as the callee,
-- and as the caller (what an endpoint's set_var would carry, which astdb does not keep).
CREATE VIEW pbx_extension_lookup AS
SELECT e."number" AS "number",
       CASE WHEN e."enabled" THEN 1 ELSE 0 END AS "enabled",
       CASE WHEN e."voicemailEnabled" THEN 1 ELSE 0 END AS "voicemail",
       e."recording" AS "recording",
       CASE WHEN e."iax2Enabled" THEN 1 ELSE 0 END AS "iax2",
       COALESCE(CASE WHEN w."direction" = 'INBOUND' THEN w."id" END, '') AS "whitelist",
       COALESCE(CASE WHEN w."direction" = 'OUTBOUND' THEN w."id" END, '') AS "whitelist_out",
       e."outboundCallerId1" AS "cid1",
       e."outboundCallerId2" AS "cid2"
FROM "Extension" e
LEFT JOIN "Whitelist" w ON w."id" = e."whitelistId";

-- app_voicemail's mailboxes (family voicemail): one per extension with voicemail on.
CREATE VIEW pbx_voicemail_box AS
SELECT e."id" AS "uniqueid",
       'default' AS "context",
       e."number" AS "mailbox",
       e."voicemailPin" AS "password",
       e."name" AS "fullname",
       e."email" AS "email",
       '' AS "pager"
FROM "Extension" e
WHERE e."voicemailEnabled";
