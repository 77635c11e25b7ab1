-- CreateTable
CREATE TABLE "Installation" (
    "key" TEXT NOT NULL,
    "teamId" TEXT,
    "enterpriseId" TEXT,
    "isEnterpriseInstall" BOOLEAN NOT NULL DEFAULT false,
    "installerUserId" TEXT,
    "botUserId" TEXT,
    "scopes" TEXT NOT NULL DEFAULT '',
    "secret" TEXT NOT NULL,
    "installedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokedReason" TEXT,
    "tokenRefusedAt" TIMESTAMP(3),
    "tokenRefusedError" TEXT,

    CONSTRAINT "Installation_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "OAuthState" (
    "nonce" TEXT NOT NULL,
    "installOptions" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "OAuthState_pkey" PRIMARY KEY ("nonce")
);

-- CreateTable
CREATE TABLE "WorkspaceEnterprise" (
    "teamId" TEXT NOT NULL,
    "enterpriseId" TEXT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WorkspaceEnterprise_pkey" PRIMARY KEY ("teamId")
);

-- CreateIndex
CREATE INDEX "Installation_teamId_idx" ON "Installation"("teamId");

-- CreateIndex
CREATE INDEX "Installation_enterpriseId_idx" ON "Installation"("enterpriseId");

-- CreateIndex
CREATE INDEX "OAuthState_expiresAt_idx" ON "OAuthState"("expiresAt");

-- CreateIndex
CREATE INDEX "WorkspaceEnterprise_enterpriseId_idx" ON "WorkspaceEnterprise"("enterpriseId");

