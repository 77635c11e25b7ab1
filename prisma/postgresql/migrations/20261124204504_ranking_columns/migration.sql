-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN     "nextDueAt" TIMESTAMP(3),
ADD COLUMN     "urgency" INTEGER;

-- CreateIndex
CREATE INDEX "Mistake_teamId_urgency_nextDueAt_id_idx" ON "Mistake"("teamId", "urgency", "nextDueAt", "id");

-- CreateIndex
CREATE INDEX "Mistake_teamId_ownerId_urgency_nextDueAt_id_idx" ON "Mistake"("teamId", "ownerId", "urgency", "nextDueAt", "id");


-- Backfill: each mistake's ranking as App Home worked it out on every refresh until now.
UPDATE "Mistake" SET "nextDueAt" = CASE
  WHEN "state" IN ('reported', 'recovering', 'escalated') THEN (
    SELECT s."dueAt" FROM "RecoveryStep" s
    WHERE s."mistakeId" = "Mistake"."id" AND s."status" = 'pending'
      AND s."kind" IN ('own', 'apologize', 'ask', 'make_right', 'confirm_satisfied')
    ORDER BY s."position" LIMIT 1
  )
  WHEN "state" = 'awaiting_rca' THEN (
    SELECT s."dueAt" FROM "RecoveryStep" s
    WHERE s."mistakeId" = "Mistake"."id" AND s."status" = 'pending' AND s."kind" = 'root_cause_analysis'
    LIMIT 1
  )
END;

UPDATE "Mistake" SET "urgency" = CASE
  WHEN "state" IN ('reported', 'recovering', 'escalated', 'awaiting_rca', 'preventing') THEN
    CASE WHEN "state" = 'escalated' THEN 0 ELSE 10 END
    + 2 * CASE "severity" WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END
    + CASE WHEN "nextDueAt" IS NULL THEN 1 ELSE 0 END
END;
