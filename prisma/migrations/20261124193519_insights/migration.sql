-- Insights: when each mistake was first owned and first made right, and how often it was
-- reopened, kept on the mistake so the figures read one compact row per mistake from one index.
ALTER TABLE "Mistake" ADD COLUMN "ownedAt" DATETIME;
ALTER TABLE "Mistake" ADD COLUMN "madeRightAt" DATETIME;
ALTER TABLE "Mistake" ADD COLUMN "reopenCount" INTEGER NOT NULL DEFAULT 0;

-- Mistakes recorded before: from their steps and timeline.
UPDATE "Mistake" SET
  "ownedAt" = (SELECT MIN(e."at") FROM "TimelineEvent" e WHERE e."mistakeId" = "Mistake"."id" AND e."kind" = 'owned'),
  "madeRightAt" = (SELECT MIN(e."at") FROM "TimelineEvent" e WHERE e."mistakeId" = "Mistake"."id" AND e."kind" = 'step_done' AND e."details" LIKE '%"step":"make_right"%'),
  "reopenCount" = (SELECT COUNT(*) FROM "TimelineEvent" e WHERE e."mistakeId" = "Mistake"."id" AND e."kind" = 'reopened');
-- Owned when reported (the reporter kept it): the own step was done at the report.
UPDATE "Mistake" SET "ownedAt" = (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = "Mistake"."id" AND s."kind" = 'own' AND s."status" = 'done')
  WHERE "ownedAt" IS NULL;
UPDATE "Mistake" SET "madeRightAt" = (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = "Mistake"."id" AND s."kind" = 'make_right' AND s."status" = 'done')
  WHERE "madeRightAt" IS NULL;

-- CreateIndex
CREATE INDEX "Mistake_insights_idx" ON "Mistake"("teamId", "createdAt", "category", "severity", "ownerId", "ownedAt", "apologizedAt", "madeRightAt", "satisfiedAt", "escalationLevel", "reopenCount");
