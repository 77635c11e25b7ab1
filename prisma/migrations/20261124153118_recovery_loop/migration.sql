-- CreateTable
CREATE TABLE "DirectMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "settledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DirectMessage_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Escalation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "text" TEXT NOT NULL DEFAULT '',
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "channelId" TEXT,
    "messageTs" TEXT,
    "resolvedAt" DATETIME,
    "resolvedEventId" INTEGER,
    CONSTRAINT "Escalation_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Escalation" ("at", "id", "key", "level", "mistakeId", "reason", "teamId") SELECT "at", "id", "key", "level", "mistakeId", "reason", "teamId" FROM "Escalation";
DROP TABLE "Escalation";
ALTER TABLE "new_Escalation" RENAME TO "Escalation";
CREATE INDEX "Escalation_teamId_at_idx" ON "Escalation"("teamId", "at");
CREATE UNIQUE INDEX "Escalation_mistakeId_key_key" ON "Escalation"("mistakeId", "key");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "DirectMessage_mistakeId_settledAt_idx" ON "DirectMessage"("mistakeId", "settledAt");

-- CreateIndex
CREATE UNIQUE INDEX "DirectMessage_channelId_ts_mistakeId_key" ON "DirectMessage"("channelId", "ts", "mistakeId");

-- Mistakes already waiting for their root-cause analysis get it as a chased step, due one SLA
-- period after their customer was satisfied, as a customer satisfied from now on gets it.
INSERT INTO "RecoveryStep" ("teamId", "mistakeId", "kind", "position", "status", "dueAt")
SELECT m."teamId", m."id", 'root_cause_analysis', 5, 'pending',
       strftime('%Y-%m-%dT%H:%M:%f+00:00', COALESCE(m."satisfiedAt", m."updatedAt"),
         '+' || (CASE m."severity"
           WHEN 'critical' THEN COALESCE(w."slaCriticalMinutes", 30)
           WHEN 'high' THEN COALESCE(w."slaHighMinutes", 240)
           WHEN 'medium' THEN COALESCE(w."slaMediumMinutes", 1440)
           ELSE COALESCE(w."slaLowMinutes", 4320) END) || ' minutes')
FROM "Mistake" m
LEFT JOIN "WorkspaceSettings" w ON w."teamId" = m."teamId"
WHERE m."state" = 'awaiting_rca'
  AND NOT EXISTS (SELECT 1 FROM "RootCauseAnalysis" r WHERE r."mistakeId" = m."id")
  AND NOT EXISTS (SELECT 1 FROM "RecoveryStep" s WHERE s."mistakeId" = m."id" AND s."kind" = 'root_cause_analysis');
