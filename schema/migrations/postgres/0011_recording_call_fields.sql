-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "did" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "direction" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "disposition" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "finalCallee" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "pinCode" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "trunk" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "Recording_uniqueid_idx" ON "Recording"("uniqueid");

