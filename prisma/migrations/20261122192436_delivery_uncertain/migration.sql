-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Delivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "mistakeId" INTEGER,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "generation" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "uncertain" BOOLEAN NOT NULL DEFAULT false,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "leaseUntil" DATETIME,
    "lastError" TEXT,
    "resultTs" TEXT,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Delivery" ("attempts", "createdAt", "dedupeKey", "generation", "id", "kind", "lastError", "leaseUntil", "lockedBy", "mistakeId", "nextAttemptAt", "payload", "resultTs", "sentAt", "status", "teamId") SELECT "attempts", "createdAt", "dedupeKey", "generation", "id", "kind", "lastError", "leaseUntil", "lockedBy", "mistakeId", "nextAttemptAt", "payload", "resultTs", "sentAt", "status", "teamId" FROM "Delivery";
DROP TABLE "Delivery";
ALTER TABLE "new_Delivery" RENAME TO "Delivery";
CREATE INDEX "Delivery_status_nextAttemptAt_idx" ON "Delivery"("status", "nextAttemptAt");
CREATE UNIQUE INDEX "Delivery_teamId_dedupeKey_key" ON "Delivery"("teamId", "dedupeKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
