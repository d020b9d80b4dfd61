-- CreateTable
CREATE TABLE "Prompt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "origin" TEXT NOT NULL DEFAULT 'UPLOAD',
    "durationMs" INTEGER NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "MohClass" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "playMode" TEXT NOT NULL DEFAULT 'SEQUENTIAL',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "MohFile" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "classId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MohFile_classId_fkey" FOREIGN KEY ("classId") REFERENCES "MohClass" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Ivr" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "repeatCount" INTEGER NOT NULL DEFAULT 3,
    "allowDirectDial" BOOLEAN NOT NULL DEFAULT true,
    "directDialPermissionId" TEXT,
    "language" TEXT NOT NULL DEFAULT 'DEFAULT',
    "digitTimeoutSeconds" INTEGER NOT NULL DEFAULT 3,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Ivr_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ivr_directDialPermissionId_fkey" FOREIGN KEY ("directDialPermissionId") REFERENCES "DialPermission" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Queue" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "strategy" TEXT NOT NULL DEFAULT 'RING_ALL',
    "mohClassId" TEXT NOT NULL,
    "useMemberOrder" BOOLEAN NOT NULL DEFAULT false,
    "autofill" BOOLEAN NOT NULL DEFAULT true,
    "agentRingTimeoutSeconds" INTEGER NOT NULL DEFAULT 15,
    "autopause" TEXT NOT NULL DEFAULT 'NO',
    "wrapupSeconds" INTEGER NOT NULL DEFAULT 0,
    "reportHoldTime" BOOLEAN NOT NULL DEFAULT false,
    "maxCallers" INTEGER NOT NULL DEFAULT 0,
    "prefixQueueNameToCallerId" BOOLEAN NOT NULL DEFAULT false,
    "maxWaitSeconds" INTEGER NOT NULL DEFAULT 0,
    "joinEmpty" BOOLEAN NOT NULL DEFAULT true,
    "leaveWhenEmpty" BOOLEAN NOT NULL DEFAULT false,
    "announceHoldTime" TEXT NOT NULL DEFAULT 'NO',
    "announcePosition" BOOLEAN NOT NULL DEFAULT false,
    "announceFrequencySeconds" INTEGER NOT NULL DEFAULT 0,
    "periodicAnnounceFrequencySeconds" INTEGER NOT NULL DEFAULT 0,
    "periodicAnnouncePromptId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Queue_mohClassId_fkey" FOREIGN KEY ("mohClassId") REFERENCES "MohClass" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Queue_periodicAnnouncePromptId_fkey" FOREIGN KEY ("periodicAnnouncePromptId") REFERENCES "Prompt" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "QueueMember" (
    "queueId" TEXT NOT NULL,
    "extensionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    PRIMARY KEY ("queueId", "extensionId"),
    CONSTRAINT "QueueMember_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "QueueMember_extensionId_fkey" FOREIGN KEY ("extensionId") REFERENCES "Extension" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Prompt_name_key" ON "Prompt"("name");

-- CreateIndex
CREATE UNIQUE INDEX "MohClass_name_key" ON "MohClass"("name");

-- CreateIndex
CREATE UNIQUE INDEX "MohFile_classId_name_key" ON "MohFile"("classId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Ivr_name_key" ON "Ivr"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Ivr_number_key" ON "Ivr"("number");

-- CreateIndex
CREATE INDEX "Ivr_promptId_idx" ON "Ivr"("promptId");

-- CreateIndex
CREATE INDEX "Ivr_directDialPermissionId_idx" ON "Ivr"("directDialPermissionId");

-- CreateIndex
CREATE UNIQUE INDEX "Queue_name_key" ON "Queue"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Queue_number_key" ON "Queue"("number");

-- CreateIndex
CREATE INDEX "Queue_mohClassId_idx" ON "Queue"("mohClassId");

-- CreateIndex
CREATE INDEX "Queue_periodicAnnouncePromptId_idx" ON "Queue"("periodicAnnouncePromptId");

-- CreateIndex
CREATE INDEX "QueueMember_extensionId_idx" ON "QueueMember"("extensionId");


-- The factory class, which always exists (F-4.4.1)
INSERT INTO "MohClass" ("id", "name", "playMode") VALUES ('mohclassdefault', 'default', 'SEQUENTIAL');
