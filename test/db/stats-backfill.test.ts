// The migration that keeps insights' inputs on each mistake fills them in for the mistakes already
// stored, from their step times and their timeline, so `/mistake stats` gives the same figures
// the day after the upgrade as the day before.
import type { Db } from '../../src/db/client';
import { computeStats } from '../../src/domain/insights';
import { InsightsService } from '../../src/services/insights';
import { afterMigration, BACKFILL_DATABASES } from '../support/backfill';

const MIGRATION = 'stats_columns';
const NOW = new Date('2026-06-30T12:00:00Z');
const at = (iso: string) => new Date(iso);

async function seed(db: Db): Promise<void> {
  const base = {
    teamId: 'T1',
    customer: 'Harbor Bakery',
    whatHappened: 'Wrong address',
    impact: 'No flour',
    severity: 'high',
    category: 'delivery',
    reporterId: 'U1',
    ownerId: 'U1',
    channelId: 'C1',
  };
  // Written without reading back: this client knows the columns the migration adds.
  await db.mistake.createMany({
    data: [
      // Owned at once, apologized 90 minutes and a few milliseconds later, made right, satisfied;
      // the customer was not satisfied once in between.
      {
        ...base,
        id: 1,
        state: 'closed',
        createdAt: at('2026-06-01T09:00:00.000Z'),
        ownedAt: at('2026-06-01T09:00:00.000Z'),
        apologizedAt: at('2026-06-01T10:30:00.250Z'),
        madeRightAt: at('2026-06-02T09:00:00.000Z'),
        satisfiedAt: at('2026-06-05T09:00:00.000Z'),
      },
      // Two answers at the same moment: the later one (by id) is the latest.
      { ...base, id: 2, state: 'recovering', category: 'billing', createdAt: at('2026-06-10T09:00:00.000Z') },
      // Never answered.
      { ...base, id: 3, state: 'reported', ownerId: 'U2', createdAt: at('2026-06-20T09:00:00.000Z') },
    ],
  });
  const event = (mistakeId: number, kind: string, when: string) =>
    db.timelineEvent.create({ data: { teamId: 'T1', mistakeId, actorId: 'U1', kind, details: '{}', at: at(when) } });
  await event(1, 'not_satisfied', '2026-06-03T09:00:00.000Z');
  await event(1, 'satisfied', '2026-06-05T09:00:00.000Z');
  await event(1, 'closed', '2026-06-06T09:00:00.000Z');
  await event(2, 'not_satisfied', '2026-06-12T09:00:00.000Z');
  await event(2, 'reopened', '2026-06-12T09:00:00.000Z');
}

describe.each(BACKFILL_DATABASES)('the insights backfill (%s)', (_name, make) => {
  it("keeps each customer's latest and first answer and the times from the report on the mistake", async () => {
    await afterMigration(make, MIGRATION, seed, async (db) => {
      const rows = await db.mistake.findMany({
        orderBy: { id: 'asc' },
        select: {
          id: true,
          answerKind: true,
          answeredAt: true,
          firstAnsweredAt: true,
          msToOwn: true,
          msToApologize: true,
          msToMakeRight: true,
          msToSatisfied: true,
        },
      });
      expect(rows).toEqual([
        {
          id: 1,
          answerKind: 'satisfied',
          answeredAt: at('2026-06-05T09:00:00.000Z'),
          firstAnsweredAt: at('2026-06-03T09:00:00.000Z'),
          msToOwn: 0,
          msToApologize: 90 * 60_000 + 250,
          msToMakeRight: 86_400_000,
          msToSatisfied: 4 * 86_400_000,
        },
        {
          id: 2,
          answerKind: 'reopened',
          answeredAt: at('2026-06-12T09:00:00.000Z'),
          firstAnsweredAt: at('2026-06-12T09:00:00.000Z'),
          msToOwn: null,
          msToApologize: null,
          msToMakeRight: null,
          msToSatisfied: null,
        },
        {
          id: 3,
          answerKind: null,
          answeredAt: null,
          firstAnsweredAt: null,
          msToOwn: null,
          msToApologize: null,
          msToMakeRight: null,
          msToSatisfied: null,
        },
      ]);

      // And the figures from them are the figures from the timeline.
      const insights = new InsightsService(db);
      const { rows: timeline, answers } = await insights.timelineRows('T1', new Date('2026-04-01T00:00:00Z'), NOW);
      const stats = await insights.stats('T1', '30d', NOW, { byOwner: true });
      expect(stats).toEqual(computeStats('30d', NOW, timeline, answers, { byOwner: true }));
      expect([stats.current.reported, stats.current.recovered, stats.current.notSatisfied]).toEqual([3, 1, 1]);
    });
  });
});
