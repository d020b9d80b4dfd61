-- AlterTable
ALTER TABLE "DialRuleEntry" ADD COLUMN     "timeRuleId" TEXT;

-- AlterTable
ALTER TABLE "Extension" ADD COLUMN     "whitelistId" TEXT;

-- CreateTable
CREATE TABLE "WorkSchedule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ranges" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "WorkSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Holiday" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ranges" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "Holiday_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TimeRule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "workScheduleId" TEXT NOT NULL,
    "holidayId" TEXT,

    CONSTRAINT "TimeRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundRoute" (
    "trunkId" TEXT NOT NULL,
    "alertInfo" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "InboundRoute_pkey" PRIMARY KEY ("trunkId")
);

-- CreateTable
CREATE TABLE "DidRoute" (
    "id" TEXT NOT NULL,
    "did" TEXT NOT NULL,
    "alertInfo" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DidRoute_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BlacklistEntry" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BlacklistEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Whitelist" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "numbers" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "Whitelist_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "DialRuleEntry_timeRuleId_idx" ON "DialRuleEntry"("timeRuleId");

-- AddForeignKey
ALTER TABLE "DialRuleEntry" ADD CONSTRAINT "DialRuleEntry_timeRuleId_fkey" FOREIGN KEY ("timeRuleId") REFERENCES "TimeRule"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Extension" ADD CONSTRAINT "Extension_whitelistId_fkey" FOREIGN KEY ("whitelistId") REFERENCES "Whitelist"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeRule" ADD CONSTRAINT "TimeRule_workScheduleId_fkey" FOREIGN KEY ("workScheduleId") REFERENCES "WorkSchedule"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeRule" ADD CONSTRAINT "TimeRule_holidayId_fkey" FOREIGN KEY ("holidayId") REFERENCES "Holiday"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundRoute" ADD CONSTRAINT "InboundRoute_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;

