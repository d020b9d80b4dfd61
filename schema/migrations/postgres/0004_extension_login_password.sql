-- AlterTable
ALTER TABLE "Extension" ADD COLUMN     "loginPasswordHash" TEXT;

