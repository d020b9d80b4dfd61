-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Recording" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "file" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "linkedid" TEXT NOT NULL DEFAULT '',
    "uniqueid" TEXT NOT NULL DEFAULT '',
    "startedAt" DATETIME NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "durationSeconds" INTEGER NOT NULL DEFAULT 0,
    "caller" TEXT NOT NULL DEFAULT '',
    "callee" TEXT NOT NULL DEFAULT '',
    "callerExtension" TEXT,
    "calleeExtension" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finalCallee" TEXT NOT NULL DEFAULT '',
    "trunk" TEXT NOT NULL DEFAULT '',
    "did" TEXT NOT NULL DEFAULT '',
    "pinCode" TEXT NOT NULL DEFAULT '',
    "direction" TEXT NOT NULL DEFAULT '',
    "disposition" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_Recording" ("callee", "calleeExtension", "caller", "callerExtension", "createdAt", "durationSeconds", "file", "id", "kind", "linkedid", "sizeBytes", "startedAt", "uniqueid") SELECT "callee", "calleeExtension", "caller", "callerExtension", "createdAt", "durationSeconds", "file", "id", "kind", "linkedid", "sizeBytes", "startedAt", "uniqueid" FROM "Recording";
DROP TABLE "Recording";
ALTER TABLE "new_Recording" RENAME TO "Recording";
CREATE UNIQUE INDEX "Recording_file_key" ON "Recording"("file");
CREATE INDEX "Recording_startedAt_idx" ON "Recording"("startedAt");
CREATE INDEX "Recording_linkedid_idx" ON "Recording"("linkedid");
CREATE INDEX "Recording_uniqueid_idx" ON "Recording"("uniqueid");
CREATE INDEX "Recording_callerExtension_idx" ON "Recording"("callerExtension");
CREATE INDEX "Recording_calleeExtension_idx" ON "Recording"("calleeExtension");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

