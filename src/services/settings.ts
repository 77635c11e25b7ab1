import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import type { WorkspaceSettings } from '../generated/prisma/client';
import type { EscalationPolicy, SlaPolicy } from '../domain/playbook';
import { MINUTE_MS } from '../domain/durations';
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
  /** ISO 4217: a report's value at risk is in it unless the reporter names another. */
  defaultCurrency: string;
  /** How long after "satisfied" the owner is asked whether the customer came back; null: never. */
  checkInAfterMs: number | null;
  /** When the bot first saw this workspace: digests are never caught up before it. */
  installedAt: Date;
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
  private only: (() => Promise<string | null>) | null = null;

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
    this.cache.set(teamId, { policy, at: Date.now() });
    return policy;
  }

  /**
   * Serve one workspace only: the one the bot token is installed in (asked for when first
   * needed; null serves every workspace). Scheduled jobs then run for it alone, even if the
   * database holds another workspace's rows.
   */
  serveOnly(installed: () => Promise<string | null>): void {
    this.only = installed;
  }

  /** Every workspace the bot serves (the scheduled jobs run per workspace). */
  async allTeams(): Promise<WorkspacePolicy[]> {
    const only = this.only ? await this.only() : null;
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

  async applyDefaults(): Promise<void> {
    await this.db.workspaceSettings.updateMany({ data: rowFromDefaults(this.defaults) });
    this.cache.clear();
  }
}
