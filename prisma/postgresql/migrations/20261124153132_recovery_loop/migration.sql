-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "channelId" TEXT,
ADD COLUMN     "messageTs" TEXT,
ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "resolvedEventId" INTEGER,
ADD COLUMN     "text" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "DirectMessage" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "settledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DirectMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DirectMessage_mistakeId_settledAt_idx" ON "DirectMessage"("mistakeId", "settledAt");

-- CreateIndex
CREATE UNIQUE INDEX "DirectMessage_channelId_ts_mistakeId_key" ON "DirectMessage"("channelId", "ts", "mistakeId");

-- AddForeignKey
ALTER TABLE "DirectMessage" ADD CONSTRAINT "DirectMessage_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Mistakes already waiting for their root-cause analysis get it as a chased step, due one SLA
-- period after their customer was satisfied, as a customer satisfied from now on gets it.
INSERT INTO "RecoveryStep" ("teamId", "mistakeId", "kind", "position", "status", "dueAt")
SELECT m."teamId", m."id", 'root_cause_analysis', 5, 'pending',
       COALESCE(m."satisfiedAt", m."updatedAt") + make_interval(mins => (CASE m."severity"
           WHEN 'critical' THEN COALESCE(w."slaCriticalMinutes", 30)
           WHEN 'high' THEN COALESCE(w."slaHighMinutes", 240)
           WHEN 'medium' THEN COALESCE(w."slaMediumMinutes", 1440)
           ELSE COALESCE(w."slaLowMinutes", 4320) END))
FROM "Mistake" m
LEFT JOIN "WorkspaceSettings" w ON w."teamId" = m."teamId"
WHERE m."state" = 'awaiting_rca'
  AND NOT EXISTS (SELECT 1 FROM "RootCauseAnalysis" r WHERE r."mistakeId" = m."id")
  AND NOT EXISTS (SELECT 1 FROM "RecoveryStep" s WHERE s."mistakeId" = m."id" AND s."kind" = 'root_cause_analysis');
