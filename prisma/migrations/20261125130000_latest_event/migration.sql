-- CreateIndex
CREATE INDEX "TimelineEvent_teamId_id_idx" ON "TimelineEvent"("teamId", "id");
