-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "familyId" TEXT;

-- CreateIndex
CREATE INDEX "Session_familyId_idx" ON "Session"("familyId");

