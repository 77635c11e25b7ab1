-- AlterTable
ALTER TABLE "WorkspaceSettings" ADD COLUMN     "customFields" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "digestTime" TEXT,
ADD COLUMN     "routes" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "SettingsChange" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SettingsChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SettingsChange_teamId_changedAt_idx" ON "SettingsChange"("teamId", "changedAt");

