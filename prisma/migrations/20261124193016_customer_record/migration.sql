-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN "account" TEXT;
ALTER TABLE "Mistake" ADD COLUMN "customerKey" TEXT;
ALTER TABLE "Mistake" ADD COLUMN "customerLink" TEXT;
ALTER TABLE "Mistake" ADD COLUMN "valueCurrency" TEXT;
ALTER TABLE "Mistake" ADD COLUMN "valueMinor" INTEGER;

-- CreateIndex
CREATE INDEX "Mistake_teamId_customerKey_createdAt_idx" ON "Mistake"("teamId", "customerKey", "createdAt");

