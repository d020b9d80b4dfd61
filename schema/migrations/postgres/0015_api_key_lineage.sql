-- The key that created a key, when a key did: revoking a key revokes the keys it created.
-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "createdByKeyId" TEXT;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_createdByKeyId_fkey" FOREIGN KEY ("createdByKeyId") REFERENCES "ApiKey"("id") ON DELETE SET NULL ON UPDATE CASCADE;

