-- CreateTable
CREATE TABLE "Destination" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerKind" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "targetKind" TEXT,
    "targetId" TEXT,
    "targetText" TEXT,
    "parameters" TEXT NOT NULL DEFAULT '{}'
);

-- Department no-answer destinations move into the one Destination table.
INSERT INTO "Destination" ("id", "ownerKind", "ownerId", "slot", "type", "targetKind", "targetId", "targetText", "parameters")
SELECT 'dst-' || "id", 'DEPARTMENT', "id", 'noAnswer', "noAnswerType",
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL') THEN 'EXTENSION' WHEN "noAnswerType" = 'DEPARTMENT' THEN 'DEPARTMENT' ELSE NULL END,
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL', 'DEPARTMENT') THEN "noAnswerTarget" ELSE NULL END,
  CASE WHEN "noAnswerType" IN ('EXTENSION', 'VOICEMAIL', 'DEPARTMENT') THEN NULL ELSE "noAnswerTarget" END,
  CASE WHEN "noAnswerType" = 'VOICEMAIL' THEN '{"greeting":"UNAVAILABLE"}' ELSE '{}' END
FROM "Department";

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Department" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "ringStrategy" TEXT NOT NULL,
    "ringTimeSeconds" INTEGER NOT NULL,
    "distinctiveRing" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Department" ("createdAt", "distinctiveRing", "id", "name", "number", "ringStrategy", "ringTimeSeconds", "updatedAt") SELECT "createdAt", "distinctiveRing", "id", "name", "number", "ringStrategy", "ringTimeSeconds", "updatedAt" FROM "Department";
DROP TABLE "Department";
ALTER TABLE "new_Department" RENAME TO "Department";
CREATE UNIQUE INDEX "Department_name_key" ON "Department"("name");
CREATE UNIQUE INDEX "Department_number_key" ON "Department"("number");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Destination_targetKind_targetId_idx" ON "Destination"("targetKind", "targetId");

-- CreateIndex
CREATE UNIQUE INDEX "Destination_ownerKind_ownerId_slot_key" ON "Destination"("ownerKind", "ownerId", "slot");

