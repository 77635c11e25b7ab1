// The migration that makes the root-cause analysis a chased step gives the mistakes already
// waiting for theirs the step too, due one SLA period after their customer was satisfied.
import type { Db } from '../../src/db/client';
import { afterMigration, BACKFILL_DATABASES } from '../support/backfill';

const MIGRATION = 'recovery_loop';

async function seed(db: Db): Promise<void> {
  await db.workspaceSettings.create({ data: { teamId: 'T1', slaHighMinutes: 120 } });
  const satisfiedAt = new Date('2026-03-02T10:00:00Z');
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
  await db.mistake.create({ data: { ...base, id: 1, state: 'awaiting_rca', satisfiedAt } });
  // Satisfied, and its analysis is written: nothing to chase.
  await db.mistake.create({
    data: {
      ...base,
      id: 2,
      state: 'preventing',
      satisfiedAt,
      rca: { create: { teamId: 'T1', whatHappened: 'x', causes: 'y', whatChanges: 'z', authorId: 'U1' } },
    },
  });
  // Still recovering: the analysis is not due yet.
  await db.mistake.create({ data: { ...base, id: 3, state: 'recovering' } });
}

describe.each(BACKFILL_DATABASES)('the root-cause analysis backfill (%s)', (_name, make) => {
  it('gives a mistake awaiting its analysis a pending step due one SLA period after satisfied, and no other', async () => {
    await afterMigration(make, MIGRATION, seed, async (db) => {
      const steps = await db.recoveryStep.findMany({ where: { kind: 'root_cause_analysis' } });
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ mistakeId: 1, status: 'pending', position: 5, teamId: 'T1', reminderCount: 0 });
      expect(steps[0]!.dueAt.toISOString()).toBe('2026-03-02T12:00:00.000Z');
    });
  });
});
