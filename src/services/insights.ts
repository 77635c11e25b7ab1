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

type Instant = Date | string | number | null;

/** A timestamp as a raw query returns it: a Date (PostgreSQL) or ISO text (SQLite). */
function ms(value: Instant): number | null {
  if (value === null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return Date.parse(value);
}

interface RawMistake {
  createdAt: Instant;
  category: string;
  severity: string;
  ownerId: string | null;
  own: Instant;
  apologize: Instant;
  makeRight: Instant;
  satisfiedAt: Instant;
  escalated: number | bigint | boolean;
  reopened: number | bigint | boolean;
}

interface RawAnswer {
  mistakeId: number;
  kind: string;
  at: Instant;
  category: string;
  severity: string;
  ownerId: string | null;
}

const since = (from: number, t: Instant): number | null => {
  const at = ms(t);
  return at === null ? null : at - from;
};

/**
 * The figures behind `/mistake stats`, App Home's Insights and the weekly chart, in two queries
 * whatever the number of mistakes: one compact row per mistake reported in the period (its step
 * times from the (mistakeId, kind) index) and one per customer answer in the period.
 *
 * Came-back rate and value at risk: add the check-in outcome and the customer record's value
 * columns to the first query's select and set `cameBack` / `valueAtRisk` in `toRow`; the domain
 * and the views show them as soon as rows carry them.
 */
export class InsightsService {
  constructor(private readonly db: Db) {}

  private async read(teamId: string, from: Date, to: Date): Promise<{ rows: StatsRow[]; answers: AnswerRow[] }> {
    const kinds = Prisma.join([...ANSWER_KINDS]);
    const [mistakes, answers] = await Promise.all([
      this.db.$queryRaw<RawMistake[]>(Prisma.sql`
        SELECT m."createdAt", m."category", m."severity", m."ownerId", m."satisfiedAt",
          (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = m."id" AND s."kind" = 'own' AND s."status" = 'done') AS "own",
          (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = m."id" AND s."kind" = 'apologize' AND s."status" = 'done') AS "apologize",
          (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = m."id" AND s."kind" = 'make_right' AND s."status" = 'done') AS "makeRight",
          CASE WHEN m."escalationLevel" > 0 OR m."escalatedAt" IS NOT NULL THEN 1 ELSE 0 END AS "escalated",
          CASE WHEN EXISTS (SELECT 1 FROM "TimelineEvent" e WHERE e."mistakeId" = m."id" AND e."kind" = 'reopened') THEN 1 ELSE 0 END AS "reopened"
        FROM "Mistake" m
        WHERE m."teamId" = ${teamId} AND m."createdAt" > ${from} AND m."createdAt" <= ${to}`),
      this.db.$queryRaw<RawAnswer[]>(Prisma.sql`
        SELECT e."mistakeId", e."kind", e."at", m."category", m."severity", m."ownerId"
        FROM "TimelineEvent" e JOIN "Mistake" m ON m."id" = e."mistakeId"
        WHERE e."teamId" = ${teamId} AND e."kind" IN (${kinds}) AND e."at" > ${from} AND e."at" <= ${to}
        ORDER BY e."at", e."id"`),
    ]);
    const rows: StatsRow[] = mistakes.map((m) => {
      const created = ms(m.createdAt)!;
      return {
        createdAt: created,
        category: m.category,
        severity: m.severity,
        ownerId: m.ownerId,
        own: since(created, m.own),
        apologize: since(created, m.apologize),
        makeRight: since(created, m.makeRight),
        satisfied: since(created, m.satisfiedAt),
        escalated: Number(m.escalated) === 1,
        reopened: Number(m.reopened) === 1,
      };
    });
    return {
      rows,
      answers: answers.map((a) => ({
        mistakeId: a.mistakeId,
        kind: a.kind,
        at: ms(a.at)!,
        category: a.category,
        severity: a.severity,
        ownerId: a.ownerId,
      })),
    };
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
