-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN "answerKind" TEXT;
ALTER TABLE "Mistake" ADD COLUMN "answeredAt" DATETIME;
ALTER TABLE "Mistake" ADD COLUMN "firstAnsweredAt" DATETIME;
ALTER TABLE "Mistake" ADD COLUMN "msToApologize" REAL;
ALTER TABLE "Mistake" ADD COLUMN "msToMakeRight" REAL;
ALTER TABLE "Mistake" ADD COLUMN "msToOwn" REAL;
ALTER TABLE "Mistake" ADD COLUMN "msToSatisfied" REAL;

-- CreateIndex
CREATE INDEX "Mistake_stats_idx" ON "Mistake"("teamId", "category", "severity", "ownerId", "createdAt", "msToOwn", "msToApologize", "msToMakeRight", "msToSatisfied", "escalationLevel", "reopenCount");

-- CreateIndex
CREATE INDEX "Mistake_answers_idx" ON "Mistake"("teamId", "category", "severity", "ownerId", "answeredAt", "answerKind", "firstAnsweredAt");

-- Backfill, as the service writes them from now on: each customer's latest answer and their first,
-- from the timeline (the latest by time, then by id, as insights counted them until now) ...
UPDATE "Mistake" SET
  "answerKind" = (
    SELECT e."kind" FROM "TimelineEvent" e
    WHERE e."mistakeId" = "Mistake"."id" AND e."kind" IN ('satisfied', 'not_satisfied', 'reopened')
    ORDER BY e."at" DESC, e."id" DESC LIMIT 1
  ),
  "answeredAt" = (
    SELECT MAX(e."at") FROM "TimelineEvent" e
    WHERE e."mistakeId" = "Mistake"."id" AND e."kind" IN ('satisfied', 'not_satisfied', 'reopened')
  ),
  "firstAnsweredAt" = (
    SELECT MIN(e."at") FROM "TimelineEvent" e
    WHERE e."mistakeId" = "Mistake"."id" AND e."kind" IN ('satisfied', 'not_satisfied', 'reopened')
  );

-- ... and the milliseconds from the report to each step time.
UPDATE "Mistake" SET
  "msToOwn" = CAST(ROUND((julianday("ownedAt") - julianday("createdAt")) * 86400000) AS INTEGER),
  "msToApologize" = CAST(ROUND((julianday("apologizedAt") - julianday("createdAt")) * 86400000) AS INTEGER),
  "msToMakeRight" = CAST(ROUND((julianday("madeRightAt") - julianday("createdAt")) * 86400000) AS INTEGER),
  "msToSatisfied" = CAST(ROUND((julianday("satisfiedAt") - julianday("createdAt")) * 86400000) AS INTEGER);
