-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN     "answerKind" TEXT,
ADD COLUMN     "answeredAt" TIMESTAMP(3),
ADD COLUMN     "firstAnsweredAt" TIMESTAMP(3),
ADD COLUMN     "msToApologize" DOUBLE PRECISION,
ADD COLUMN     "msToMakeRight" DOUBLE PRECISION,
ADD COLUMN     "msToOwn" DOUBLE PRECISION,
ADD COLUMN     "msToSatisfied" DOUBLE PRECISION;

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
  "msToOwn" = ROUND(EXTRACT(EPOCH FROM ("ownedAt" - "createdAt")) * 1000),
  "msToApologize" = ROUND(EXTRACT(EPOCH FROM ("apologizedAt" - "createdAt")) * 1000),
  "msToMakeRight" = ROUND(EXTRACT(EPOCH FROM ("madeRightAt" - "createdAt")) * 1000),
  "msToSatisfied" = ROUND(EXTRACT(EPOCH FROM ("satisfiedAt" - "createdAt")) * 1000);
