-- CreateTable
CREATE TABLE "WorkSchedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "ranges" TEXT NOT NULL DEFAULT '[]'
);

-- CreateTable
CREATE TABLE "Holiday" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "ranges" TEXT NOT NULL DEFAULT '[]'
);

-- CreateTable
CREATE TABLE "TimeRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "workScheduleId" TEXT NOT NULL,
    "holidayId" TEXT,
    CONSTRAINT "TimeRule_workScheduleId_fkey" FOREIGN KEY ("workScheduleId") REFERENCES "WorkSchedule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "TimeRule_holidayId_fkey" FOREIGN KEY ("holidayId") REFERENCES "Holiday" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InboundRoute" (
    "trunkId" TEXT NOT NULL PRIMARY KEY,
    "alertInfo" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "InboundRoute_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DidRoute" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "did" TEXT NOT NULL,
    "alertInfo" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "BlacklistEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Whitelist" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "numbers" TEXT NOT NULL DEFAULT '[]'
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DialRuleEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ruleId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT '',
    "pattern" TEXT NOT NULL,
    "prependDigits" TEXT NOT NULL DEFAULT '',
    "pinSetId" TEXT,
    "callerIdSource" TEXT NOT NULL DEFAULT 'EXT_CALLER_ID_1',
    "callTimeLimitSeconds" INTEGER,
    "trunkSelection" TEXT NOT NULL DEFAULT 'SEQUENTIAL',
    "timeRuleId" TEXT,
    CONSTRAINT "DialRuleEntry_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "DialRule" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "DialRuleEntry_pinSetId_fkey" FOREIGN KEY ("pinSetId") REFERENCES "PinSet" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "DialRuleEntry_timeRuleId_fkey" FOREIGN KEY ("timeRuleId") REFERENCES "TimeRule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_DialRuleEntry" ("callTimeLimitSeconds", "callerIdSource", "id", "pattern", "pinSetId", "position", "prefix", "prependDigits", "ruleId", "trunkSelection") SELECT "callTimeLimitSeconds", "callerIdSource", "id", "pattern", "pinSetId", "position", "prefix", "prependDigits", "ruleId", "trunkSelection" FROM "DialRuleEntry";
DROP TABLE "DialRuleEntry";
ALTER TABLE "new_DialRuleEntry" RENAME TO "DialRuleEntry";
CREATE INDEX "DialRuleEntry_ruleId_idx" ON "DialRuleEntry"("ruleId");
CREATE INDEX "DialRuleEntry_pinSetId_idx" ON "DialRuleEntry"("pinSetId");
CREATE INDEX "DialRuleEntry_timeRuleId_idx" ON "DialRuleEntry"("timeRuleId");
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
    "whitelistId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Extension_dialPermissionId_fkey" FOREIGN KEY ("dialPermissionId") REFERENCES "DialPermission" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Extension_whitelistId_fkey" FOREIGN KEY ("whitelistId") REFERENCES "Whitelist" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Extension" ("allowBeingMonitored", "appRegistration", "codecs", "createdAt", "dialPermissionId", "dtmfMode", "email", "enabled", "iax2Enabled", "id", "inbandProgress", "language", "loginPasswordHash", "maxContacts", "mobileNumber", "mohClass", "name", "nat", "number", "outboundCallerId1", "outboundCallerId2", "password", "pickupGroups", "qualifyFrequencySeconds", "qualifyTimeoutSeconds", "recording", "registrationExpirySeconds", "remoteRegistration", "rtpTimeoutSeconds", "sendPai", "sendRpid", "srtp", "transport", "trustedAddresses", "updatedAt", "videoCodec", "videoEnabled", "voicemailEnabled", "voicemailPin", "webLogin") SELECT "allowBeingMonitored", "appRegistration", "codecs", "createdAt", "dialPermissionId", "dtmfMode", "email", "enabled", "iax2Enabled", "id", "inbandProgress", "language", "loginPasswordHash", "maxContacts", "mobileNumber", "mohClass", "name", "nat", "number", "outboundCallerId1", "outboundCallerId2", "password", "pickupGroups", "qualifyFrequencySeconds", "qualifyTimeoutSeconds", "recording", "registrationExpirySeconds", "remoteRegistration", "rtpTimeoutSeconds", "sendPai", "sendRpid", "srtp", "transport", "trustedAddresses", "updatedAt", "videoCodec", "videoEnabled", "voicemailEnabled", "voicemailPin", "webLogin" FROM "Extension";
DROP TABLE "Extension";
ALTER TABLE "new_Extension" RENAME TO "Extension";
CREATE UNIQUE INDEX "Extension_number_key" ON "Extension"("number");
CREATE INDEX "Extension_name_idx" ON "Extension"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "WorkSchedule_name_key" ON "WorkSchedule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Holiday_name_key" ON "Holiday"("name");

-- CreateIndex
CREATE UNIQUE INDEX "TimeRule_name_key" ON "TimeRule"("name");

-- CreateIndex
CREATE INDEX "TimeRule_workScheduleId_idx" ON "TimeRule"("workScheduleId");

-- CreateIndex
CREATE INDEX "TimeRule_holidayId_idx" ON "TimeRule"("holidayId");

-- CreateIndex
CREATE UNIQUE INDEX "DidRoute_did_key" ON "DidRoute"("did");

-- CreateIndex
CREATE UNIQUE INDEX "BlacklistEntry_number_key" ON "BlacklistEntry"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Whitelist_name_key" ON "Whitelist"("name");

