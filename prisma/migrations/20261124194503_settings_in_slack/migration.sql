-- CreateTable
CREATE TABLE "SettingsChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "changedAt" DATETIME NOT NULL
);

-- AlterTable (columns added in place: the table is not rebuilt, so columns other changes add are kept)
ALTER TABLE "WorkspaceSettings" ADD COLUMN "digestTime" TEXT;
ALTER TABLE "WorkspaceSettings" ADD COLUMN "customFields" TEXT NOT NULL DEFAULT '';
ALTER TABLE "WorkspaceSettings" ADD COLUMN "routes" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "SettingsChange_teamId_changedAt_idx" ON "SettingsChange"("teamId", "changedAt");
