-- When each extension took its number: its user sees the calls and recordings of that number from then
-- on, not those of an extension that held the number before. An existing extension has held its number
-- since it was created.
-- SQLite adds no column whose default is the current time, and rebuilding the table would break the
-- voicemail view built on it: the column gets a fixed default, which the server never relies on (it
-- always writes the column).
ALTER TABLE "Extension" ADD COLUMN "numberSince" DATETIME NOT NULL DEFAULT '1970-01-01T00:00:00.000+00:00';
UPDATE "Extension" SET "numberSince" = "createdAt";
