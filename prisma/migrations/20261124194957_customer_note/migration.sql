-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN "customerNoteSentAt" DATETIME;
ALTER TABLE "Mistake" ADD COLUMN "customerNoteSentById" TEXT;

