-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Extension" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "name" TEXT NOT NULL,
    "mobileNumber" TEXT NOT NULL DEFAULT '',
    "dialPermissionId" TEXT NOT NULL,
    "password" TEXT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'DEFAULT',
    "email" TEXT NOT NULL DEFAULT '',
    "outboundCallerId1" TEXT NOT NULL DEFAULT '',
    "outboundCallerId2" TEXT NOT NULL DEFAULT '',
    "mohClass" TEXT NOT NULL DEFAULT 'default',
    "voicemailEnabled" BOOLEAN NOT NULL DEFAULT true,
    "voicemailPin" TEXT NOT NULL DEFAULT '1234',
    "remoteRegistration" BOOLEAN NOT NULL DEFAULT false,
    "maxContacts" INTEGER NOT NULL DEFAULT 2,
    "videoEnabled" BOOLEAN NOT NULL DEFAULT true,
    "videoCodec" TEXT NOT NULL DEFAULT 'H264',
    "recording" TEXT NOT NULL DEFAULT 'OFF',
    "allowBeingMonitored" BOOLEAN NOT NULL DEFAULT false,
    "registrationExpirySeconds" INTEGER NOT NULL DEFAULT 1800,
    "appRegistration" BOOLEAN NOT NULL DEFAULT false,
    "webLogin" BOOLEAN NOT NULL DEFAULT true,
    "loginPasswordHash" TEXT,
    "pickupGroups" TEXT NOT NULL DEFAULT '[1]',
    "transport" TEXT NOT NULL DEFAULT 'UDP',
    "dtmfMode" TEXT NOT NULL DEFAULT 'RFC4733',
    "srtp" BOOLEAN NOT NULL DEFAULT false,
    "qualifyFrequencySeconds" INTEGER NOT NULL DEFAULT 300,
    "nat" BOOLEAN NOT NULL DEFAULT false,
    "iax2Enabled" BOOLEAN NOT NULL DEFAULT false,
    "trustedAddresses" TEXT NOT NULL DEFAULT '[]',
    "qualifyTimeoutSeconds" INTEGER NOT NULL DEFAULT 30,
    "sendPai" BOOLEAN NOT NULL DEFAULT false,
    "sendRpid" BOOLEAN NOT NULL DEFAULT false,
    "rtpTimeoutSeconds" INTEGER NOT NULL DEFAULT 60,
    "inbandProgress" BOOLEAN NOT NULL DEFAULT false,
    "codecs" TEXT NOT NULL DEFAULT '["ALAW","ULAW","G729"]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Extension_dialPermissionId_fkey" FOREIGN KEY ("dialPermissionId") REFERENCES "DialPermission" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Extension" ("allowBeingMonitored", "appRegistration", "codecs", "createdAt", "dialPermissionId", "dtmfMode", "email", "enabled", "iax2Enabled", "id", "inbandProgress", "language", "loginPasswordHash", "maxContacts", "mobileNumber", "mohClass", "name", "nat", "number", "outboundCallerId1", "outboundCallerId2", "password", "pickupGroups", "qualifyFrequencySeconds", "qualifyTimeoutSeconds", "recording", "registrationExpirySeconds", "remoteRegistration", "rtpTimeoutSeconds", "sendPai", "sendRpid", "srtp", "transport", "trustedAddresses", "updatedAt", "videoCodec", "videoEnabled", "voicemailEnabled", "voicemailPin", "webLogin") SELECT "allowBeingMonitored", "appRegistration", "codecs", "createdAt", "dialPermissionId", "dtmfMode", "email", "enabled", "iax2Enabled", "id", "inbandProgress", "language", "loginPasswordHash", "maxContacts", "mobileNumber", "mohClass", "name", "nat", "number", "outboundCallerId1", "outboundCallerId2", "password", "pickupGroups", "qualifyFrequencySeconds", "qualifyTimeoutSeconds", "recording", "registrationExpirySeconds", "remoteRegistration", "rtpTimeoutSeconds", "sendPai", "sendRpid", "srtp", "transport", "trustedAddresses", "updatedAt", "videoCodec", "videoEnabled", "voicemailEnabled", "voicemailPin", "webLogin" FROM "Extension";
DROP TABLE "Extension";
ALTER TABLE "new_Extension" RENAME TO "Extension";
CREATE UNIQUE INDEX "Extension_number_key" ON "Extension"("number");
CREATE INDEX "Extension_name_idx" ON "Extension"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

