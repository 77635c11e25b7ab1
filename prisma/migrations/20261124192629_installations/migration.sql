-- CreateTable
CREATE TABLE "Installation" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT,
    "enterpriseId" TEXT,
    "isEnterpriseInstall" BOOLEAN NOT NULL DEFAULT false,
    "installerUserId" TEXT,
    "botUserId" TEXT,
    "scopes" TEXT NOT NULL DEFAULT '',
    "secret" TEXT NOT NULL,
    "installedAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "revokedReason" TEXT,
    "tokenRefusedAt" DATETIME,
    "tokenRefusedError" TEXT
);

-- CreateTable
CREATE TABLE "OAuthState" (
    "nonce" TEXT NOT NULL PRIMARY KEY,
    "installOptions" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME
);

-- CreateTable
CREATE TABLE "WorkspaceEnterprise" (
    "teamId" TEXT NOT NULL PRIMARY KEY,
    "enterpriseId" TEXT NOT NULL,
    "seenAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Installation_teamId_idx" ON "Installation"("teamId");

-- CreateIndex
CREATE INDEX "Installation_enterpriseId_idx" ON "Installation"("enterpriseId");

-- CreateIndex
CREATE INDEX "OAuthState_expiresAt_idx" ON "OAuthState"("expiresAt");

-- CreateIndex
CREATE INDEX "WorkspaceEnterprise_enterpriseId_idx" ON "WorkspaceEnterprise"("enterpriseId");

