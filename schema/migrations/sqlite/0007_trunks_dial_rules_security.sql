-- CreateTable
CREATE TABLE "DialPermissionRule" (
    "permissionId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    PRIMARY KEY ("permissionId", "ruleId"),
    CONSTRAINT "DialPermissionRule_permissionId_fkey" FOREIGN KEY ("permissionId") REFERENCES "DialPermission" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "DialPermissionRule_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "DialRule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Trunk" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "mode" TEXT NOT NULL,
    "dialPermissionId" TEXT NOT NULL,
    "options" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Trunk_dialPermissionId_fkey" FOREIGN KEY ("dialPermissionId") REFERENCES "DialPermission" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DialRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DialRuleEntry" (
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
    CONSTRAINT "DialRuleEntry_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "DialRule" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "DialRuleEntry_pinSetId_fkey" FOREIGN KEY ("pinSetId") REFERENCES "PinSet" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DialRuleTrunk" (
    "entryId" TEXT NOT NULL,
    "trunkId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    PRIMARY KEY ("entryId", "trunkId"),
    CONSTRAINT "DialRuleTrunk_entryId_fkey" FOREIGN KEY ("entryId") REFERENCES "DialRuleEntry" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "DialRuleTrunk_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PinSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "pins" TEXT NOT NULL DEFAULT '[]'
);

-- CreateTable
CREATE TABLE "IpBan" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "address" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME
);

-- CreateTable
CREATE TABLE "TrustedNetwork" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "protocols" TEXT NOT NULL DEFAULT '["SIP","IAX"]',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DialPermission" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "withheldRights" TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO "new_DialPermission" ("builtIn", "id", "name") SELECT "builtIn", "id", "name" FROM "DialPermission";
DROP TABLE "DialPermission";
ALTER TABLE "new_DialPermission" RENAME TO "DialPermission";
CREATE UNIQUE INDEX "DialPermission_name_key" ON "DialPermission"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "DialPermissionRule_ruleId_idx" ON "DialPermissionRule"("ruleId");

-- CreateIndex
CREATE UNIQUE INDEX "Trunk_name_key" ON "Trunk"("name");

-- CreateIndex
CREATE INDEX "Trunk_kind_idx" ON "Trunk"("kind");

-- CreateIndex
CREATE UNIQUE INDEX "DialRule_name_key" ON "DialRule"("name");

-- CreateIndex
CREATE INDEX "DialRuleEntry_ruleId_idx" ON "DialRuleEntry"("ruleId");

-- CreateIndex
CREATE INDEX "DialRuleEntry_pinSetId_idx" ON "DialRuleEntry"("pinSetId");

-- CreateIndex
CREATE INDEX "DialRuleTrunk_trunkId_idx" ON "DialRuleTrunk"("trunkId");

-- CreateIndex
CREATE UNIQUE INDEX "PinSet_name_key" ON "PinSet"("name");

-- CreateIndex
CREATE UNIQUE INDEX "IpBan_address_key" ON "IpBan"("address");

-- CreateIndex
CREATE INDEX "IpBan_expiresAt_idx" ON "IpBan"("expiresAt");

