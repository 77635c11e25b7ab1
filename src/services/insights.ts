import type { Db } from '../db/client';
import { DAY_MS } from '../domain/durations';
import {
  type AnswerRow,
  computeStats,
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
const SQL: Record<Dialect, { epochMs: (column: string) => string; agg: (expr: string) => string; unit: string }> = {
  sqlite: {
    epochMs: (c) => `CAST(ROUND((julianday(${c}) - 2440587.5) * 86400000) AS INTEGER)`,
    agg: (e) => `group_concat(${e}, char(30))`,
    unit: 'char(31)',
  },
  postgresql: {
    epochMs: (c) => `CAST(ROUND(EXTRACT(EPOCH FROM ${c}) * 1000) AS BIGINT)`,
    agg: (e) => `string_agg(${e}, chr(30))`,
    unit: 'chr(31)',
  },
};
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
 * The figures behind `/mistake stats`, App Home's Insights and the weekly chart, in three queries
 * whatever the number of mistakes. Both read from indexes and come back as one row holding every
 * row packed into one text, so 100k mistakes cost the database one index range scan and this
 * process one pass over a string (not 100k result rows):
 *   1. per mistake reported in the period (from the Mistake_insights_idx covering index alone):
 *      category, severity, owner, when it was reported and, in milliseconds after that, when it
 *      was first owned, first apologized for, first made right and (last) satisfied; escalated or
 *      not; reopened or not;
 *   2. per customer answer ("satisfied", "not satisfied", a reopen) in the period (the
 *      TimelineEvent (teamId, kind, at) index): which mistake, which answer, when, and the
 *      mistake's category, severity and owner.
 *
 * A third, small query reads the mistakes whose after-close check-in was answered (came back or
 * lost) with their value at risk, by the (team, outcome) index, for the came-back rate and the
 * value kept and lost; each packed row carries its id (in the index too) to be matched with them.
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

  private async read(teamId: string, from: Date, to: Date): Promise<{ rows: StatsRow[]; answers: AnswerRow[] }> {
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

  /** The window's figures beside the previous window's; the by-owner breakdown only for admins. */
  async stats(teamId: string, window: StatsWindow, now: Date, options: { byOwner: boolean }): Promise<InsightsStats> {
    const from = new Date(now.getTime() - 2 * STATS_WINDOWS[window] * DAY_MS);
    const { rows, answers } = await this.read(teamId, from, now);
    return computeStats(window, now, rows, answers, options);
  }

  /** The weekly chart's points: `weeks` weeks ending at `now`. */
  async weekly(teamId: string, now: Date, weeks = 12): Promise<WeekPoint[]> {
    const from = new Date(now.getTime() - weeks * 7 * DAY_MS);
    const { rows, answers } = await this.read(teamId, from, now);
    return weeklySeries(now, weeks, rows, answers);
  }
}
