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

/** SQL for one dialect: a timestamp as epoch milliseconds, and text aggregation. */
const SQL: Record<Dialect, { epochMs: (column: string) => string; agg: (expr: string) => string }> = {
  sqlite: {
    epochMs: (c) => `CAST(ROUND((julianday(${c}) - 2440587.5) * 86400000) AS INTEGER)`,
    agg: (e) => `group_concat(${e}, ';')`,
  },
  postgresql: {
    epochMs: (c) => `CAST(ROUND(EXTRACT(EPOCH FROM ${c}) * 1000) AS BIGINT)`,
    agg: (e) => `string_agg(${e}, ';')`,
  },
};

interface Group {
  category: string;
  severity: string;
  ownerId: string | null;
  items: string | null;
}

const num = (text: string | undefined): number | null => (text === undefined || text === '' ? null : Number(text));

/**
 * The figures behind `/mistake stats`, App Home's Insights and the weekly chart, in two queries
 * whatever the number of mistakes. Both read from indexes alone and come back as one row per
 * (category, severity, owner) with that group's mistakes (or answers) packed into one text, so
 * 100k mistakes cost the database one index range scan and the process one pass over a string:
 *   1. per mistake reported in the period (the Mistake_insights_idx covering index): when it was
 *      reported and, in milliseconds after that, when it was first owned, first apologized for,
 *      first made right and (last) satisfied; escalated or not; reopened or not;
 *   2. per customer answer ("satisfied", "not satisfied", a reopen) in the period: which mistake,
 *      which answer, when (the TimelineEvent (teamId, kind, at) index).
 *
 * Came-back rate and value at risk (the after-close check-in's outcome and the customer record's
 * value columns, once they exist): add them to the first query's packed row here and set
 * `cameBack` / `valueAtRisk` on the StatsRow in `read`; src/domain/insights.ts already sums
 * them and the views show them as soon as rows carry them.
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
    const { epochMs, agg } = SQL[await this.dialectOf()];
    const created = epochMs('m."createdAt"');
    const after = (column: string) => `COALESCE(CAST(${epochMs(`m."${column}"`)} - ${created} AS TEXT), '')`;
    const packed = [
      `CAST(${created} AS TEXT)`,
      after('ownedAt'),
      after('apologizedAt'),
      after('madeRightAt'),
      after('satisfiedAt'),
      `CASE WHEN m."escalationLevel" > 0 THEN '1' ELSE '0' END`,
      `CASE WHEN m."reopenCount" > 0 THEN '1' ELSE '0' END`,
    ].join(` || ',' || `);
    const kinds = ANSWER_KINDS.map((k) => `'${k}'`).join(', ');
    const answer = `CAST(e."mistakeId" AS TEXT) || ',' || e."kind" || ',' || CAST(${epochMs('e."at"')} AS TEXT) || ',' || CAST(e."id" AS TEXT)`;
    const [mistakes, answers] = await Promise.all([
      this.db.$queryRaw<Group[]>(
        Prisma.sql([
          `SELECT m."category" AS "category", m."severity" AS "severity", m."ownerId" AS "ownerId", ${agg(packed)} AS "items"
           FROM "Mistake" m WHERE m."teamId" = `,
          ` AND m."createdAt" > `,
          ` AND m."createdAt" <= `,
          ` GROUP BY m."category", m."severity", m."ownerId"`,
        ] as unknown as TemplateStringsArray, teamId, from, to),
      ),
      this.db.$queryRaw<Group[]>(
        Prisma.sql([
          `SELECT m."category" AS "category", m."severity" AS "severity", m."ownerId" AS "ownerId", ${agg(answer)} AS "items"
           FROM "TimelineEvent" e JOIN "Mistake" m ON m."id" = e."mistakeId"
           WHERE e."teamId" = `,
          ` AND e."kind" IN (${kinds}) AND e."at" > `,
          ` AND e."at" <= `,
          ` GROUP BY m."category", m."severity", m."ownerId"`,
        ] as unknown as TemplateStringsArray, teamId, from, to),
      ),
    ]);

    const rows: StatsRow[] = [];
    for (const g of mistakes) {
      if (!g.items) continue;
      for (const item of g.items.split(';')) {
        const f = item.split(',');
        rows.push({
          createdAt: Number(f[0]),
          category: g.category,
          severity: g.severity,
          ownerId: g.ownerId,
          own: num(f[1]),
          apologize: num(f[2]),
          makeRight: num(f[3]),
          satisfied: num(f[4]),
          escalated: f[5] === '1',
          reopened: f[6] === '1',
        });
      }
    }
    const out: Array<AnswerRow & { id: number }> = [];
    for (const g of answers) {
      if (!g.items) continue;
      for (const item of g.items.split(';')) {
        const f = item.split(',');
        out.push({ mistakeId: Number(f[0]), kind: f[1]!, at: Number(f[2]), id: Number(f[3]), category: g.category, severity: g.severity, ownerId: g.ownerId });
      }
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
