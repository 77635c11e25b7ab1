-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN     "account" TEXT,
ADD COLUMN     "customerKey" TEXT,
ADD COLUMN     "customerLink" TEXT,
ADD COLUMN     "valueCurrency" TEXT,
ADD COLUMN     "valueMinor" INTEGER;

-- CreateIndex
CREATE INDEX "Mistake_teamId_customerKey_createdAt_idx" ON "Mistake"("teamId", "customerKey", "createdAt");
