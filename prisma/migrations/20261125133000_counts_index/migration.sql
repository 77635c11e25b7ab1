-- DropIndex
DROP INDEX "Mistake_teamId_state_idx";

-- CreateIndex
CREATE INDEX "Mistake_teamId_state_closedAt_ownerId_idx" ON "Mistake"("teamId", "state", "closedAt", "ownerId");
