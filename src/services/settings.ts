import type { Db } from '../db/client';
import { inTransaction } from '../db/transaction';
import { isUniqueViolation } from '../db/errors';
import type { WorkspaceSettings } from '../generated/prisma/client';
import type { EscalationPolicy, SlaPolicy } from '../domain/playbook';
import { MINUTE_MS } from '../domain/durations';
import { decodeRoutes, type Routes } from '../domain/routes';
import { systemClock, type Clock } from './clock';

export interface OfficeHoursPolicy {
  startMinute: number;
  endMinute: number;
  /** ISO weekdays, 1 = Monday .. 7 = Sunday. */
  days: number[];
}

/** What a deployment's configuration says every workspace starts with. */
export interface WorkspaceDefaults {
  escalationChannelId: string;
  digestChannelId: string;
  timezone: string;
  sla: SlaPolicy;
  reminderIntervalMs: number;
  escalateAfterMs: number;
  reminderCap: number;
  officeHours: OfficeHoursPolicy;
  escalationContact?: string;
  adminUserIds: string[];
  /** The currency a report's value at risk is in unless the reporter names another (ISO 4217). */
  defaultCurrency?: string;
  /** CHECK_IN_AFTER: how long after "satisfied" the owner is asked whether the customer came back; null: never. */
  checkInAfterMs?: number | null;
}

/** One workspace's rules, as the services and jobs read them. */
export interface WorkspacePolicy extends EscalationPolicy {
  teamId: string;
  escalationChannelId: string;
  digestChannelId: string;
  timezone: string;
  sla: SlaPolicy;
  reminderIntervalMs: number;
  officeHours: OfficeHoursPolicy;
  escalationContact: string | null;
  adminUserIds: string[];
  /** "HH:MM": when the digest goes out (on DIGEST_CRON's days); null: DIGEST_CRON's times. */
  digestTime: string | null;
  /** Categories with their own escalation channel and contact. */
  routes: Routes;
  /** ISO 4217: a report's value at risk is in it unless the reporter names another. */
  defaultCurrency: string;
  /** How long after "satisfied" the owner is asked whether the customer came back; null: never. */
  checkInAfterMs: number | null;
  /** When the bot first saw this workspace: digests are never caught up before it. */
  installedAt: Date;
}

/** What an admin can set in Slack (Settings), stored per workspace and audited. */
export interface SettingsChanges {
  escalationChannelId?: string;
  digestChannelId?: string;
  digestTime?: string | null;
  timezone?: string;
  slaCriticalMinutes?: number;
  slaHighMinutes?: number;
  slaMediumMinutes?: number;
  slaLowMinutes?: number;
  officeStartMinute?: number;
  officeEndMinute?: number;
  officeDays?: string;
  escalationContact?: string | null;
  adminUserIds?: string;
  /** Encoded routes (src/domain/routes.ts). */
  routes?: string;
}
export type SettingsField = keyof SettingsChanges;

/** One change made in Slack: who changed what, when, from what to what. */
export interface SettingsChangeRecord {
  userId: string;
  field: string;
  before: string | null;
  after: string | null;
  changedAt: Date;
}

const minutes = (ms: number): number => Math.round(ms / MINUTE_MS);

function rowFromDefaults(d: WorkspaceDefaults) {
  return {
    escalationChannelId: d.escalationChannelId || null,
    digestChannelId: d.digestChannelId || null,
    timezone: d.timezone,
    slaLowMinutes: minutes(d.sla.stepMs.low),
    slaMediumMinutes: minutes(d.sla.stepMs.medium),
    slaHighMinutes: minutes(d.sla.stepMs.high),
    slaCriticalMinutes: minutes(d.sla.stepMs.critical),
    reminderIntervalMinutes: minutes(d.reminderIntervalMs),
    escalateAfterMinutes: minutes(d.escalateAfterMs),
    officeStartMinute: d.officeHours.startMinute,
    officeEndMinute: d.officeHours.endMinute,
    officeDays: d.officeHours.days.join(','),
    escalationContact: d.escalationContact ?? null,
    adminUserIds: d.adminUserIds.join(','),
  };
}

export function policyFromRow(
  row: WorkspaceSettings,
  reminderCap: number,
  defaultCurrency = 'USD',
  checkInAfterMs: number | null = null,
): WorkspacePolicy {
  return {
    teamId: row.teamId,
    escalationChannelId: row.escalationChannelId ?? '',
    digestChannelId: row.digestChannelId ?? row.escalationChannelId ?? '',
    timezone: row.timezone,
    sla: {
      stepMs: {
        low: row.slaLowMinutes * MINUTE_MS,
        medium: row.slaMediumMinutes * MINUTE_MS,
        high: row.slaHighMinutes * MINUTE_MS,
        critical: row.slaCriticalMinutes * MINUTE_MS,
      },
    },
    reminderIntervalMs: row.reminderIntervalMinutes * MINUTE_MS,
    escalateAfterMs: row.escalateAfterMinutes * MINUTE_MS,
    reminderCap,
    officeHours: {
      startMinute: row.officeStartMinute,
      endMinute: row.officeEndMinute,
      days: row.officeDays.split(',').filter(Boolean).map(Number),
    },
    escalationContact: row.escalationContact,
    adminUserIds: row.adminUserIds.split(',').filter(Boolean),
    digestTime: row.digestTime,
    routes: decodeRoutes(row.routes),
    defaultCurrency,
    checkInAfterMs,
    installedAt: row.createdAt,
  };
}

/**
 * Per-workspace settings live in the database so jobs and replicas agree on them. The
 * deployment's configuration is authoritative: it seeds a workspace on first sight and is
 * re-applied to every workspace at start-up (`applyDefaults`).
 */
export class SettingsService {
  private readonly cache = new Map<string, { policy: WorkspacePolicy; at: number }>();
  private only: (() => Promise<string | string[] | null>) | null = null;
  private installer: ((teamId: string) => Promise<string | null>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly defaults: WorkspaceDefaults,
    private readonly cacheMs = 30_000,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * The workspace's policy, created from the defaults the first time the workspace is seen. The
   * first sight can happen on several replicas at once, so creation is an insert that tolerates
   * losing the race, and it runs outside any caller's transaction (on PostgreSQL a failed insert
   * would abort that transaction).
   */
  async forTeam(teamId: string): Promise<WorkspacePolicy> {
    const hit = this.cache.get(teamId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.policy;
    let row = await this.db.workspaceSettings.findUnique({ where: { teamId } });
    if (!row) {
      try {
        row = await this.db.workspaceSettings.create({
          data: { teamId, ...rowFromDefaults(this.defaults), createdAt: this.clock.now() },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        row = await this.db.workspaceSettings.findUniqueOrThrow({ where: { teamId } });
      }
    }
    const policy = policyFromRow(row, this.defaults.reminderCap, this.defaults.defaultCurrency, this.defaults.checkInAfterMs ?? null);
    // The person who installed the app (OAuth mode) is always one of its admins there.
    const installer = this.installer ? await this.installer(teamId) : null;
    if (installer && !policy.adminUserIds.includes(installer)) policy.adminUserIds.push(installer);
    this.cache.set(teamId, { policy, at: Date.now() });
    return policy;
  }

  /** OAuth mode: who installed the app in a workspace (an admin of it there). */
  installersFrom(installerOf: (teamId: string) => Promise<string | null>): void {
    this.installer = installerOf;
  }

  /**
   * An admin's changes from Settings in Slack: stored for the workspace, each changed field
   * audited (who, when, from what to what), and kept across restarts (the environment's values
   * stay the defaults of the fields the workspace never set). Returns the fields that changed.
   */
  async update(teamId: string, userId: string, changes: SettingsChanges): Promise<SettingsField[]> {
    await this.forTeam(teamId);
    const now = this.clock.now();
    const changed = await inTransaction(this.db, async (tx) => {
      const row = await tx.workspaceSettings.findUniqueOrThrow({ where: { teamId } });
      const fields = (Object.keys(changes) as SettingsField[]).filter((f) => changes[f] !== undefined && row[f] !== changes[f]);
      if (fields.length === 0) return [];
      const custom = new Set(row.customFields.split(',').filter(Boolean));
      for (const f of fields) custom.add(f);
      const data: Record<string, unknown> = { customFields: [...custom].sort().join(',') };
      for (const f of fields) data[f] = changes[f];
      await tx.workspaceSettings.update({ where: { teamId }, data });
      await tx.settingsChange.createMany({
        data: fields.map((field) => ({
          teamId,
          userId,
          field,
          before: row[field] === null ? null : String(row[field]),
          after: changes[field] === null ? null : String(changes[field]),
          changedAt: now,
        })),
      });
      return fields;
    });
    this.cache.delete(teamId);
    return changed;
  }

  /** The audit of a workspace's settings, newest first. */
  async changes(teamId: string, limit = 50): Promise<SettingsChangeRecord[]> {
    const rows = await this.db.settingsChange.findMany({ where: { teamId }, orderBy: { id: 'desc' }, take: limit });
    return rows.map(({ userId, field, before, after, changedAt }) => ({ userId, field, before, after, changedAt }));
  }

  /**
   * Serve one workspace only: the one the bot token is installed in (asked for when first
   * needed; null serves every workspace), or in OAuth mode the list of workspaces the app is
   * installed in now. Scheduled jobs then run for those alone, even if the database holds
   * another workspace's rows (one the app was uninstalled from keeps its rows, and is skipped).
   */
  serveOnly(installed: () => Promise<string | string[] | null>): void {
    this.only = installed;
  }

  /** Every workspace the bot serves (the scheduled jobs run per workspace). */
  async allTeams(): Promise<WorkspacePolicy[]> {
    const only = this.only ? await this.only() : null;
    if (Array.isArray(only)) {
      // A workspace installed but not seen yet gets its settings (from the defaults) now.
      return Promise.all(only.map((teamId) => this.forTeam(teamId)));
    }
    const rows = await this.db.workspaceSettings.findMany({
      where: only ? { teamId: only } : {},
      orderBy: { teamId: 'asc' },
    });
    return rows.map((row) => policyFromRow(row, this.defaults.reminderCap, this.defaults.defaultCurrency, this.defaults.checkInAfterMs ?? null));
  }

  /** The deployment's DEFAULT_CURRENCY, known without asking the database (the report form shows it). */
  get defaultCurrency(): string {
    return this.defaults.defaultCurrency ?? 'USD';
  }

  /**
   * Re-applies the environment's values at start-up, except to fields a workspace set in Slack:
   * those are the workspace's own until it changes them again.
   */
  async applyDefaults(): Promise<void> {
    const defaults = rowFromDefaults(this.defaults);
    await this.db.workspaceSettings.updateMany({ where: { customFields: '' }, data: defaults });
    const customized = await this.db.workspaceSettings.findMany({
      where: { customFields: { not: '' } },
      select: { teamId: true, customFields: true },
    });
    for (const row of customized) {
      const own = new Set(row.customFields.split(','));
      const data = Object.fromEntries(Object.entries(defaults).filter(([field]) => !own.has(field)));
      await this.db.workspaceSettings.update({ where: { teamId: row.teamId }, data });
    }
    this.cache.clear();
  }
}
