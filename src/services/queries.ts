import type { Db } from '../db/client';
import {
  currentChasedStep,
  customerAskedForMore,
  type MistakeSnapshot,
  type MistakeState,
  nextStep,
  OPEN_STATES,
  RECOVERING_STATES,
  SEVERITY_RANK,
  type Severity,
  type StepKind,
} from '../domain/playbook';
import { REPEAT_WINDOW_DAYS } from '../domain/customer';
import { DAY_MS } from '../domain/durations';
import { DEFAULT_STATS_WINDOW, type InsightsStats, type StatsWindow, type WeekPoint } from '../domain/insights';
import { decodeTimelineDetails, type TimelineEvent } from '../domain/timeline';
import { Prisma, type TimelineEvent as TimelineRow } from '../generated/prisma/client';
import type { Logger } from '../logger';
import { type DigestData, loadDigest } from './digest';
import { InsightsService } from './insights';
import { escalationView, loadMistake, loadMistakesWhere, MISTAKE_INCLUDE, mistakeView, toSnapshot } from './records';
import { type EarlierMistakeView, type EscalationView, type MistakeView, type MoneyView, snapshotOf } from './views';

/** One open mistake as lists, App Home and the digest show it. */
export interface MistakeSummary {
  id: number;
  customer: string;
  account: string | null;
  customerLink: string | null;
  value: MoneyView | null;
  severity: Severity;
  state: MistakeState;
  ownerId: string | null;
  reporterId: string;
  channelId: string;
  threadTs: string | null;
  /** The recovery step to do next (null once the customer is satisfied). */
  nextStep: StepKind | null;
  /** When the next recovery step, or once the customer is satisfied the root-cause analysis, is due. */
  nextDueAt: Date | null;
  /** Until when its owner's reminders for that are snoozed (null: not snoozed). */
  snoozedUntil: Date | null;
  escalationLevel: number;
  apologized: boolean;
  /** The customer told us they need more ("not satisfied", a reopen): "nothing more needed" no longer fits. */
  customerAskedForMore: boolean;
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
  /** The most urgent of the person's open mistakes (as many as App Home shows). */
  mine: MistakeSummary[];
  /** How many the person has open in all. */
  mineTotal: number;
  myPrevention: PreventionSummary[];
  counts: TeamCounts;
  /** The team's most urgent open mistakes; `counts.open` says how many there are in all. */
  team: MistakeSummary[];
  /** The team-level insights of the default window (App Home's Insights section). */
  insights?: InsightsStats;
}

export function summarize(m: MistakeView): MistakeSummary {
  const snapshot = snapshotOf(m);
  const next = nextStep(snapshot);
  // Once the customer is satisfied, what is due next is the root-cause analysis.
  const chased = currentChasedStep(snapshot);
  const {
    id,
    customer,
    account,
    customerLink,
    value,
    severity,
    state,
    ownerId,
    reporterId,
    channelId,
    threadTs,
    escalationLevel,
    createdAt,
    version,
  } = m;
  return {
    ...{ id, customer, account, customerLink, value, severity, state, ownerId, reporterId, channelId, threadTs, escalationLevel, createdAt, version },
    nextStep: next?.kind ?? null,
    nextDueAt: chased?.dueAt ?? null,
    snoozedUntil: chased?.snoozedUntil ?? null,
    apologized: m.apologizedAt !== null,
    customerAskedForMore: customerAskedForMore(snapshot),
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

/** An escalation as its post needs it: what it says, where it was posted, and what resolved it. */
export interface EscalationPost {
  id: number;
  view: EscalationView;
  channelId: string | null;
  messageTs: string | null;
  /** The timeline event that resolved it (null while open, or when that event cannot be read). */
  resolvedBy: TimelineEvent | null;
}

/** Read-only questions about a workspace's mistakes (lists, App Home, counts, the timeline, the digest). */
// App Home's Insights: computed again only when the workspace's timeline moved on (or the window
// did, a few minutes later), so the Home refreshes of one burst of clicks share one computation.
const HOME_INSIGHTS_TTL_MS = 5 * 60_000;
// In a workspace large enough that the figures take a while (at 10,000 mistakes in the two
// windows, about 150 ms of work on the loop that answers clicks), they are reused for up to a
// minute even when the timeline moved on: a trend is not a live count. Judged by how many
// mistakes the figures covered, not by a timing, so the rule is the same on a busy machine.
const HOME_INSIGHTS_LARGE = 5_000;
const HOME_INSIGHTS_LARGE_REUSE_MS = 60_000;

export class MistakeQueries {
  private readonly insights: InsightsService;
  private readonly homeInsights = new Map<string, { at: number; stamp: number; large: boolean; stats: Promise<InsightsStats> }>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly options: { insights?: InsightsService; largeInsights?: number } = {},
  ) {
    this.insights = options.insights ?? new InsightsService(db);
  }

  /** For streamed exports (src/services/exports.ts), which read in batches of their own. */
  get database(): Db {
    return this.db;
  }

  /** `/mistake stats`: the window's figures against the previous window (by owner: admins only). */
  stats(teamId: string, window: StatsWindow, now: Date, options: { byOwner: boolean }): Promise<InsightsStats> {
    return this.insights.stats(teamId, window, now, options);
  }

  /** The team-level figures App Home shows, reused while nothing has happened since. */
  private async homeInsightsOf(teamId: string, now: Date): Promise<InsightsStats> {
    const cached = this.homeInsights.get(teamId);
    const age = cached ? Math.abs(now.getTime() - cached.at) : Number.POSITIVE_INFINITY;
    // A large workspace's figures are reused for their minute whatever happened: nothing to look up.
    if (cached?.large && age < HOME_INSIGHTS_LARGE_REUSE_MS && age < HOME_INSIGHTS_TTL_MS) return cached.stats;
    const latest = await this.db.timelineEvent.findFirst({ where: { teamId }, orderBy: { id: 'desc' }, select: { id: true } });
    const stamp = latest?.id ?? 0;
    if (cached && cached.stamp === stamp && age < HOME_INSIGHTS_TTL_MS) return cached.stats;
    const stats = this.insights.stats(teamId, DEFAULT_STATS_WINDOW, now, { byOwner: false });
    const entry = { at: now.getTime(), stamp, large: false, stats };
    this.homeInsights.set(teamId, entry);
    stats.then(
      (s) => {
        entry.large = s.current.reported + s.previous.reported >= (this.options.largeInsights ?? HOME_INSIGHTS_LARGE);
      },
      () => this.homeInsights.delete(teamId),
    );
    return stats;
  }

  /** The weekly chart's points: twelve weeks ending at `now`. */
  weekly(teamId: string, now: Date, weeks = 12): Promise<WeekPoint[]> {
    return this.insights.weekly(teamId, now, weeks);
  }

  async get(teamId: string, mistakeId: number): Promise<MistakeView | null> {
    const record = await loadMistake(this.db, teamId, mistakeId);
    return record ? mistakeView(record) : null;
  }

  /**
   * The same customer's mistakes in the REPEAT_WINDOW_DAYS before this one, newest first (what
   * its card and its reporter's confirmation show): one query on the (team, customer key, time)
   * index.
   */
  async earlier(teamId: string, record: Pick<MistakeView, 'id' | 'customerKey' | 'createdAt'>): Promise<EarlierMistakeView[]> {
    if (!record.customerKey) return [];
    return this.db.mistake.findMany({
      where: {
        teamId,
        customerKey: record.customerKey,
        createdAt: { gte: new Date(record.createdAt.getTime() - REPEAT_WINDOW_DAYS * DAY_MS), lte: record.createdAt },
        id: { lt: record.id },
      },
      select: { id: true, channelId: true, threadTs: true, createdAt: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 100,
    });
  }

  /** Mistakes of one workspace by id, read together (one statement, two once one has prevention steps). */
  async getMany(teamId: string, mistakeIds: number[]): Promise<Map<number, MistakeView>> {
    const wanted = mistakeIds.filter((id) => Number.isSafeInteger(id) && id > 0);
    if (wanted.length === 0) return new Map();
    const found = await loadMistakesWhere(this.db, teamId, { ids: [...new Set(wanted)] });
    return new Map([...found].map(([id, record]) => [id, mistakeView(record)]));
  }

  /**
   * `earlier` for several mistakes of one workspace at once, keyed by mistake id: one statement
   * for those whose customer is not shared with another of them (each customer's rows are
   * numbered newest first and cut at the same 100); the others are asked one by one.
   */
  async earlierMany(
    teamId: string,
    records: Array<Pick<MistakeView, 'id' | 'customerKey' | 'createdAt'>>,
  ): Promise<Map<number, EarlierMistakeView[]>> {
    const result = new Map<number, EarlierMistakeView[]>();
    const byKey = new Map<string, Array<Pick<MistakeView, 'id' | 'customerKey' | 'createdAt'>>>();
    for (const record of records) {
      if (!record.customerKey) result.set(record.id, []);
      else byKey.set(record.customerKey, [...(byKey.get(record.customerKey) ?? []), record]);
    }
    const alone = [...byKey.values()].filter((list) => list.length === 1).map((list) => list[0]!);
    for (const list of byKey.values()) {
      if (list.length > 1) for (const record of list) result.set(record.id, await this.earlier(teamId, record));
    }
    if (alone.length === 1) result.set(alone[0]!.id, await this.earlier(teamId, alone[0]!));
    if (alone.length > 1) {
      // The workspace is named in each term, so each is a range of the (team, customer, created)
      // index and the terms are read as a union of those ranges; named once outside them, the
      // whole workspace was read (5.8 ms a card pass at 6,550 mistakes).
      const each = alone.map(
        (r) =>
          Prisma.sql`(m."teamId" = ${teamId} AND m."customerKey" = ${r.customerKey}
            AND m."createdAt" >= ${new Date(r.createdAt.getTime() - REPEAT_WINDOW_DAYS * DAY_MS)} AND m."createdAt" <= ${r.createdAt} AND m."id" < ${r.id})`,
      );
      const rows = await this.db.$queryRaw<Array<{ id: unknown; channelId: string; threadTs: string | null; createdAt: Date | string; k: string }>>`
        SELECT "id", "channelId", "threadTs", "createdAt", "k" FROM (
          SELECT m."id", m."channelId", m."threadTs", m."createdAt", m."customerKey" AS "k",
            ROW_NUMBER() OVER (PARTITION BY m."customerKey" ORDER BY m."createdAt" DESC, m."id" DESC) AS "n"
          FROM "Mistake" m WHERE ${Prisma.join(each, ' OR ')}
        ) x WHERE "n" <= 100 ORDER BY "k", "n"`;
      const forKey = new Map(alone.map((r) => [r.customerKey!, r.id]));
      for (const r of alone) result.set(r.id, []);
      for (const row of rows) {
        const createdAt = row.createdAt instanceof Date ? row.createdAt : new Date(row.createdAt);
        result.get(forKey.get(row.k)!)!.push({ id: Number(row.id), channelId: row.channelId, threadTs: row.threadTs, createdAt });
      }
    }
    return result;
  }

  /** Timeline events by id, read together; an id missing or unreadable (logged) maps to null. */
  async events(eventIds: number[]): Promise<Map<number, TimelineEvent | null>> {
    const wanted = [...new Set(eventIds.filter((id) => Number.isSafeInteger(id) && id > 0))];
    const rows = wanted.length === 0 ? [] : await this.db.timelineEvent.findMany({ where: { id: { in: wanted } } });
    const byId = new Map<number, TimelineEvent | null>(wanted.map((id) => [id, null]));
    for (const row of rows) byId.set(row.id, this.readEvent(row));
    return byId;
  }

  /** One timeline event; null when it no longer exists, or cannot be read (logged). */
  async event(eventId: number): Promise<TimelineEvent | null> {
    const row = await this.db.timelineEvent.findUnique({ where: { id: eventId } });
    return row ? this.readEvent(row) : null;
  }

  private readEvent(row: TimelineRow): TimelineEvent | null {
    const details = decodeTimelineDetails(row.kind, row.details);
    if (!details) {
      this.logger.error('a timeline event could not be read; it is skipped', {
        id: row.id,
        mistakeId: row.mistakeId,
        kind: row.kind,
        details: row.details.slice(0, 300),
      });
      return null;
    }
    return { ...details, id: row.id, mistakeId: row.mistakeId, actorId: row.actorId, at: row.at };
  }

  async escalation(escalationId: number): Promise<EscalationPost | null> {
    const row = await this.db.escalation.findUnique({ where: { id: escalationId } });
    if (!row) return null;
    const resolvedBy = row.resolvedEventId !== null ? await this.event(row.resolvedEventId) : null;
    return { id: row.id, view: escalationView(row), channelId: row.channelId, messageTs: row.messageTs, resolvedBy };
  }

  /** The open mistakes as the escalation rules read them, each with the keys it was already escalated for. */
  async openForEscalation(teamId: string): Promise<Array<{ mistake: MistakeSnapshot; escalated: ReadonlySet<string> }>> {
    const open = await this.db.mistake.findMany({ where: { teamId, state: { in: [...OPEN_STATES] } }, include: MISTAKE_INCLUDE });
    const known = await this.db.escalation.findMany({
      where: { teamId, mistake: { state: { in: [...OPEN_STATES] } } },
      select: { mistakeId: true, key: true },
    });
    const escalated = new Map<number, Set<string>>();
    for (const e of known) escalated.set(e.mistakeId, (escalated.get(e.mistakeId) ?? new Set()).add(e.key));
    return open.map((record) => ({ mistake: toSnapshot(record), escalated: escalated.get(record.id) ?? new Set<string>() }));
  }

  /** The after-close check-ins due at `now` (the oldest first, at most `limit`), with their owners. */
  async dueCheckIns(teamId: string, now: Date, limit = 200): Promise<Array<{ mistakeId: number; ownerId: string; dueAt: Date }>> {
    const rows = await this.db.mistake.findMany({
      where: { teamId, checkInDueAt: { lte: now }, ownerId: { not: null } },
      orderBy: [{ checkInDueAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: { id: true, ownerId: true, checkInDueAt: true },
    });
    return rows.map((r) => ({ mistakeId: r.id, ownerId: r.ownerId!, dueAt: r.checkInDueAt! }));
  }

  /** What the digest shows for the period since `since`. */
  async digest(teamId: string, since: Date, now: Date): Promise<DigestData> {
    return loadDigest(this.db, this.logger, teamId, since, now);
  }

  /** Open mistakes, most urgent first; `ownerId` narrows to one person's. */
  async open(teamId: string, options: { ownerId?: string; limit?: number } = {}): Promise<MistakeSummary[]> {
    // Ranked and read in one statement: the ranking is a subquery of the read.
    const rows = await loadMistakesWhere(this.db, teamId, { ranked: this.rankOpen(teamId, options.ownerId ?? null, options.limit ?? 100) });
    return [...rows.values()].map((row) => summarize(mistakeView(row))).sort(byUrgency);
  }

  /** How many mistakes are open (one person's with `ownerId`): what a capped list leaves out. */
  async countOpen(teamId: string, ownerId?: string): Promise<number> {
    return this.db.mistake.count({ where: { teamId, state: { in: [...OPEN_STATES] }, ...(ownerId ? { ownerId } : {}) } });
  }

  /**
   * The ids of the `limit` most urgent open mistakes, whatever their age, ranked by the database
   * exactly as `byUrgency` ranks them: escalated first, then severity, then the due time of the
   * next recovery step or, once the customer is satisfied, of the root-cause analysis (the one
   * step pending then; none once it is written: last), then the oldest. Each change stores that
   * ranking on the mistake (urgency, nextDueAt: see `urgencyOf` in src/domain/playbook.ts), so
   * this reads the first `limit` entries of the (team[, owner], urgency, due, id) index and
   * nothing else, however many mistakes are open. Returned as SQL, for the statement that reads
   * them.
   */
  private rankOpen(teamId: string, ownerId: string | null, limit: number): Prisma.Sql {
    const owner = ownerId === null ? Prisma.empty : Prisma.sql`AND m."ownerId" = ${ownerId}`;
    return Prisma.sql`
      SELECT m."id" AS "id"
      FROM "Mistake" m
      WHERE m."teamId" = ${teamId} ${owner} AND m."urgency" >= 0
      ORDER BY m."urgency", m."nextDueAt", m."id"
      LIMIT ${limit}`;
  }

  /** One statement: a relation include would cost a second one, even when there is nothing. */
  async openPrevention(teamId: string, ownerId: string): Promise<PreventionSummary[]> {
    const rows = await this.db.$queryRaw<
      Array<
        Omit<PreventionSummary, 'id' | 'mistakeId' | 'mistakeVersion'> & {
          id: number | bigint;
          mistakeId: number | bigint;
          mistakeVersion: number | bigint;
        }
      >
    >`
      SELECT p."id", p."mistakeId", p."description", p."ownerId", p."dueAt", m."customer", m."channelId", m."threadTs", m."version" AS "mistakeVersion"
      FROM "PreventionAction" p JOIN "Mistake" m ON m."id" = p."mistakeId"
      WHERE p."teamId" = ${teamId} AND p."ownerId" = ${ownerId} AND p."status" = 'open' AND m."state" = 'preventing'
      ORDER BY p."dueAt", p."id"
      LIMIT 50`;
    return rows.map((p) => ({ ...p, id: Number(p.id), mistakeId: Number(p.mistakeId), mistakeVersion: Number(p.mistakeVersion) }));
  }

  async counts(teamId: string, now: Date): Promise<TeamCounts> {
    return (await this.countsWith(teamId, now, null)).counts;
  }

  /**
   * The team's counts and, with `ownerId`, how many of them that person has open, in one
   * statement: open mistakes are counted from the (team, state, closed at, owner) index alone,
   * and those closed this week by their range of it, so neither reads a table row nor the
   * workspace's closed history. A mistake counts as overdue when one of its pending steps is past
   * due: pending steps fall due in playbook order, so that is its current step.
   */
  private async countsWith(teamId: string, now: Date, ownerId: string | null): Promise<{ counts: TeamCounts; mine: number }> {
    const open = Prisma.join([...OPEN_STATES]);
    const recovering = Prisma.join([...RECOVERING_STATES]);
    const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
    const [row] = await this.db.$queryRaw<Array<Record<string, number | bigint | null>>>`
      SELECT
        COUNT(*) AS "open",
        COUNT(CASE WHEN m."ownerId" = ${ownerId} THEN 1 END) AS "mine",
        COUNT(CASE WHEN m."state" = 'escalated' THEN 1 END) AS "escalated",
        COUNT(CASE WHEN m."state" = 'awaiting_rca' THEN 1 END) AS "awaitingRca",
        (
          SELECT COUNT(*) FROM "Mistake" c WHERE c."teamId" = ${teamId} AND c."state" = 'closed' AND c."closedAt" >= ${weekAgo}
        ) AS "closedThisWeek",
        (
          SELECT COUNT(DISTINCT s."mistakeId") FROM "RecoveryStep" s JOIN "Mistake" o ON o."id" = s."mistakeId"
          WHERE s."teamId" = ${teamId} AND s."status" = 'pending' AND s."dueAt" < ${now} AND o."state" IN (${recovering})
        ) AS "overdue"
      FROM "Mistake" m
      WHERE m."teamId" = ${teamId} AND m."state" IN (${open})`;
    const n = (key: string) => Number(row?.[key] ?? 0);
    return {
      counts: {
        open: n('open'),
        overdue: n('overdue'),
        escalated: n('escalated'),
        awaitingRca: n('awaitingRca'),
        closedThisWeek: n('closedThisWeek'),
      },
      mine: n('mine'),
    };
  }

  /**
   * What one person's App Home shows; `caps` are how many rows of each list it has room for (one
   * more is read, so the view knows there are more).
   */
  async home(teamId: string, userId: string, now: Date, caps: { mine: number; team: number }): Promise<HomeData> {
    const [mine, myPrevention, { counts, mine: mineTotal }, team, insights] = await Promise.all([
      this.open(teamId, { ownerId: userId, limit: caps.mine + 1 }),
      this.openPrevention(teamId, userId),
      this.countsWith(teamId, now, userId),
      this.open(teamId, { limit: caps.team + 1 }),
      this.homeInsightsOf(teamId, now),
    ]);
    return { userId, mine, mineTotal, myPrevention, counts, team, insights };
  }
}
