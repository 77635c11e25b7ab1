-- CreateTable
CREATE TABLE "CustomerContact" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "authorId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "apology" TEXT,
    "nextContactAt" TIMESTAMP(3),
    "followUp" TEXT NOT NULL DEFAULT 'none',
    "snoozedUntil" TIMESTAMP(3),
    "lastRemindedAt" TIMESTAMP(3),
    "reminderCount" INTEGER NOT NULL DEFAULT 0,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerContact_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerContact_mistakeId_at_idx" ON "CustomerContact"("mistakeId", "at");

-- CreateIndex
CREATE INDEX "CustomerContact_teamId_followUp_nextContactAt_idx" ON "CustomerContact"("teamId", "followUp", "nextContactAt");

-- AddForeignKey
ALTER TABLE "CustomerContact" ADD CONSTRAINT "CustomerContact_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

