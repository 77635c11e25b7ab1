-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "calledAt" TIMESTAMP(3),
ADD COLUMN     "lookUntil" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Interaction" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lockedBy" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "outcome" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "Interaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatabaseIdentity" (
    "id" INTEGER NOT NULL,
    "uuid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatabaseIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Interaction_status_leaseUntil_idx" ON "Interaction"("status", "leaseUntil");

-- CreateIndex
CREATE UNIQUE INDEX "Interaction_teamId_key_key" ON "Interaction"("teamId", "key");
