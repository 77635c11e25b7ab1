import type { Db } from '../db/client';
import {
  type MistakeState,
  nextStep,
  OPEN_STATES,
  RECOVERING_STATES,
  type Severity,
  type StepKind,
} from '../domain/playbook';
import { DAY_MS } from '../domain/durations';
import { loadMistake, MISTAKE_INCLUDE, toSnapshot, type MistakeRecord } from './records';

/** One open mistake as lists, App Home and the digest show it. */
export interface MistakeSummary {
  id: number;
  customer: string;
  severity: Severity;
  state: MistakeState;
  ownerId: string | null;
  reporterId: string;
  channelId: string;
  threadTs: string | null;
  /** The recovery step to do next (null once the customer is satisfied). */
  nextStep: StepKind | null;
  nextDueAt: Date | null;
  escalationLevel: number;
  apologized: boolean;
  createdAt: Date;
  version: number;
}

export interface PreventionSummary {
  id: number;
  mistakeId: number;
  description: string;
  ownerId: string;
  dueAt: Date;
  customer: string;
  channelId: string;
  threadTs: string | null;
  mistakeVersion: number;
}

export interface TeamCounts {
  open: number;
  overdue: number;
  escalated: number;
  awaitingRca: number;
  closedThisWeek: number;
}

export interface HomeData {
  userId: string;
  mine: MistakeSummary[];
  myPrevention: PreventionSummary[];
  counts: TeamCounts;
  team: MistakeSummary[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const RECOVERING: ReadonlySet<string> = new Set(RECOVERING_STATES);

export function summarize(record: MistakeRecord): MistakeSummary {
  const next = nextStep(toSnapshot(record));
  return {
    id: record.id,
    customer: record.customer,
    severity: record.severity as Severity,
    state: record.state as MistakeState,
    ownerId: record.ownerId,
    reporterId: record.reporterId,
    channelId: record.channelId,
    threadTs: record.threadTs,
    nextStep: next?.kind ?? null,
    nextDueAt: next?.dueAt ?? null,
    escalationLevel: record.escalationLevel,
    apologized: record.apologizedAt !== null,
    createdAt: record.createdAt,
    version: record.version,
  };
}

/** Most urgent first: escalated, then by severity, then by what is due soonest. */
type Ranked = Pick<MistakeSummary, 'id' | 'state' | 'severity' | 'nextDueAt'>;

export function byUrgency(a: Ranked, b: Ranked): number {
  const escalated = Number(b.state === 'escalated') - Number(a.state === 'escalated');
  if (escalated) return escalated;
  const severity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (severity) return severity;
  const due = (a.nextDueAt?.getTime() ?? Infinity) - (b.nextDueAt?.getTime() ?? Infinity);
  return due || a.id - b.id;
}

/** Read-only questions about a workspace's mistakes (lists, App Home, counts). */
export class MistakeQueries {
  constructor(private readonly db: Db) {}

  async get(teamId: string, mistakeId: number): Promise<MistakeRecord | null> {
    return loadMistake(this.db, teamId, mistakeId);
  }

  /** Open mistakes, most urgent first; `ownerId` narrows to one person's. */
  async open(teamId: string, options: { ownerId?: string; limit?: number } = {}): Promise<MistakeSummary[]> {
    const where = { teamId, state: { in: [...OPEN_STATES] }, ...(options.ownerId ? { ownerId: options.ownerId } : {}) };
    const limit = options.limit ?? 500;
    // The most urgent first, whatever their age: rank every open mistake on a few columns, then
    // read in full only the ones that will be shown.
    const ranked = await this.db.mistake.findMany({
      where,
      select: {
        id: true,
        state: true,
        severity: true,
        steps: { where: { status: 'pending' }, orderBy: { position: 'asc' }, take: 1, select: { dueAt: true } },
      },
    });
    const urgency = (m: (typeof ranked)[number]) => ({
      id: m.id,
      state: m.state as MistakeState,
      severity: m.severity as Severity,
      nextDueAt: RECOVERING.has(m.state) ? (m.steps[0]?.dueAt ?? null) : null,
    });
    const chosen = ranked
      .map(urgency)
      .sort(byUrgency)
      .slice(0, limit)
      .map((m) => m.id);
    const rows = await this.db.mistake.findMany({ where: { teamId, id: { in: chosen } }, include: MISTAKE_INCLUDE });
    return rows.map(summarize).sort(byUrgency);
  }

  async openPrevention(teamId: string, ownerId: string): Promise<PreventionSummary[]> {
    const rows = await this.db.preventionAction.findMany({
      where: { teamId, ownerId, status: 'open', mistake: { state: 'preventing' } },
      include: { mistake: { select: { customer: true, channelId: true, threadTs: true, version: true } } },
      orderBy: { dueAt: 'asc' },
      take: 50,
    });
    return rows.map((p) => ({
      id: p.id,
      mistakeId: p.mistakeId,
      description: p.description,
      ownerId: p.ownerId,
      dueAt: p.dueAt,
      customer: p.mistake.customer,
      channelId: p.mistake.channelId,
      threadTs: p.mistake.threadTs,
      mistakeVersion: p.mistake.version,
    }));
  }

  async counts(teamId: string, now: Date): Promise<TeamCounts> {
    const recovering = ['reported', 'recovering', 'escalated'];
    const [open, escalated, awaitingRca, closedThisWeek, overdueSteps] = await Promise.all([
      this.db.mistake.count({ where: { teamId, state: { in: [...OPEN_STATES] } } }),
      this.db.mistake.count({ where: { teamId, state: 'escalated' } }),
      this.db.mistake.count({ where: { teamId, state: 'awaiting_rca' } }),
      this.db.mistake.count({ where: { teamId, state: 'closed', closedAt: { gte: new Date(now.getTime() - 7 * DAY_MS) } } }),
      // Pending steps fall due in playbook order, so a mistake with any overdue pending step
      // is one whose current step is overdue.
      this.db.recoveryStep.findMany({
        where: { teamId, status: 'pending', dueAt: { lt: now }, mistake: { state: { in: recovering } } },
        select: { mistakeId: true },
        distinct: ['mistakeId'],
      }),
    ]);
    return { open, overdue: overdueSteps.length, escalated, awaitingRca, closedThisWeek };
  }

  async home(teamId: string, userId: string, now: Date): Promise<HomeData> {
    const [mine, myPrevention, counts, team] = await Promise.all([
      this.open(teamId, { ownerId: userId, limit: 100 }),
      this.openPrevention(teamId, userId),
      this.counts(teamId, now),
      this.open(teamId, { limit: 100 }),
    ]);
    return { userId, mine, myPrevention, counts, team };
  }
}
