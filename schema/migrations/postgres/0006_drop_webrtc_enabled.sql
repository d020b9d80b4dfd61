-- AlterTable
ALTER TABLE "Extension" DROP COLUMN "webrtcEnabled";

