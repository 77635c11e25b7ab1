import type { Db } from '../db/client';
import { DAY_MS } from '../domain/durations';
import {
  type AnswerGroup,
  type AnswerRow,
  computeStatsFromGroups,
  type OutcomeRow,
  type StatsGroup,
  type InsightsStats,
  STATS_WINDOWS,
  type StatsRow,
  type StatsWindow,
  type WeekPoint,
  weeklySeries,
} from '../domain/insights';
import { ANSWER_KINDS } from '../domain/playbook';
import { Prisma } from '../generated/prisma/client';

type Dialect = 'sqlite' | 'postgresql';

/**
 * SQL for one dialect: a timestamp as epoch milliseconds, text aggregation, and the separators
 * packed rows use (ASCII unit and record separators: no category, severity or Slack id has them).
 */
const SQL: Record<
  Dialect,
  { epochMs: (column: string) => string; agg: (expr: string) => string; unit: string; listOpen: string; listClose: string }
> = {
  sqlite: {
    epochMs: (c) => `CAST(ROUND((julianday(${c}) - 2440587.5) * 86400000) AS INTEGER)`,
    agg: (e) => `group_concat(${e}, char(30))`,
    unit: 'char(31)',
    listOpen: 'group_concat(',
    listClose: ", ',')",
  },
  postgresql: {
    epochMs: (c) => `CAST(ROUND(EXTRACT(EPOCH FROM ${c}) * 1000) AS BIGINT)`,
    agg: (e) => `string_agg(${e}, chr(30))`,
    unit: 'chr(31)',
    listOpen: 'string_agg(CAST(',
    listClose: " AS TEXT), ',')",
  },
};

/** The integers of a comma-separated list (null or empty: none), appended to `into`. */
function parseIntegers(text: string | null, into: number[]): number[] {
  if (!text) return into;
  let value = 0;
  let negative = false;
  let digits = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 44;
    if (c === 44) {
      if (digits) into.push(negative ? -value : value);
      value = 0;
      negative = false;
      digits = false;
    } else if (c === 45) negative = true;
    else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits = true;
    }
  }
  return into;
}
const UNIT = '\u001f';
const RECORD = '\u001e';

const num = (text: string | undefined): number | null => (text === undefined || text === '' ? null : Number(text));

/**
 * The after-close check-in's answer as the figures read it: came back (kept), lost them (lost);
 * "not yet", no answer or no check-in count as neither. The value at risk goes with it.
 */
function outcomeOf(
  o: { outcome: string; valueMinor: number | null; valueCurrency: string | null } | undefined,
): Pick<StatsRow, 'cameBack' | 'valueAtRisk'> {
  const cameBack = o?.outcome === 'came_back' ? true : o?.outcome === 'lost' ? false : null;
  const minor = o?.valueMinor === null || o?.valueMinor === undefined ? 0 : Number(o.valueMinor);
  return {
    cameBack,
    valueAtRisk: o && minor > 0 && o.valueCurrency ? { amount: minor, currency: o.valueCurrency, kept: cameBack } : null,
  };
}

/**
 * The figures behind `/mistake stats`, App Home's Insights and the weekly chart, each in a fixed
 * number of queries whatever the number of mistakes.
 *
 * `stats` lets the database count: its queries come back grouped by category, severity and owner
 * (a few thousand rows at most), with the times to own, apologize, make right and satisfy as lists
 * of numbers kept on each mistake, and each customer's latest answer kept on the mistake too (see
 * its comment).
 *
 * `timelineRows` (the weekly chart, twelve weeks) reads one compact row per mistake and one per
 * answer in three queries, each returned as one text packing every row (not 100k result rows):
 *   1. per mistake reported in the period (from the Mistake_insights_idx covering index alone):
 *      category, severity, owner, when it was reported and, in milliseconds after that, when it
 *      was first owned, first apologized for, first made right and (last) satisfied; escalated or
 *      not; reopened or not;
 *   2. per customer answer ("satisfied", "not satisfied", a reopen) in the period (the
 *      TimelineEvent (teamId, kind, at) index): which mistake, which answer, when, and the
 *      mistake's category, severity and owner;
 *   3. the mistakes whose after-close check-in was answered (came back or lost) with their value
 *      at risk, by the (team, outcome) index, matched to the packed rows by id.
 */
export class InsightsService {
  private dialect: Promise<Dialect> | null = null;

  constructor(private readonly db: Db) {}

  /** Asked of the database once: only SQLite knows sqlite_version(). */
  private dialectOf(): Promise<Dialect> {
    this.dialect ??= this.db.$queryRawUnsafe('SELECT sqlite_version() AS v').then(
      () => 'sqlite' as const,
      () => 'postgresql' as const,
    );
    return this.dialect;
  }

  /**
   * One row per mistake reported in (from, to] and one per answer given then, from the step times
   * and the timeline itself: the weekly chart's input (twelve weeks), and what the grouped figures
   * of `stats` are checked against.
   */
  async timelineRows(teamId: string, from: Date, to: Date): Promise<{ rows: StatsRow[]; answers: AnswerRow[] }> {
    const { epochMs, agg, unit } = SQL[await this.dialectOf()];
    const join = (parts: string[]) => parts.join(` || ${unit} || `);
    const text = (expr: string) => `COALESCE(CAST(${expr} AS TEXT), '')`;
    const who = ['m."category"', 'm."severity"', `COALESCE(m."ownerId", '')`];
    // Each timestamp converted once per row (in the inner select), then offsets from the report.
    const inner = `SELECT m."category", m."severity", m."ownerId", ${epochMs('m."createdAt"')} AS c, ${epochMs('m."ownedAt"')} AS o,
        ${epochMs('m."apologizedAt"')} AS a, ${epochMs('m."madeRightAt"')} AS r, ${epochMs('m."satisfiedAt"')} AS s,
        m."escalationLevel" AS x, m."reopenCount" AS n, m."id" AS i
      FROM "Mistake" m WHERE m."teamId" = `;
    const packed = join([
      ...who,
      text('m.c'),
      text('m.o - m.c'),
      text('m.a - m.c'),
      text('m.r - m.c'),
      text('m.s - m.c'),
      `CASE WHEN m.x > 0 THEN '1' ELSE '0' END`,
      `CASE WHEN m.n > 0 THEN '1' ELSE '0' END`,
      text('m.i'),
    ]);
    const kinds = ANSWER_KINDS.map((k) => `'${k}'`).join(', ');
    const answer = join([...who, text('e."mistakeId"'), 'e."kind"', text(epochMs('e."at"')), text('e."id"')]);
    const sql = (parts: string[], ...values: unknown[]) => Prisma.sql(parts, ...values);
    const [[mistakes], [answers], outcomes] = await Promise.all([
      this.db.$queryRaw<Array<{ items: string | null }>>(
        sql([`SELECT ${agg(packed)} AS "items" FROM (${inner}`, ` AND m."createdAt" > `, ` AND m."createdAt" <= `, `) m`], teamId, from, to),
      ),
      this.db.$queryRaw<Array<{ items: string | null }>>(
        sql(
          [
            `SELECT ${agg(answer)} AS "items" FROM "TimelineEvent" e JOIN "Mistake" m ON m."id" = e."mistakeId" WHERE e."teamId" = `,
            ` AND e."kind" IN (${kinds}) AND e."at" > `,
            ` AND e."at" <= `,
            '',
          ],
          teamId,
          from,
          to,
        ),
      ),
      // The after-close check-in's answers: few rows, found by the (team, outcome) index.
      this.db.$queryRaw<Array<{ id: number; outcome: string; valueMinor: number | null; valueCurrency: string | null }>>`
        SELECT "id", "outcome", "valueMinor", "valueCurrency" FROM "Mistake"
        WHERE "teamId" = ${teamId} AND "outcome" IN ('came_back', 'lost') AND "createdAt" > ${from} AND "createdAt" <= ${to}`,
    ]);
    const outcomeById = new Map(outcomes.map((o) => [Number(o.id), o]));

    const rows: StatsRow[] = [];
    for (const item of mistakes?.items ? mistakes.items.split(RECORD) : []) {
      const f = item.split(UNIT);
      rows.push({
        category: f[0]!,
        severity: f[1]!,
        ownerId: f[2] || null,
        createdAt: Number(f[3]),
        own: num(f[4]),
        apologize: num(f[5]),
        makeRight: num(f[6]),
        satisfied: num(f[7]),
        escalated: f[8] === '1',
        reopened: f[9] === '1',
        ...outcomeOf(outcomeById.get(Number(f[10]))),
      });
    }
    const out: Array<AnswerRow & { id: number }> = [];
    for (const item of answers?.items ? answers.items.split(RECORD) : []) {
      const f = item.split(UNIT);
      out.push({ category: f[0]!, severity: f[1]!, ownerId: f[2] || null, mistakeId: Number(f[3]), kind: f[4]!, at: Number(f[5]), id: Number(f[6]) });
    }
    // In the order they were given: the latest answer of each customer counts.
    out.sort((a, b) => a.at - b.at || a.id - b.id);
    return { rows, answers: out };
  }

  /**
   * The window's figures beside the previous window's; the by-owner breakdown only for admins.
   * Four queries whatever the number of mistakes; the first two answer in groups (category,
   * severity, owner), each group with its figures for the window asked for and for both:
   *   1. the mistakes reported in the two windows (Mistake_stats_idx): how many, escalated,
   *      reopened, and their times to own, apologize, make right and satisfy as lists;
   *   2. the customers whose latest answer falls in the two windows (Mistake_answers_idx): how
   *      many, and how many last said "satisfied";
   *   3. the few customers who answered in both windows: their latest answer in the earlier one,
   *      from the timeline (the stored answer is their latest overall, in the later one);
   *   4. the answered after-close check-ins, with their value at risk (the (team, outcome) index).
   * Answers given after `now` are not stored apart from the latest: stats are asked of the present.
   */
  async stats(teamId: string, window: StatsWindow, now: Date, options: { byOwner: boolean }): Promise<InsightsStats> {
    const length = STATS_WINDOWS[window] * DAY_MS;
    const from = new Date(now.getTime() - length);
    const before = new Date(from.getTime() - length);
    const dialect = await this.dialectOf();
    const { listOpen, listClose } = SQL[dialect];
    const raw = Prisma.raw;
    // SQLite is told which index: the one in whose order it groups, without a sort, and that holds
    // every column read. PostgreSQL hashes the groups and picks its own way.
    const indexed = (name: string) => raw(dialect === 'sqlite' ? `INDEXED BY "${name}"` : '');
    const integer = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
    const kinds = raw(ANSWER_KINDS.map((k) => `'${k}'`).join(', '));
    // Per group, each figure for the window asked for (…0) and for both windows together.
    const recent = Prisma.sql`m."createdAt" > ${from}`;
    const count = (where: Prisma.Sql) => Prisma.sql`SUM(CASE WHEN ${where} THEN 1 ELSE 0 END)`;
    const times = (column: string, name: string) => {
      const ms = raw(`CAST(m."${column}" AS ${integer})`);
      return Prisma.sql`${raw(listOpen)}CASE WHEN ${recent} THEN ${ms} END${raw(listClose)} AS ${raw(`"${name}0"`)},
        ${raw(listOpen)}CASE WHEN NOT (${recent}) THEN ${ms} END${raw(listClose)} AS ${raw(`"${name}1"`)}`;
    };
    type Keys = { category: string; severity: string; ownerId: string | null };
    type Counted = { n0: number | bigint; n: number | bigint };
    const [groups, answered, both, outcomes] = await Promise.all([
      this.db.$queryRaw<Array<Keys & Counted & Record<'x0' | 'x' | 'r0' | 'r', number | bigint> & Record<string, string | null>>>`
        SELECT m."category", m."severity", m."ownerId", ${count(recent)} AS "n0", COUNT(*) AS "n",
          ${count(Prisma.sql`m."escalationLevel" > 0 AND ${recent}`)} AS "x0", ${count(raw('m."escalationLevel" > 0'))} AS "x",
          ${count(Prisma.sql`m."reopenCount" > 0 AND ${recent}`)} AS "r0", ${count(raw('m."reopenCount" > 0'))} AS "r",
          ${times('msToOwn', 'o')}, ${times('msToApologize', 'a')}, ${times('msToMakeRight', 'mr')}, ${times('msToSatisfied', 's')}
        FROM "Mistake" m ${indexed('Mistake_stats_idx')}
        WHERE m."teamId" = ${teamId} AND m."createdAt" > ${before} AND m."createdAt" <= ${now}
        GROUP BY m."category", m."severity", m."ownerId"`,
      this.db.$queryRaw<Array<Keys & Counted & { sat0: number | bigint; sat: number | bigint }>>`
        SELECT m."category", m."severity", m."ownerId", ${count(Prisma.sql`m."answeredAt" > ${from}`)} AS "n0", COUNT(*) AS "n",
          ${count(Prisma.sql`m."answerKind" = 'satisfied' AND m."answeredAt" > ${from}`)} AS "sat0", ${count(raw(`m."answerKind" = 'satisfied'`))} AS "sat"
        FROM "Mistake" m ${indexed('Mistake_answers_idx')}
        WHERE m."teamId" = ${teamId} AND m."answeredAt" > ${before} AND m."answeredAt" <= ${now}
        GROUP BY m."category", m."severity", m."ownerId"`,
      // CROSS JOIN: SQLite starts from the few mistakes answered on both sides of the boundary,
      // then reads their answers by (mistakeId, at); PostgreSQL plans it as any join.
      this.db.$queryRaw<Array<Keys & { id: number; kind: string; at: Date | string; eventId: number }>>`
        SELECT m."id", m."category", m."severity", m."ownerId", e."kind", e."at", e."id" AS "eventId"
        FROM "Mistake" m ${indexed('Mistake_answers_idx')} CROSS JOIN "TimelineEvent" e
        WHERE m."teamId" = ${teamId} AND m."answeredAt" > ${from} AND m."answeredAt" <= ${now} AND m."firstAnsweredAt" <= ${from}
          AND e."mistakeId" = m."id" AND e."kind" IN (${kinds}) AND e."at" > ${before} AND e."at" <= ${from}`,
      // The after-close check-in's answers: few rows, found by the (team, outcome) index.
      this.db.$queryRaw<Array<Keys & { w: number | bigint; outcome: string; valueMinor: number | null; valueCurrency: string | null }>>`
        SELECT CASE WHEN ${recent} THEN 0 ELSE 1 END AS "w", m."category", m."severity", m."ownerId", m."outcome", m."valueMinor", m."valueCurrency"
        FROM "Mistake" m ${indexed('Mistake_teamId_outcome_idx')}
        WHERE m."teamId" = ${teamId} AND m."outcome" IN ('came_back', 'lost') AND m."createdAt" > ${before} AND m."createdAt" <= ${now}`,
    ]);
    const keys = (k: Keys) => ({ category: k.category, severity: k.severity, ownerId: k.ownerId });
    const statsGroups: StatsGroup[] = [];
    for (const g of groups) {
      const [n, n0, x, x0, r, r0] = [g.n, g.n0, g.x, g.x0, g.r, g.r0].map(Number) as [number, number, number, number, number, number];
      for (const w of [0, 1] as const) {
        statsGroups.push({
          window: w,
          ...keys(g),
          reported: w === 0 ? n0 : n - n0,
          escalated: w === 0 ? x0 : x - x0,
          reopened: w === 0 ? r0 : r - r0,
          times: {
            own: parseIntegers(g[`o${w}`] ?? null, []),
            apologize: parseIntegers(g[`a${w}`] ?? null, []),
            makeRight: parseIntegers(g[`mr${w}`] ?? null, []),
            satisfied: parseIntegers(g[`s${w}`] ?? null, []),
          },
        });
      }
    }
    const answerGroups: AnswerGroup[] = [];
    for (const a of answered) {
      const [n, n0, sat, sat0] = [a.n, a.n0, a.sat, a.sat0].map(Number) as [number, number, number, number];
      answerGroups.push({ window: 0, ...keys(a), answered: n0, satisfied: sat0 }, { window: 1, ...keys(a), answered: n - n0, satisfied: sat - sat0 });
    }
    // Of each customer answered on both sides, the latest answer in the earlier window.
    const latest = new Map<number, (typeof both)[number] & { ms: number }>();
    for (const e of both) {
      const ms = new Date(e.at).getTime();
      const seen = latest.get(Number(e.id));
      if (!seen || ms > seen.ms || (ms === seen.ms && Number(e.eventId) > Number(seen.eventId))) latest.set(Number(e.id), { ...e, ms });
    }
    for (const e of latest.values()) {
      answerGroups.push({
        window: 1,
        category: e.category,
        severity: e.severity,
        ownerId: e.ownerId,
        answered: 1,
        satisfied: e.kind === 'satisfied' ? 1 : 0,
      });
    }
    const outcomeRows: OutcomeRow[] = outcomes.map((o) => {
      const minor = o.valueMinor === null ? 0 : Number(o.valueMinor);
      return {
        window: (Number(o.w) === 0 ? 0 : 1) as 0 | 1,
        ...keys(o),
        cameBack: o.outcome === 'came_back',
        valueAtRisk: minor > 0 && o.valueCurrency ? { amount: minor, currency: o.valueCurrency } : null,
      };
    });
    return computeStatsFromGroups(window, now, statsGroups, answerGroups, outcomeRows, options);
  }

  /** The weekly chart's points: `weeks` weeks ending at `now`. */
  async weekly(teamId: string, now: Date, weeks = 12): Promise<WeekPoint[]> {
    const from = new Date(now.getTime() - weeks * 7 * DAY_MS);
    const { rows, answers } = await this.timelineRows(teamId, from, now);
    return weeklySeries(now, weeks, rows, answers);
  }
}
