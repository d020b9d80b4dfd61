-- When each extension took its number: its user sees the calls and recordings of that number from then
-- on, not those of an extension that held the number before. An existing extension has held its number
-- since it was created.
ALTER TABLE "Extension" ADD COLUMN     "numberSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "Extension" SET "numberSince" = "createdAt";
