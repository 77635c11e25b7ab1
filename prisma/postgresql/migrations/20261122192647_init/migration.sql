-- CreateTable
CREATE TABLE "Mistake" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "customer" TEXT NOT NULL,
    "whatHappened" TEXT NOT NULL,
    "impact" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "reporterId" TEXT NOT NULL,
    "ownerId" TEXT,
    "state" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "channelId" TEXT NOT NULL,
    "threadTs" TEXT,
    "submissionKey" TEXT,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "escalatedAt" TIMESTAMP(3),
    "escalationReason" TEXT,
    "outcome" TEXT,
    "apologizedAt" TIMESTAMP(3),
    "satisfiedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Mistake_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecoveryStep" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "dueAt" TIMESTAMP(3) NOT NULL,
    "doneById" TEXT,
    "doneAt" TIMESTAMP(3),
    "skipReason" TEXT,
    "customerAnswer" TEXT,
    "remedyKind" TEXT,
    "remedyValue" TEXT,
    "note" TEXT,
    "snoozedUntil" TIMESTAMP(3),
    "lastRemindedAt" TIMESTAMP(3),
    "reminderCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RecoveryStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RootCauseAnalysis" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "whatHappened" TEXT NOT NULL,
    "causes" TEXT NOT NULL,
    "whatChanges" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RootCauseAnalysis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PreventionAction" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "doneById" TEXT,
    "doneAt" TIMESTAMP(3),
    "snoozedUntil" TIMESTAMP(3),
    "lastRemindedAt" TIMESTAMP(3),
    "reminderCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PreventionAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TimelineEvent" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "actorId" TEXT,
    "kind" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TimelineEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Escalation" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkspaceSettings" (
    "teamId" TEXT NOT NULL,
    "escalationChannelId" TEXT,
    "digestChannelId" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "slaLowMinutes" INTEGER NOT NULL DEFAULT 4320,
    "slaMediumMinutes" INTEGER NOT NULL DEFAULT 1440,
    "slaHighMinutes" INTEGER NOT NULL DEFAULT 240,
    "slaCriticalMinutes" INTEGER NOT NULL DEFAULT 30,
    "reminderIntervalMinutes" INTEGER NOT NULL DEFAULT 240,
    "escalateAfterMinutes" INTEGER NOT NULL DEFAULT 1440,
    "officeStartMinute" INTEGER NOT NULL DEFAULT 540,
    "officeEndMinute" INTEGER NOT NULL DEFAULT 1080,
    "officeDays" TEXT NOT NULL DEFAULT '1,2,3,4,5',
    "escalationContact" TEXT,
    "adminUserIds" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WorkspaceSettings_pkey" PRIMARY KEY ("teamId")
);

-- CreateTable
CREATE TABLE "ScheduledRun" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "job" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "claimedBy" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "late" BOOLEAN NOT NULL DEFAULT false,
    "details" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "ScheduledRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReminderSent" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "itemKind" TEXT NOT NULL,
    "itemId" INTEGER NOT NULL,
    "window" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderSent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "mistakeId" INTEGER,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "generation" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "uncertain" BOOLEAN NOT NULL DEFAULT false,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "resultTs" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Mistake_teamId_state_idx" ON "Mistake"("teamId", "state");

-- CreateIndex
CREATE INDEX "Mistake_teamId_ownerId_state_idx" ON "Mistake"("teamId", "ownerId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "Mistake_teamId_submissionKey_key" ON "Mistake"("teamId", "submissionKey");

-- CreateIndex
CREATE INDEX "RecoveryStep_teamId_status_dueAt_idx" ON "RecoveryStep"("teamId", "status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "RecoveryStep_mistakeId_kind_key" ON "RecoveryStep"("mistakeId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "RootCauseAnalysis_mistakeId_key" ON "RootCauseAnalysis"("mistakeId");

-- CreateIndex
CREATE INDEX "PreventionAction_teamId_status_dueAt_idx" ON "PreventionAction"("teamId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "PreventionAction_mistakeId_idx" ON "PreventionAction"("mistakeId");

-- CreateIndex
CREATE INDEX "TimelineEvent_mistakeId_at_idx" ON "TimelineEvent"("mistakeId", "at");

-- CreateIndex
CREATE INDEX "TimelineEvent_teamId_kind_at_idx" ON "TimelineEvent"("teamId", "kind", "at");

-- CreateIndex
CREATE INDEX "Escalation_teamId_at_idx" ON "Escalation"("teamId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "Escalation_mistakeId_key_key" ON "Escalation"("mistakeId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ScheduledRun_teamId_job_slot_key" ON "ScheduledRun"("teamId", "job", "slot");

-- CreateIndex
CREATE INDEX "ReminderSent_teamId_ownerId_sentAt_idx" ON "ReminderSent"("teamId", "ownerId", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReminderSent_itemKind_itemId_window_key" ON "ReminderSent"("itemKind", "itemId", "window");

-- CreateIndex
CREATE INDEX "Delivery_status_nextAttemptAt_idx" ON "Delivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_teamId_dedupeKey_key" ON "Delivery"("teamId", "dedupeKey");

-- AddForeignKey
ALTER TABLE "RecoveryStep" ADD CONSTRAINT "RecoveryStep_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RootCauseAnalysis" ADD CONSTRAINT "RootCauseAnalysis_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PreventionAction" ADD CONSTRAINT "PreventionAction_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimelineEvent" ADD CONSTRAINT "TimelineEvent_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;
