-- AlterTable
ALTER TABLE "Mistake" ADD COLUMN     "customerNoteSentAt" TIMESTAMP(3),
ADD COLUMN     "customerNoteSentById" TEXT;

