-- The key that created a key, when a key did: revoking a key revokes the keys it created.
ALTER TABLE "ApiKey" ADD COLUMN "createdByKeyId" TEXT REFERENCES "ApiKey" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
