// Insights: how the team recovers, in numbers. Pure: the service reads one compact row per
// mistake (and one per customer answer) in a fixed number of queries, and everything here is one
// pass over those rows. Percentiles come from sorted durations (nearest rank).

import { DAY_MS } from './durations';
import { recoveryRate } from './playbook';

/** The windows `/mistake stats` and `/mistake export` understand, in days (`all`: export only). */
export const STATS_WINDOWS = { '30d': 30, '90d': 90, '365d': 365 } as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;
export const DEFAULT_STATS_WINDOW: StatsWindow = '90d';

/** `undefined` (no word) is the default window; an unknown word is null. */
export function parseStatsWindow(word: string | undefined): StatsWindow | null {
  if (word === undefined || word === '') return DEFAULT_STATS_WINDOW;
  const w = word.toLowerCase();
  return w in STATS_WINDOWS ? (w as StatsWindow) : null;
}

/** `/mistake export`'s windows: the stats windows, or everything. */
export type ExportWindow = StatsWindow | 'all';

export function parseExportWindow(word: string | undefined): ExportWindow | null {
  if (word === undefined || word === '') return DEFAULT_STATS_WINDOW;
  const w = word.toLowerCase();
  return w === 'all' || w in STATS_WINDOWS ? (w as ExportWindow) : null;
}

/** The times measured from the report, each to the step's completion. */
export const TIME_MEASURES = ['own', 'apologize', 'makeRight', 'satisfied'] as const;
export type TimeMeasure = (typeof TIME_MEASURES)[number];

export const TIME_LABELS: Record<TimeMeasure, string> = {
  own: 'Time to own',
  apologize: 'Time to apologize',
  makeRight: 'Time to make it right',
  satisfied: 'Time to customer satisfied',
};

/**
 * One mistake as the figures need it. Times are milliseconds after the report (null: not done).
 *
 * `cameBack` and `valueAtRisk` are the after-close check-in's outcome and the customer record's
 * value: left undefined while the database has no such columns, and then the figures built from
 * them are left out (not shown as zero).
 */
export interface StatsRow {
  createdAt: number;
  category: string;
  severity: string;
  ownerId: string | null;
  own: number | null;
  apologize: number | null;
  makeRight: number | null;
  satisfied: number | null;
  escalated: boolean;
  reopened: boolean;
  /** The check-in's answer: true = the customer came back, false = did not, null = not asked yet. */
  cameBack?: boolean | null;
  /** The value at risk in minor units of `currency`, and whether it was kept (null: not known yet). */
  valueAtRisk?: { amount: number; currency: string; kept: boolean | null } | null;
}

/** A customer's answer ("satisfied", "not satisfied", a reopen) at a time, for the recovery rate. */
export interface AnswerRow {
  mistakeId: number;
  kind: string;
  at: number;
  category: string;
  severity: string;
  ownerId: string | null;
}

/**
 * The mistakes reported in one window (0: the window asked for, 1: the one before it) with the same
 * category, severity and owner, as the database groups them: how many, how many escalated and
 * reopened, and each one's times (milliseconds after the report, in no order; not-done ones left
 * out).
 */
export interface StatsGroup {
  window: 0 | 1;
  category: string;
  severity: string;
  ownerId: string | null;
  reported: number;
  escalated: number;
  reopened: number;
  times: Record<TimeMeasure, number[]>;
}

/**
 * The customers whose latest answer in one window was given about mistakes of one category,
 * severity and owner: how many answered, and how many of them last said "satisfied".
 */
export interface AnswerGroup {
  window: 0 | 1;
  category: string;
  severity: string;
  ownerId: string | null;
  answered: number;
  satisfied: number;
}

/** A mistake reported in a window whose after-close check-in was answered (came back or lost). */
export interface OutcomeRow {
  window: 0 | 1;
  category: string;
  severity: string;
  ownerId: string | null;
  cameBack: boolean;
  /** In minor units of `currency`; null when the report gave no value. */
  valueAtRisk: { amount: number; currency: string } | null;
}

export interface Spread {
  median: number | null;
  p90: number | null;
  /** How many mistakes had the step done. */
  n: number;
}

export interface Figures {
  reported: number;
  times: Record<TimeMeasure, Spread>;
  recovered: number;
  notSatisfied: number;
  /** `recoveryRate` of the playbook: the one definition (README, "Recovery rate"). */
  recoveryRate: number | null;
  /** Of the mistakes reported in the window, the share escalated at least once. */
  escalationRate: number | null;
  /** Of the mistakes reported in the window, the share reopened at least once. */
  reopenRate: number | null;
  /** Present once the check-in outcome exists: came back ÷ asked. */
  cameBackRate?: number | null;
  /**
   * Present once the customer record exists: value at risk kept (the customer came back) and lost
   * (they did not), summed per currency in minor units, largest first.
   */
  valueAtRisk?: Array<{ currency: string; kept: number; lost: number }>;
}

export interface BreakdownRow {
  key: string;
  current: Figures;
  previous: Figures;
}

export interface InsightsStats {
  window: StatsWindow;
  from: Date;
  to: Date;
  current: Figures;
  /** The window of the same length just before. */
  previous: Figures;
  byCategory: BreakdownRow[];
  bySeverity: BreakdownRow[];
  /** Admins only: absent for everyone else. */
  byOwner?: BreakdownRow[];
}

/** Nearest-rank percentile of ascending `sorted` values. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[percentileIndex(sorted.length, p)]!;
}

/** Where the nearest-rank percentile sits among `n` ascending values. */
function percentileIndex(n: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return Math.min(rank, n) - 1;
}

/** The median of ascending values (the mean of the two middle ones for an even count). */
export function medianOf(sorted: ArrayLike<number>): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Moves the k-th smallest value (from 0) of `a` to `a[k]`, the smaller ones before it and the
 * larger after (Hoare's selection): a median or a percentile without sorting everything, which
 * matters at a year of a large workspace (eight lists of 50,000 times, and the breakdowns).
 */
export function selectKth(a: Float64Array, k: number): void {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >>> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

/**
 * Median, p90 and count of the lists' values that are not negative (a step time before the report
 * is a clock's error, not a time): the same figures as `medianOf` and `percentile` of them sorted.
 */
function spread(lists: number[][]): Spread {
  let size = 0;
  for (const list of lists) size += list.length;
  const all = new Float64Array(size);
  let n = 0;
  for (const list of lists) for (const t of list) if (t >= 0) all[n++] = t;
  if (n === 0) return { median: null, p90: null, n: 0 };
  const a = all.subarray(0, n);
  const mid = Math.floor(n / 2);
  selectKth(a, mid);
  let median = a[mid]!;
  if (n % 2 === 0) {
    // The other middle value is the largest of those placed before it.
    let below = a[0]!;
    for (let i = 1; i < mid; i++) if (a[i]! > below) below = a[i]!;
    median = (below + median) / 2;
  }
  const at = percentileIndex(n, 90);
  selectKth(a, at);
  return { median, p90: a[at]!, n };
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** What a breakdown line shows of the times. */
const LIGHT_MEASURES: readonly TimeMeasure[] = ['apologize'];

/** Accumulates one window's figures in one pass. */
class Tally {
  /** Light: only what a breakdown line shows (reported, recovery rate, median time to apologize). */
  constructor(private readonly light = false) {}

  reported = 0;
  escalated = 0;
  reopened = 0;
  /** Each measure's times as lists: one filled row by row, and the database's lists as they came. */
  times: Record<TimeMeasure, number[][]> = { own: [[]], apologize: [[]], makeRight: [[]], satisfied: [[]] };
  /** Latest answer per customer (mistake), in time order. */
  latest = new Map<number, string>();
  cameBackAsked = 0;
  cameBack = 0;
  sawCameBack = false;
  sawValue = false;
  value = new Map<string, { kept: number; lost: number }>();

  add(row: StatsRow): void {
    this.reported++;
    if (row.escalated) this.escalated++;
    if (row.reopened) this.reopened++;
    if (this.light) {
      if (row.apologize !== null && row.apologize >= 0) this.times.apologize[0]!.push(row.apologize);
    } else {
      for (const m of TIME_MEASURES) {
        const t = row[m];
        if (t !== null && t >= 0) this.times[m][0]!.push(t);
      }
    }
    if (row.cameBack !== undefined) {
      this.sawCameBack = true;
      if (row.cameBack !== null) {
        this.cameBackAsked++;
        if (row.cameBack) this.cameBack++;
      }
    }
    if (row.valueAtRisk !== undefined) {
      this.sawValue = true;
      const v = row.valueAtRisk;
      if (v && v.kept !== null) {
        const sum = this.value.get(v.currency) ?? { kept: 0, lost: 0 };
        if (v.kept) sum.kept += v.amount;
        else sum.lost += v.amount;
        this.value.set(v.currency, sum);
      }
    }
  }

  answer(a: AnswerRow): void {
    this.latest.set(a.mistakeId, a.kind);
  }

  /** Customers counted by the database already: `answered` of them, `satisfied` last said so. */
  answered = 0;
  satisfied = 0;

  addGroup(g: StatsGroup): void {
    if (g.reported === 0) return;
    this.reported += g.reported;
    this.escalated += g.escalated;
    this.reopened += g.reopened;
    // Taken as they are (negative times are left out when the figures are made).
    for (const m of this.light ? LIGHT_MEASURES : TIME_MEASURES) if (g.times[m].length > 0) this.times[m].push(g.times[m]);
    // Every stored mistake has the check-in and value columns: their figures are shown.
    this.sawCameBack = true;
    this.sawValue = true;
  }

  addAnswers(answered: number, satisfied: number): void {
    this.answered += answered;
    this.satisfied += satisfied;
  }

  addOutcome(o: OutcomeRow): void {
    this.cameBackAsked++;
    if (o.cameBack) this.cameBack++;
    if (o.valueAtRisk && o.valueAtRisk.amount > 0) {
      const sum = this.value.get(o.valueAtRisk.currency) ?? { kept: 0, lost: 0 };
      if (o.cameBack) sum.kept += o.valueAtRisk.amount;
      else sum.lost += o.valueAtRisk.amount;
      this.value.set(o.valueAtRisk.currency, sum);
    }
  }

  figures(): Figures {
    let recovered = this.satisfied;
    for (const kind of this.latest.values()) if (kind === 'satisfied') recovered++;
    const notSatisfied = this.latest.size + this.answered - recovered;
    const f: Figures = {
      reported: this.reported,
      times: {
        own: spread(this.times.own),
        apologize: spread(this.times.apologize),
        makeRight: spread(this.times.makeRight),
        satisfied: spread(this.times.satisfied),
      },
      recovered,
      notSatisfied,
      recoveryRate: recoveryRate(recovered, notSatisfied),
      escalationRate: ratio(this.escalated, this.reported),
      reopenRate: ratio(this.reopened, this.reported),
    };
    if (this.sawCameBack) f.cameBackRate = ratio(this.cameBack, this.cameBackAsked);
    if (this.sawValue) {
      f.valueAtRisk = [...this.value]
        .map(([currency, sum]) => ({ currency, ...sum }))
        .sort((a, b) => b.kept + b.lost - (a.kept + a.lost) || a.currency.localeCompare(b.currency));
    }
    return f;
  }
}

type Dimension = 'category' | 'severity' | 'ownerId';
type Keyed = { category: string; severity: string; ownerId: string | null };

/**
 * Both windows' figures with their breakdowns, from whatever `feed` adds: it is handed, for a
 * window (0: the one asked for, 1: the one before) and a mistake's category, severity and owner,
 * the tallies that take it (the window's total and its line in each breakdown).
 */
function assemble(
  window: StatsWindow,
  now: Date,
  options: { byOwner: boolean },
  feed: (tallies: (w: 0 | 1, k: Keyed) => Tally[]) => void,
): InsightsStats {
  const length = STATS_WINDOWS[window] * DAY_MS;
  const to = now.getTime();
  const from = to - length;
  const dims: Dimension[] = options.byOwner ? ['category', 'severity', 'ownerId'] : ['category', 'severity'];
  const total = [new Tally(), new Tally()];
  const split = new Map<Dimension, Map<string, Tally[]>>(dims.map((d) => [d, new Map()]));
  const tallyOf = (dim: Dimension, key: string): Tally[] => {
    const byKey = split.get(dim)!;
    let t = byKey.get(key);
    if (!t) {
      t = [new Tally(true), new Tally(true)];
      byKey.set(key, t);
    }
    return t;
  };
  feed((w, k) => [total[w]!, ...dims.map((dim) => tallyOf(dim, k[dim] ?? '')[w]!)]);

  const breakdown = (dim: Dimension): BreakdownRow[] => {
    const out: BreakdownRow[] = [];
    for (const [key, [cur, prev]] of split.get(dim)!) out.push({ key, current: cur!.figures(), previous: prev!.figures() });
    return out.sort((a, b) => b.current.reported - a.current.reported || b.previous.reported - a.previous.reported || a.key.localeCompare(b.key));
  };

  return {
    window,
    from: new Date(from),
    to: now,
    current: total[0]!.figures(),
    previous: total[1]!.figures(),
    byCategory: breakdown('category'),
    bySeverity: breakdown('severity'),
    ...(options.byOwner ? { byOwner: breakdown('ownerId') } : {}),
  };
}

/**
 * The figures of `window` ending at `now` and of the window of the same length before it, with
 * breakdowns. `rows` and `answers` cover both windows (from `now - 2 × window`), answers in time
 * order; mistakes are in a window by when they were reported, answers by when they were given.
 */
export function computeStats(window: StatsWindow, now: Date, rows: StatsRow[], answers: AnswerRow[], options: { byOwner: boolean }): InsightsStats {
  const length = STATS_WINDOWS[window] * DAY_MS;
  const to = now.getTime();
  const from = to - length;
  const before = from - length;
  const which = (at: number): 0 | 1 | -1 => (at > from && at <= to ? 0 : at > before && at <= from ? 1 : -1);
  return assemble(window, now, options, (tallies) => {
    for (const row of rows) {
      const w = which(row.createdAt);
      if (w >= 0) for (const t of tallies(w as 0 | 1, row)) t.add(row);
    }
    for (const a of answers) {
      const w = which(a.at);
      if (w >= 0) for (const t of tallies(w as 0 | 1, a)) t.answer(a);
    }
  });
}

/**
 * The same figures from what the database grouped: the mistakes per window, category, severity
 * and owner; the customers' latest answers per window likewise; the answered check-ins.
 */
export function computeStatsFromGroups(
  window: StatsWindow,
  now: Date,
  groups: StatsGroup[],
  answers: AnswerGroup[],
  outcomes: OutcomeRow[],
  options: { byOwner: boolean },
): InsightsStats {
  return assemble(window, now, options, (tallies) => {
    for (const g of groups) for (const t of tallies(g.window, g)) t.addGroup(g);
    for (const a of answers) for (const t of tallies(a.window, a)) t.addAnswers(a.answered, a.satisfied);
    for (const o of outcomes) for (const t of tallies(o.window, o)) t.addOutcome(o);
  });
}

/** One week of the weekly chart. */
export interface WeekPoint {
  /** The week's start (UTC instant). */
  start: Date;
  reported: number;
  /** Customers whose latest answer in the week was "satisfied" (the recovery rate's "recovered"). */
  recovered: number;
  /** Median time to apologize of the mistakes reported that week (ms), null when none. */
  medianToApologizeMs: number | null;
}

/** `weeks` consecutive weeks ending at `now` (the last one ends at `now`), oldest first. */
export function weeklySeries(now: Date, weeks: number, rows: StatsRow[], answers: AnswerRow[]): WeekPoint[] {
  const end = now.getTime();
  const start = end - weeks * 7 * DAY_MS;
  const index = (at: number): number => (at <= start || at > end ? -1 : Math.min(weeks - 1, Math.floor((at - start - 1) / (7 * DAY_MS))));
  const tallies = Array.from({ length: weeks }, () => new Tally());
  for (const row of rows) {
    const i = index(row.createdAt);
    if (i >= 0) tallies[i]!.add(row);
  }
  for (const a of answers) {
    const i = index(a.at);
    if (i >= 0) tallies[i]!.answer(a);
  }
  return tallies.map((t, i) => {
    const f = t.figures();
    return { start: new Date(start + i * 7 * DAY_MS), reported: f.reported, recovered: f.recovered, medianToApologizeMs: f.times.apologize.median };
  });
}
