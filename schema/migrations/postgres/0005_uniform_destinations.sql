-- CreateTable
CREATE TABLE "Destination" (
    "id" TEXT NOT NULL,
    "ownerKind" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "targetKind" TEXT,
    "targetId" TEXT,
    "targetText" TEXT,
    "parameters" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "Destination_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Destination_targetKind_targetId_idx" ON "Destination"("targetKind", "targetId");

-- CreateIndex
CREATE UNIQUE INDEX "Destination_ownerKind_ownerId_slot_key" ON "Destination"("ownerKind", "ownerId", "slot");

-- Department no-answer destinations move into the one Destination table.
INSERT INTO "Destination" ("id", "ownerKind", "ownerId", "slot", "type", "targetKind", "targetId", "targetText", "parameters")
SELECT 'dst-' || "id", 'DEPARTMENT', "id", 'noAnswer', "noAnswerType",
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL') THEN 'EXTENSION' WHEN "noAnswerType" = 'DEPARTMENT' THEN 'DEPARTMENT' ELSE NULL END,
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL', 'DEPARTMENT') THEN "noAnswerTarget" ELSE NULL END,
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL', 'DEPARTMENT') THEN NULL ELSE "noAnswerTarget" END,
  CASE WHEN "noAnswerType" = 'VOICEMAIL' THEN '{"greeting":"UNAVAILABLE"}' ELSE '{}' END
FROM "Department";

-- DropIndex
DROP INDEX "Department_noAnswerType_noAnswerTarget_idx";

-- AlterTable
ALTER TABLE "Department" DROP COLUMN "noAnswerTarget",
DROP COLUMN "noAnswerType";
