import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore, InstallURLOptions, StateStore } from '@slack/bolt';
import { InvalidStateError } from '@slack/oauth';
import type { Db } from '../db/client';
import { inTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import { systemClock, type Clock } from './clock';
import type { TokenCipher } from './tokenCipher';

/** Deliveries of a workspace the app is no longer installed in wait in this status. */
export const PAUSED = 'paused';

/** How long an "Add to Slack" link stays usable. */
const STATE_LIFETIME_MS = 10 * 60_000;
/** How long a token lookup is remembered (a revoke or reinstall in this process forgets at once). */
const TOKEN_CACHE_MS = 10_000;

export interface WorkspaceToken {
  token: string;
  teamId: string;
  enterpriseId?: string;
}

export interface InstallationsHealth {
  /** Workspace and org-wide installations the bot serves. */
  installed: number;
  /** Installations uninstalled or whose tokens were revoked (kept, resumed by a reinstall). */
  uninstalled: number;
  /** Installed workspaces whose token Slack refused, by team or enterprise id. */
  tokenRefused: string[];
}

const keyOf = (q: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }): string | null => {
  if (q.isEnterpriseInstall) return q.enterpriseId ? `E:${q.enterpriseId}` : null;
  return q.teamId ? `T:${q.teamId}` : null;
};

export class InstallationNotFound extends Error {
  constructor(what: string) {
    super(`no installation for ${what}`);
    this.name = 'InstallationNotFound';
  }
}

/**
 * Installations made with "Add to Slack", on Prisma, for Bolt's OAuth support: Bolt stores what
 * Slack returns on install here and asks for the token of every request it receives. What
 * Slack returned (tokens included) is stored only sealed with the token cipher; rows sealed with
 * an old key are sealed again with the current one when read.
 *
 * Nothing is deleted on uninstall: the installation is marked revoked, the workspace's pending
 * deliveries are paused, and a reinstall resumes them.
 */
export class Installations implements InstallationStore {
  private readonly tokens = new Map<string, { value: WorkspaceToken | null; at: number }>();
  private readonly enterprises = new Map<string, string>();
  private readonly served = new Map<string, { value: boolean; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const teamId = installation.team?.id;
    const enterpriseId = installation.enterprise?.id;
    const key = keyOf({ teamId, enterpriseId, isEnterpriseInstall });
    if (!key) throw new Error('an installation must name its workspace or, for an org-wide install, its organization');
    const now = this.clock.now();
    const row = {
      teamId: isEnterpriseInstall ? null : (teamId ?? null),
      enterpriseId: enterpriseId ?? null,
      isEnterpriseInstall,
      installerUserId: installation.user?.id ?? null,
      botUserId: installation.bot?.userId ?? null,
      scopes: (installation.bot?.scopes ?? []).join(','),
      secret: this.cipher.seal(JSON.stringify(installation)),
      revokedAt: null,
      revokedReason: null,
      tokenRefusedAt: null,
      tokenRefusedError: null,
    };
    const resumed = await inTransaction(this.db, async (tx) => {
      await tx.installation.upsert({ where: { key }, create: { key, ...row, installedAt: now }, update: row });
      if (teamId && enterpriseId && !isEnterpriseInstall) {
        await tx.workspaceEnterprise.upsert({
          where: { teamId },
          create: { teamId, enterpriseId, seenAt: now },
          update: { enterpriseId, seenAt: now },
        });
      }
      // A reinstall resumes what the workspace (or every workspace of the org) left waiting.
      const teams = isEnterpriseInstall ? await this.teamsOf(tx, enterpriseId!) : [teamId!];
      const { count } = await tx.delivery.updateMany({
        where: { teamId: { in: teams }, status: PAUSED },
        data: { status: 'pending', nextAttemptAt: now, lastError: null },
      });
      return count;
    });
    this.tokens.clear();
    this.served.clear();
    this.logger.info('app installed', { key, isEnterpriseInstall, resumedDeliveries: resumed });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const keys = [keyOf(query)];
    // A workspace of an org with an org-wide install, asked for as a workspace.
    if (!query.isEnterpriseInstall && query.enterpriseId) keys.push(`E:${query.enterpriseId}`);
    for (const key of keys) {
      if (!key) continue;
      const row = await this.db.installation.findUnique({ where: { key } });
      if (!row || row.revokedAt) continue;
      const installation = JSON.parse(this.cipher.open(row.secret)) as Installation<'v1' | 'v2', boolean>;
      if (this.cipher.isStale(row.secret)) {
        // Sealed with an old key: seal it again with the current one.
        await this.db.installation.updateMany({
          where: { key, secret: row.secret },
          data: { secret: this.cipher.seal(JSON.stringify(installation)) },
        });
        this.logger.info('installation sealed again with the current encryption key', { key });
      }
      return installation;
    }
    throw new InstallationNotFound(query.isEnterpriseInstall ? `organization ${query.enterpriseId}` : `workspace ${query.teamId}`);
  }

  /**
   * After a key rotation (TOKEN_ENCRYPTION_KEY new, the old one in TOKEN_ENCRYPTION_OLD_KEYS):
   * seals every installation sealed with an old key again with the current one. Run at start,
   * so after one start with both keys the old key can be removed. A row no configured key
   * opens stops the start, naming the setting to fix.
   */
  async resealAll(): Promise<number> {
    const rows = await this.db.installation.findMany({ select: { key: true, secret: true } });
    let resealed = 0;
    for (const row of rows) {
      if (!this.cipher.isStale(row.secret)) continue;
      let plain: string;
      try {
        plain = this.cipher.open(row.secret);
      } catch (error) {
        throw new Error(`The installation for ${row.key.slice(2)} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
      const { count } = await this.db.installation.updateMany({
        where: { key: row.key, secret: row.secret },
        data: { secret: this.cipher.seal(plain) },
      });
      resealed += count;
    }
    if (resealed > 0) this.logger.info('installations sealed again with the current encryption key', { count: resealed });
    return resealed;
  }

  /** Bolt asks this when Slack says the app is gone: the installation is marked, not deleted. */
  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.revoke(query, 'deleted');
  }

  /**
   * The app was uninstalled (or its tokens revoked) from a workspace or an org: its installation
   * is marked revoked and its pending deliveries paused. Data is kept for a reinstall.
   */
  async revoke(where: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }, reason: string): Promise<number> {
    const now = this.clock.now();
    const key = keyOf(where) ?? keyOf({ ...where, isEnterpriseInstall: !where.isEnterpriseInstall });
    if (!key) return 0;
    const paused = await inTransaction(this.db, async (tx) => {
      const marked = await tx.installation.updateMany({ where: { key, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
      if (marked.count === 0) return 0;
      const teams = key.startsWith('E:') ? await this.teamsOf(tx, key.slice(2)) : [key.slice(2)];
      const { count } = await tx.delivery.updateMany({
        where: { teamId: { in: teams }, status: { in: ['pending', 'failed'] } },
        data: { status: PAUSED, lastError: `the app was ${reason} in this workspace; resumes on reinstall` },
      });
      return count;
    });
    this.tokens.clear();
    this.served.clear();
    this.logger.warn('app no longer installed; its deliveries are paused until it is reinstalled', { key, reason, pausedDeliveries: paused });
    return paused;
  }

  private async teamsOf(tx: Pick<Db, 'workspaceEnterprise'>, enterpriseId: string): Promise<string[]> {
    const rows = await tx.workspaceEnterprise.findMany({ where: { enterpriseId }, select: { teamId: true } });
    return rows.map((r) => r.teamId);
  }

  /** Notes which organization a workspace belongs to (once per process per workspace). */
  async noteWorkspace(teamId: string, enterpriseId: string | undefined): Promise<void> {
    if (!enterpriseId || this.enterprises.get(teamId) === enterpriseId) return;
    const now = this.clock.now();
    await this.db.workspaceEnterprise.upsert({
      where: { teamId },
      create: { teamId, enterpriseId, seenAt: now },
      update: { enterpriseId, seenAt: now },
    });
    this.enterprises.set(teamId, enterpriseId);
  }

  /** Whether the app is installed (and not revoked) for a request from this workspace. */
  async serves(teamId: string | undefined, enterpriseId: string | undefined): Promise<boolean> {
    const keys = [teamId ? `T:${teamId}` : null, enterpriseId ? `E:${enterpriseId}` : null].filter((k): k is string => k !== null);
    if (keys.length === 0) return false;
    const cacheKey = keys.join('|');
    const hit = this.served.get(cacheKey);
    if (hit && Date.now() - hit.at < TOKEN_CACHE_MS) return hit.value;
    const value = (await this.db.installation.count({ where: { key: { in: keys }, revokedAt: null } })) > 0;
    this.served.set(cacheKey, { value, at: Date.now() });
    return value;
  }

  /** The bot token that acts in a workspace, or null when the app is not installed there now. */
  async tokenFor(teamId: string): Promise<WorkspaceToken | null> {
    const hit = this.tokens.get(teamId);
    if (hit && Date.now() - hit.at < TOKEN_CACHE_MS) return hit.value;
    let value: WorkspaceToken | null = null;
    const org = await this.db.workspaceEnterprise.findUnique({ where: { teamId } });
    try {
      const installation = await this.fetchInstallation({ teamId, enterpriseId: org?.enterpriseId, isEnterpriseInstall: false });
      const token = installation.bot?.token;
      if (token) value = { token, teamId, ...(org ? { enterpriseId: org.enterpriseId } : {}) };
    } catch (error) {
      if (!(error instanceof InstallationNotFound)) throw error;
    }
    this.tokens.set(teamId, { value, at: Date.now() });
    return value;
  }

  /** The workspaces the scheduled passes run for: every one the app is installed in now. */
  async servedTeams(): Promise<string[]> {
    const rows = await this.db.installation.findMany({
      where: { revokedAt: null },
      select: { teamId: true, enterpriseId: true, isEnterpriseInstall: true },
    });
    const teams = new Set(rows.filter((r) => !r.isEnterpriseInstall && r.teamId).map((r) => r.teamId!));
    const orgs = rows.filter((r) => r.isEnterpriseInstall && r.enterpriseId).map((r) => r.enterpriseId!);
    if (orgs.length > 0) {
      const members = await this.db.workspaceEnterprise.findMany({ where: { enterpriseId: { in: orgs } }, select: { teamId: true } });
      for (const m of members) teams.add(m.teamId);
    }
    return [...teams].sort();
  }

  /** The user who installed the app in a workspace (an admin of the bot there), if known. */
  async installerOf(teamId: string): Promise<string | null> {
    const org = await this.db.workspaceEnterprise.findUnique({ where: { teamId } });
    const keys = [`T:${teamId}`, ...(org ? [`E:${org.enterpriseId}`] : [])];
    const row = await this.db.installation.findFirst({ where: { key: { in: keys }, revokedAt: null }, select: { installerUserId: true } });
    return row?.installerUserId ?? null;
  }

  /** Slack refused a workspace's token (or accepted it again): kept for /healthz. */
  async noteTokenRefused(teamId: string, error: string | null): Promise<void> {
    const org = await this.db.workspaceEnterprise.findUnique({ where: { teamId } });
    const keys = [`T:${teamId}`, ...(org ? [`E:${org.enterpriseId}`] : [])];
    await this.db.installation.updateMany({
      where: { key: { in: keys }, revokedAt: null, ...(error === null ? { tokenRefusedAt: { not: null } } : {}) },
      data: error === null ? { tokenRefusedAt: null, tokenRefusedError: null } : { tokenRefusedAt: this.clock.now(), tokenRefusedError: error },
    });
  }

  async health(): Promise<InstallationsHealth> {
    const rows = await this.db.installation.findMany({ select: { key: true, revokedAt: true, tokenRefusedAt: true } });
    return {
      installed: rows.filter((r) => !r.revokedAt).length,
      uninstalled: rows.filter((r) => r.revokedAt).length,
      tokenRefused: rows.filter((r) => !r.revokedAt && r.tokenRefusedAt).map((r) => r.key.slice(2)),
    };
  }
}

/**
 * The OAuth state parameter, kept in the database: each "Add to Slack" link carries a random
 * nonce signed with SLACK_STATE_SECRET, recorded when the link is made and marked used by the
 * first callback that presents it. A forged state fails the signature, an unknown or expired
 * one is not found, and a replayed one is already used: each is refused and nothing is stored.
 */
export class DatabaseStateStore implements StateStore {
  constructor(
    private readonly db: Db,
    private readonly secret: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(nonce).digest('base64url');
  }

  async generateStateParam(installOptions: InstallURLOptions): Promise<string> {
    const now = this.clock.now();
    const nonce = randomBytes(24).toString('base64url');
    await this.db.oAuthState.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - STATE_LIFETIME_MS) } } });
    await this.db.oAuthState.create({
      data: { nonce, installOptions: JSON.stringify(installOptions), createdAt: now, expiresAt: new Date(now.getTime() + STATE_LIFETIME_MS) },
    });
    return `${nonce}.${this.sign(nonce)}`;
  }

  async verifyStateParam(_now: Date, state: string): Promise<InstallURLOptions> {
    const [nonce, signature, extra] = state.split('.');
    const expected = nonce ? Buffer.from(this.sign(nonce)) : null;
    const given = Buffer.from(signature ?? '');
    if (!nonce || extra !== undefined || !expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new InvalidStateError('The state parameter was not made by this app.');
    }
    const now = this.clock.now();
    // Marking it used is the check: of two callbacks presenting it, one marks it and one finds it used.
    const used = await this.db.oAuthState.updateMany({ where: { nonce, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (used.count === 0) throw new InvalidStateError('The state parameter was already used or has expired.');
    const row = await this.db.oAuthState.findUniqueOrThrow({ where: { nonce } });
    return JSON.parse(row.installOptions) as InstallURLOptions;
  }
}
