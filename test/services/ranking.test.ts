// App Home's ranking is stored on each mistake (nextDueAt, urgency) by every change. Property:
// after any sequence of changes, refused ones included, the stored columns are what the steps say
// (worked out in JavaScript as the card does, and again in SQL as the migration does), the ranked
// read returns exactly the `byUrgency` order of every open mistake, and App Home's counts are
// those of the same mistakes counted here.
import { OPEN_STATES, PlaybookError, RECOVERING_STATES, STEP_KINDS, urgencyOf } from '../../src/domain/playbook';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import { memoryLogger } from '../../src/logger';
import { ManualClock } from '../../src/services/clock';
import { MistakeService } from '../../src/services/mistakes';
import { byUrgency, MistakeQueries, summarize } from '../../src/services/queries';
import { storeRanking } from '../../src/services/records';
import { SettingsService } from '../../src/services/settings';
import { DATABASES, type TestDb } from '../support/db';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T_ACME';
const ALICE = 'UALICE';
const BOB = 'UBOB';
const ADMIN = 'UADMIN';
const PEOPLE = [ALICE, BOB, ADMIN];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

const defaults = workspaceDefaults({ adminUserIds: [ADMIN] });

/** A small deterministic generator (mulberry32), so a failing sequence can be run again. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(DATABASES)('on %s', (_name, fresh) => {
  let t: TestDb;

  beforeEach(async () => {
    t = await fresh();
  });

  afterEach(async () => {
    await t.close();
  });

  it.each([1, 2, 3])('keeps the stored ranking equal to the computed one through random changes (seed %i)', async (seed) => {
    const rand = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const service = new MistakeService(t.db, new SettingsService(t.db, defaults, 0), clock);
    const queries = new MistakeQueries(t.db, memoryLogger());
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) {
      const reporter = pick(PEOPLE);
      const { mistake } = await service.report(TEAM, reporter, {
        customer: `Customer ${i}`,
        whatHappened: 'We shipped their order to the wrong address.',
        impact: 'They waited four days.',
        severity: pick(SEVERITIES),
        category: 'delivery',
        ownerId: rand() < 0.5 ? reporter : pick(PEOPLE),
      });
      ids.push(mistake.id);
    }

    const changes: Array<(mistakeId: number, actor: string) => Promise<unknown>> = [
      async (mistakeId, actor) => {
        const m = await queries.get(TEAM, mistakeId);
        const next = m && summarize(m).nextStep;
        if (!next) return;
        const data = { customerAnswer: 'A refund', remedyKind: 'refund', remedyValue: '€12 back', note: 'ok' };
        await service.completeStep({ teamId: TEAM, mistakeId }, actor, next, data);
      },
      (mistakeId, actor) => service.skipStep({ teamId: TEAM, mistakeId }, actor, pick(STEP_KINDS), 'Nothing more was needed.'),
      (mistakeId, actor) => service.markSatisfied({ teamId: TEAM, mistakeId }, actor, 'Happy'),
      (mistakeId, actor) => service.markNotSatisfied({ teamId: TEAM, mistakeId }, actor, 'They wanted more'),
      (mistakeId, actor) => service.reassign({ teamId: TEAM, mistakeId }, actor, pick(PEOPLE)),
      (mistakeId, actor) => service.reopen({ teamId: TEAM, mistakeId }, actor, 'It came back'),
      (mistakeId, actor) =>
        service.submitRca({ teamId: TEAM, mistakeId }, actor, {
          whatHappened: 'An old address.',
          causes: 'No validation',
          whatChanges: 'Validate addresses',
          prevention: [{ description: 'Add validation', ownerId: pick(PEOPLE), dueAt: new Date(clock.now().getTime() + 48 * HOUR_MS) }],
        }),
      async (mistakeId, actor) => {
        const m = await queries.get(TEAM, mistakeId);
        const open = m?.prevention.find((p) => p.status === 'open');
        if (open) await service.completePrevention({ teamId: TEAM, mistakeId }, actor, open.id);
      },
      (mistakeId, actor) => service.close({ teamId: TEAM, mistakeId }, actor),
      (mistakeId, actor) => service.snooze({ teamId: TEAM, mistakeId }, actor, new Date(clock.now().getTime() + 2 * HOUR_MS)),
      (mistakeId) => service.escalate(TEAM, mistakeId, { key: `test:${clock.now().getTime()}`, reason: 'overdue', text: 'Overdue' }),
      (mistakeId, actor) =>
        service.apologize({ teamId: TEAM, mistakeId }, actor, { channel: 'call', summary: 'Said sorry', apology: 'We are sorry.' }),
      async () => clock.advance(Math.floor(rand() * 300) * MINUTE_MS),
    ];

    // The forward moves (finish the next step, satisfied, analysis, prevention done) more often.
    const weighted = [
      ...changes,
      changes[0]!,
      changes[0]!,
      changes[0]!,
      changes[2]!,
      changes[6]!,
      changes[7]!,
      changes[7]!,
      changes[8]!,
      changes[8]!,
    ];
    for (let step = 0; step < 150; step++) {
      try {
        // Mostly the owner acting and the recovery moving forward, so every state is reached.
        const mistakeId = pick(ids);
        const owner = (await queries.get(TEAM, mistakeId))!.ownerId ?? ADMIN;
        await pick(weighted)(mistakeId, rand() < 0.7 ? owner : pick(PEOPLE));
      } catch (error) {
        // A refused change changes nothing: the property must hold all the same.
        if (!(error instanceof PlaybookError)) throw error;
      }
      if (step % 10 !== 9) continue;
      const stored = await t.db.mistake.findMany({
        where: { teamId: TEAM },
        select: { id: true, nextDueAt: true, urgency: true },
        orderBy: { id: 'asc' },
      });
      // As the card and the JavaScript ranking (byUrgency) see each mistake.
      for (const row of stored) {
        const view = (await queries.get(TEAM, row.id))!;
        const due = view.state === 'closed' ? null : summarize(view).nextDueAt;
        expect({ id: row.id, state: view.state, nextDueAt: row.nextDueAt?.getTime() ?? null }).toEqual({
          id: row.id,
          state: view.state,
          nextDueAt: due?.getTime() ?? null,
        });
        expect(row.urgency).toBe(urgencyOf(view.state, view.severity, due));
      }
      // As the migration's SQL works it out.
      await storeRanking(t.db, TEAM);
      const again = await t.db.mistake.findMany({
        where: { teamId: TEAM },
        select: { id: true, nextDueAt: true, urgency: true },
        orderBy: { id: 'asc' },
      });
      expect(again).toEqual(stored);
      // The ranked read, whole and cut short, for the team and for each person.
      const all = (await Promise.all(ids.map((id) => queries.get(TEAM, id))))
        .filter((m) => m!.state !== 'closed')
        .map((m) => summarize(m!))
        .sort(byUrgency);
      for (const limit of [1, 3, 100]) {
        expect((await queries.open(TEAM, { limit })).map((m) => m.id)).toEqual(all.slice(0, limit).map((m) => m.id));
      }
      for (const person of PEOPLE) {
        const theirs = all.filter((m) => m.ownerId === person).map((m) => m.id);
        expect((await queries.open(TEAM, { ownerId: person, limit: 100 })).map((m) => m.id)).toEqual(theirs);
      }
      // App Home's counts, against the same mistakes counted here.
      const now = clock.now();
      const views = (await Promise.all(ids.map((id) => queries.get(TEAM, id)))).map((m) => m!);
      const open = views.filter((m) => OPEN_STATES.includes(m.state));
      const expected = {
        open: open.length,
        overdue: views.filter(
          (m) => RECOVERING_STATES.includes(m.state) && m.steps.some((st) => st.status === 'pending' && st.dueAt.getTime() < now.getTime()),
        ).length,
        escalated: open.filter((m) => m.state === 'escalated').length,
        awaitingRca: open.filter((m) => m.state === 'awaiting_rca').length,
        closedThisWeek: views.filter((m) => m.state === 'closed' && m.closedAt !== null && m.closedAt.getTime() >= now.getTime() - 7 * DAY_MS).length,
      };
      expect(await queries.counts(TEAM, now)).toEqual(expected);
      for (const person of PEOPLE) {
        const home = await queries.home(TEAM, person, now, { mine: 5, team: 5 });
        expect({ counts: home.counts, mine: home.mineTotal }).toEqual({ counts: expected, mine: open.filter((m) => m.ownerId === person).length });
      }
    }
  });
});
