import type { Db } from '../db/client';
import { DAY_MS } from '../domain/durations';
import { ANSWER_KINDS, OPEN_STATES, RECOVERING_STATES, recoveryRate, type Severity, type StepKind } from '../domain/playbook';
import { decodeTimelineDetails } from '../domain/timeline';
import { CAME_BACK_WINDOW_DAYS, cameBackRate } from '../domain/checkIn';
import { REPEAT_WINDOW_DAYS } from '../domain/customer';
import type { Logger } from '../logger';
import { moneyOf } from './records';
import type { EarlierMistakeView, MoneyView } from './views';

/** One line of the digest about a mistake, with what the thread link needs. */
export interface DigestMistake {
  id: number;
  customer: string;
  account: string | null;
  customerLink: string | null;
  value: MoneyView | null;
  severity: Severity;
  state: string;
  ownerId: string | null;
  channelId: string;
  threadTs: string | null;
  createdAt: Date;
}

export interface DigestOverdueStep extends DigestMistake {
  step: StepKind;
  dueAt: Date;
}

export interface DigestOverduePrevention {
  id: number;
  description: string;
  ownerId: string;
  dueAt: Date;
  mistake: DigestMistake;
}

/** What happened to customers in the period, each customer (mistake) counted once. */
export interface RecoveryFigures {
  /** Customers apologized to. */
  apologized: number;
  /** Customers whose latest answer was "satisfied". */
  recovered: number;
  /** Customers whose latest answer was that they need more ("not satisfied", or a reopen). */
  notSatisfied: number;
  medianToApologyMs: number | null;
  /** From the report to the customer's latest "satisfied", over the recovered customers. */
  medianToSatisfiedMs: number | null;
  /** `recoveryRate(recovered, notSatisfied)`: the one definition (README, "Recovery rate"). */
  recoveryRate: number | null;
}

export interface DigestData {
  teamId: string;
  since: Date;
  now: Date;
  counts: {
    open: number;
    overdue: number;
    escalated: number;
    awaitingRca: number;
    closedThisWeek: number;
  };
  /** Each list holds at most `limit` rows; the totals say how many there are in all. */
  overdue: DigestOverdueStep[];
  overdueTotal: number;
  waitingForApology: DigestMistake[];
  waitingForApologyTotal: number;
  awaitingRca: DigestMistake[];
  overduePrevention: DigestOverduePrevention[];
  overduePreventionTotal: number;
  /** Customers reported again in the period (at most `limit`). */
  repeats: DigestRepeat[];
  /** Customers the owner said we lost at the check-in (at most `limit`; the total says how many). */
  winBack: DigestMistake[];
  winBackTotal: number;
  /** The check-in answers of the last CAME_BACK_WINDOW_DAYS, each customer's latest counted once. */
  cameBack: { cameBack: number; lost: number; notYet: number; rate: number | null };
  figures: RecoveryFigures;
}

const MISTAKE_SELECT = {
  id: true,
  customer: true,
  account: true,
  customerLink: true,
  valueMinor: true,
  valueCurrency: true,
  severity: true,
  state: true,
  ownerId: true,
  channelId: true,
  threadTs: true,
  createdAt: true,
} as const;

type MistakeRow = {
  id: number;
  customer: string;
  account: string | null;
  customerLink: string | null;
  valueMinor: number | null;
  valueCurrency: string | null;
  severity: string;
  state: string;
  ownerId: string | null;
  channelId: string;
  threadTs: string | null;
  createdAt: Date;
};

const toDigestMistake = ({ valueMinor, valueCurrency, ...m }: MistakeRow): DigestMistake => ({
  ...m,
  value: moneyOf(valueMinor, valueCurrency),
  severity: m.severity as Severity,
});

/** A customer reported again in the period, with their earlier mistakes in REPEAT_WINDOW_DAYS. */
export interface DigestRepeat {
  mistake: DigestMistake;
  earlier: EarlierMistakeView[];
}

/**
 * The customers reported in (since, now] who had mistakes in the REPEAT_WINDOW_DAYS before:
 * one line per customer (their latest mistake), in two queries on the (team, customer key,
 * time) index.
 */
async function loadRepeats(db: Db, teamId: string, since: Date, now: Date, limit: number): Promise<DigestRepeat[]> {
  const recent = await db.mistake.findMany({
    where: { teamId, createdAt: { gt: since, lte: now }, customerKey: { not: null } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit * 5,
    select: { ...MISTAKE_SELECT, customerKey: true },
  });
  if (recent.length === 0) return [];
  const keys = [...new Set(recent.map((m) => m.customerKey!))];
  const oldest = Math.min(...recent.map((m) => m.createdAt.getTime()));
  const history = await db.mistake.findMany({
    where: { teamId, customerKey: { in: keys }, createdAt: { gte: new Date(oldest - REPEAT_WINDOW_DAYS * DAY_MS), lte: now } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, customerKey: true, channelId: true, threadTs: true, createdAt: true },
  });
  const repeats: DigestRepeat[] = [];
  const seen = new Set<string>();
  for (const { customerKey, ...m } of recent) {
    if (seen.has(customerKey!)) continue;
    seen.add(customerKey!);
    const from = m.createdAt.getTime() - REPEAT_WINDOW_DAYS * DAY_MS;
    const earlier = history
      .filter((h) => h.customerKey === customerKey && h.id < m.id && h.createdAt.getTime() >= from && h.createdAt <= m.createdAt)
      .map(({ customerKey: _, ...h }) => h);
    if (earlier.length > 0) repeats.push({ mistake: toDigestMistake(m), earlier });
    if (repeats.length >= limit) break;
  }
  return repeats;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** At most this many timeline events since the last digest are read for the figures. */
const EVENT_CAP = 10_000;

/**
 * Everything the daily digest shows, in a fixed number of queries whatever the number of
 * mistakes (counts are aggregates, lists are capped, figures come from the timeline window).
 *
 * No query reads the workspace's whole history: what happened recently (recovered since the
 * last digest, closed this week) is found from the timeline's (team, kind, time) index, since
 * the service writes `satisfiedAt` and `closedAt` with a `satisfied` / `closed` event at the same
 * instant; and the overdue count reads the open mistakes only.
 */
export async function loadDigest(db: Db, logger: Logger, teamId: string, since: Date, now: Date, limit = 40): Promise<DigestData> {
  const recovering = [...RECOVERING_STATES];
  const overdueStepWhere = { teamId, status: 'pending', dueAt: { lt: now }, mistake: { state: { in: recovering } } };
  const preventionWhere = { teamId, status: 'open', dueAt: { lt: now }, mistake: { state: 'preventing' } };
  const waitingWhere = { teamId, state: { in: recovering }, apologizedAt: null };

  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);

  const [
    open,
    escalated,
    awaitingRcaCount,
    closedThisWeek,
    overdueTotal,
    overdueRows,
    waitingTotal,
    waiting,
    awaitingRca,
    preventionTotal,
    prevention,
    events,
    repeats,
    winBackTotal,
    winBack,
    checkIns,
  ] = await Promise.all([
    db.mistake.count({ where: { teamId, state: { in: [...OPEN_STATES] } } }),
    db.mistake.count({ where: { teamId, state: 'escalated' } }),
    db.mistake.count({ where: { teamId, state: 'awaiting_rca' } }),
    // Mistakes closed this week, from this week's `closed` events (one row per mistake, however
    // many mistakes were closed before), not by reading every closed mistake for its date.
    db.timelineEvent.groupBy({
      by: ['mistakeId'],
      where: { teamId, kind: 'closed', at: { gt: weekAgo }, mistake: { state: 'closed', closedAt: { gt: weekAgo } } },
    }),
    // Recovering mistakes with an overdue pending step. The step condition names no team: that
    // keeps SQLite probing each mistake's own steps (the mistakeId+kind index) instead of
    // scanning the team's overdue steps once per mistake.
    db.mistake.count({
      where: { teamId, state: { in: recovering }, steps: { some: { status: 'pending', dueAt: { lt: now } } } },
    }),
    // Pending steps fall due in playbook order, so each overdue mistake's earliest pending
    // step is its overdue current step.
    db.recoveryStep.findMany({
      where: overdueStepWhere,
      orderBy: [{ dueAt: 'asc' }],
      take: limit * 5,
      select: { kind: true, dueAt: true, position: true, mistake: { select: MISTAKE_SELECT } },
    }),
    db.mistake.count({ where: waitingWhere }),
    // However old: the oldest first, so a customer forgotten for months is at the top.
    db.mistake.findMany({ where: waitingWhere, orderBy: { createdAt: 'asc' }, take: limit, select: MISTAKE_SELECT }),
    db.mistake.findMany({ where: { teamId, state: 'awaiting_rca' }, orderBy: { satisfiedAt: 'asc' }, take: limit, select: MISTAKE_SELECT }),
    db.preventionAction.count({ where: preventionWhere }),
    db.preventionAction.findMany({
      where: preventionWhere,
      orderBy: { dueAt: 'asc' },
      take: limit,
      select: { id: true, description: true, ownerId: true, dueAt: true, mistake: { select: MISTAKE_SELECT } },
    }),
    db.timelineEvent.findMany({
      where: { teamId, at: { gt: since, lte: now }, kind: { in: ['step_done', ...ANSWER_KINDS] } },
      select: { id: true, kind: true, details: true, at: true, mistakeId: true, mistake: { select: { createdAt: true } } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      take: EVENT_CAP,
    }),
    loadRepeats(db, teamId, since, now, limit),
    db.mistake.count({ where: { teamId, outcome: 'lost' } }),
    db.mistake.findMany({
      where: { teamId, outcome: 'lost' },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: MISTAKE_SELECT,
    }),
    db.timelineEvent.findMany({
      where: { teamId, kind: 'check_in_answered', at: { gt: new Date(now.getTime() - CAME_BACK_WINDOW_DAYS * DAY_MS), lte: now } },
      select: { id: true, kind: true, details: true, mistakeId: true },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      take: EVENT_CAP,
    }),
  ]);
  const latestCheckIn = new Map<number, string>();
  for (const e of checkIns) {
    const event = decodeTimelineDetails(e.kind, e.details);
    if (event?.kind === 'check_in_answered') latestCheckIn.set(e.mistakeId, event.answer);
  }
  const answers = [...latestCheckIn.values()];
  const count = (answer: string) => answers.filter((a) => a === answer).length;
  const cameBack = {
    cameBack: count('came_back'),
    lost: count('lost'),
    notYet: count('not_yet'),
    rate: cameBackRate(count('came_back'), count('lost')),
  };

  // Keep one row per mistake: its current (earliest pending) step.
  const seen = new Set<number>();
  const overdue: DigestOverdueStep[] = [];
  for (const row of overdueRows) {
    if (seen.has(row.mistake.id)) continue;
    seen.add(row.mistake.id);
    if (overdue.length < limit) overdue.push({ ...toDigestMistake(row.mistake), step: row.kind as StepKind, dueAt: row.dueAt });
  }

  // Customers, not events: each mistake's first apology and latest answer in the window. A
  // customer reopened and satisfied again is one recovered customer, not two.
  const apologizedAfter = new Map<number, number>();
  const latestAnswer = new Map<number, { kind: string; elapsed: number }>();
  for (const e of events) {
    const event = decodeTimelineDetails(e.kind, e.details);
    if (!event) {
      logger.error('a timeline event could not be read; the digest leaves it out', { id: e.id, mistakeId: e.mistakeId, kind: e.kind });
      continue;
    }
    const elapsed = e.at.getTime() - e.mistake.createdAt.getTime();
    if (event.kind === 'step_done') {
      if (!apologizedAfter.has(e.mistakeId) && event.step === 'apologize') apologizedAfter.set(e.mistakeId, elapsed);
    } else {
      latestAnswer.set(e.mistakeId, { kind: event.kind, elapsed });
    }
  }
  const toSatisfied = [...latestAnswer.values()].filter((a) => a.kind === 'satisfied').map((a) => a.elapsed);
  let recovered = toSatisfied.length;
  let notSatisfied = latestAnswer.size - recovered;
  if (events.length >= EVENT_CAP) {
    // More happened than was read: count the customers in the database instead. Satisfied in
    // the window and still satisfied is the same as "latest answer: satisfied" (an answer that
    // they need more clears `satisfiedAt`).
    const [satisfiedNow, answered] = await Promise.all([
      db.mistake.count({ where: { teamId, satisfiedAt: { gt: since, lte: now } } }),
      db.timelineEvent.groupBy({ by: ['mistakeId'], where: { teamId, kind: { in: [...ANSWER_KINDS] }, at: { gt: since, lte: now } } }),
    ]);
    recovered = satisfiedNow;
    notSatisfied = Math.max(0, answered.length - satisfiedNow);
  }

  return {
    teamId,
    since,
    now,
    counts: {
      open,
      overdue: overdueTotal,
      escalated,
      awaitingRca: awaitingRcaCount,
      closedThisWeek: closedThisWeek.length,
    },
    overdue,
    overdueTotal,
    waitingForApology: waiting.map(toDigestMistake),
    waitingForApologyTotal: waitingTotal,
    awaitingRca: awaitingRca.map(toDigestMistake),
    overduePrevention: prevention.map((p) => ({ ...p, mistake: toDigestMistake(p.mistake) })),
    overduePreventionTotal: preventionTotal,
    repeats,
    winBack: winBack.map(toDigestMistake),
    winBackTotal,
    cameBack,
    figures: {
      apologized: apologizedAfter.size,
      recovered,
      notSatisfied,
      medianToApologyMs: median([...apologizedAfter.values()]),
      medianToSatisfiedMs: median(toSatisfied),
      recoveryRate: recoveryRate(recovered, notSatisfied),
    },
  };
}
