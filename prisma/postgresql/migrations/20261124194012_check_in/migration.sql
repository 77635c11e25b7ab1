-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN     "checkInAskedAt" TIMESTAMP(3),
ADD COLUMN     "checkInDueAt" TIMESTAMP(3),
ADD COLUMN     "checkInsSent" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Mistake_teamId_checkInDueAt_idx" ON "Mistake"("teamId", "checkInDueAt");

-- CreateIndex
CREATE INDEX "Mistake_teamId_outcome_idx" ON "Mistake"("teamId", "outcome");

