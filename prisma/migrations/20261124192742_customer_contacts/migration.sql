-- CreateTable
CREATE TABLE "CustomerContact" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "mistakeId" INTEGER NOT NULL,
    "authorId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "apology" TEXT,
    "nextContactAt" DATETIME,
    "followUp" TEXT NOT NULL DEFAULT 'none',
    "snoozedUntil" DATETIME,
    "lastRemindedAt" DATETIME,
    "reminderCount" INTEGER NOT NULL DEFAULT 0,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CustomerContact_mistakeId_fkey" FOREIGN KEY ("mistakeId") REFERENCES "Mistake" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CustomerContact_mistakeId_at_idx" ON "CustomerContact"("mistakeId", "at");

-- CreateIndex
CREATE INDEX "CustomerContact_teamId_followUp_nextContactAt_idx" ON "CustomerContact"("teamId", "followUp", "nextContactAt");

