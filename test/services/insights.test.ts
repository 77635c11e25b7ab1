import { HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { InsightsService } from '../../src/services/insights';
import { computeStats, STATS_WINDOWS, type StatsWindow } from '../../src/domain/insights';
import { DAY_MS } from '../../src/domain/durations';
import { MistakeService } from '../../src/services/mistakes';
import { SettingsService } from '../../src/services/settings';
import { DATABASES, type TestDb } from '../support/db';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T_ACME';
const ALICE = 'UALICE';
const BOB = 'UBOB';

const defaults = workspaceDefaults();

const report = (customer: string, category: string, severity = 'high') => ({
  customer,
  whatHappened: 'We shipped their order to the wrong address.',
  impact: 'Their weekend market stall had no flour.',
  severity,
  category,
});

describe.each(DATABASES)('insights on %s', (_name, fresh) => {
  let t: TestDb;
  let clock: ManualClock;
  let service: MistakeService;
  let insights: InsightsService;

  beforeEach(async () => {
    t = await fresh();
    clock = new ManualClock('2026-11-23T09:00:00Z');
    service = new MistakeService(t.db, new SettingsService(t.db, defaults, 0), clock);
    insights = new InsightsService(t.db);
  });

  afterEach(async () => {
    await t.close();
  });

  /** Reports a mistake owned by its reporter and walks it to "satisfied", `minutes` apart per step. */
  async function recovered(customer: string, category: string, minutes: number): Promise<number> {
    const { mistake } = await service.report(TEAM, ALICE, report(customer, category));
    const ref = { teamId: TEAM, mistakeId: mistake.id };
    clock.advance(minutes * MINUTE_MS);
    await service.completeStep(ref, ALICE, 'apologize');
    clock.advance(minutes * MINUTE_MS);
    await service.completeStep(ref, ALICE, 'ask', { customerAnswer: 'A new delivery' });
    clock.advance(minutes * MINUTE_MS);
    await service.completeStep(ref, ALICE, 'make_right', { remedyKind: 'replacement', remedyValue: 'Sent again' });
    clock.advance(minutes * MINUTE_MS);
    await service.markSatisfied(ref, ALICE);
    return mistake.id;
  }

  it('counts the after-close check-in: came-back rate, and value at risk kept and lost per currency', async () => {
    const ids = [
      await recovered('A', 'delivery', 5),
      await recovered('B', 'delivery', 5),
      await recovered('C', 'billing', 5),
      await recovered('D', 'billing', 5),
    ];
    const set = (id: number, data: { outcome: string; valueMinor?: number; valueCurrency?: string }) => t.db.mistake.update({ where: { id }, data });
    await set(ids[0]!, { outcome: 'came_back', valueMinor: 125_050, valueCurrency: 'USD' });
    await set(ids[1]!, { outcome: 'lost', valueMinor: 30_000, valueCurrency: 'USD' });
    await set(ids[2]!, { outcome: 'came_back', valueMinor: 5_000, valueCurrency: 'EUR' });
    // "Not yet" is neither: not in the rate, its value neither kept nor lost.
    await set(ids[3]!, { outcome: 'not_yet', valueMinor: 99_999, valueCurrency: 'USD' });
    const { current } = await insights.stats(TEAM, '30d', clock.now(), { byOwner: false });
    expect(current.cameBackRate).toBeCloseTo(2 / 3);
    expect(current.valueAtRisk).toEqual([
      { currency: 'USD', kept: 125_050, lost: 30_000 },
      { currency: 'EUR', kept: 5_000, lost: 0 },
    ]);
  });

  it('gives medians, p90, rates and breakdowns from the step times, beside the previous window', async () => {
    // Previous window (more than 30 days ago): one mistake, apologized after 60 minutes.
    await recovered('Old Customer', 'billing', 60);
    clock.advance(40 * 24 * HOUR_MS);
    // This window: apologies after 10, 20 and 30 minutes; the last one is not satisfied.
    await recovered('A', 'delivery', 10);
    await recovered('B', 'delivery', 20);
    const { mistake } = await service.report(TEAM, ALICE, report('C', 'billing', 'low'));
    const ref = { teamId: TEAM, mistakeId: mistake.id };
    clock.advance(30 * MINUTE_MS);
    await service.completeStep(ref, ALICE, 'apologize');
    await service.completeStep(ref, ALICE, 'ask', { customerAnswer: 'A refund' });
    await service.completeStep(ref, ALICE, 'make_right', { remedyKind: 'credit', remedyValue: '10 EUR' });
    await service.markNotSatisfied(ref, ALICE, 'They want a refund');
    clock.advance(MINUTE_MS);

    const stats = await insights.stats(TEAM, '30d', clock.now(), { byOwner: false });
    expect(stats.current.reported).toBe(3);
    expect(stats.previous.reported).toBe(1);
    expect(stats.current.times.apologize).toEqual({ median: 20 * MINUTE_MS, p90: 30 * MINUTE_MS, n: 3 });
    expect(stats.current.times.own).toEqual({ median: 0, p90: 0, n: 3 });
    expect(stats.current.times.satisfied).toEqual({ median: 60 * MINUTE_MS, p90: 80 * MINUTE_MS, n: 2 });
    expect(stats.previous.times.apologize.median).toBe(60 * MINUTE_MS);
    // The README's one definition: 2 recovered ÷ (2 recovered + 1 still not satisfied).
    expect(stats.current.recoveryRate).toBeCloseTo(2 / 3);
    expect(stats.current.recovered).toBe(2);
    expect(stats.current.notSatisfied).toBe(1);
    expect(stats.current.escalationRate).toBeCloseTo(1 / 3);
    expect(stats.current.reopenRate).toBe(0);
    expect(stats.byCategory.map((r) => [r.key, r.current.reported, r.previous.reported])).toEqual([
      ['delivery', 2, 0],
      ['billing', 1, 1],
    ]);
    expect(stats.bySeverity.map((r) => r.key)).toEqual(['high', 'low']);
    expect(stats.byOwner).toBeUndefined();
    // Nobody was asked after close yet: no came-back rate, no value kept or lost.
    expect(stats.current.cameBackRate).toBeNull();
    expect(stats.current.valueAtRisk).toEqual([]);

    const admin = await insights.stats(TEAM, '30d', clock.now(), { byOwner: true });
    expect(admin.byOwner?.map((r) => [r.key, r.current.reported])).toEqual([[ALICE, 3]]);
  });

  it('counts a reopened customer once, and the reopen in the reopen rate', async () => {
    const id = await recovered('A', 'delivery', 10);
    await service.close({ teamId: TEAM, mistakeId: id }, ALICE).catch(() => undefined);
    await service.reopen({ teamId: TEAM, mistakeId: id }, ALICE, 'They called again');
    clock.advance(MINUTE_MS);
    const steps = await t.db.recoveryStep.findMany({ where: { mistakeId: id, status: 'pending' } });
    for (const step of steps) {
      if (step.kind === 'make_right')
        await service.completeStep({ teamId: TEAM, mistakeId: id }, ALICE, 'make_right', { remedyKind: 'refund', remedyValue: 'All of it' });
      else if (step.kind === 'ask') await service.completeStep({ teamId: TEAM, mistakeId: id }, ALICE, 'ask', { customerAnswer: 'Money back' });
    }
    await service.markSatisfied({ teamId: TEAM, mistakeId: id }, ALICE);
    clock.advance(MINUTE_MS);
    const stats = await insights.stats(TEAM, '90d', clock.now(), { byOwner: false });
    expect(stats.current.reopenRate).toBe(1);
    expect(stats.current.recovered).toBe(1);
    expect(stats.current.recoveryRate).toBe(1);
  });

  it('gives twelve weeks of reported, recovered and median time to apologize', async () => {
    await recovered('A', 'delivery', 10);
    clock.advance(7 * 24 * HOUR_MS);
    await recovered('B', 'delivery', 30);
    await service.report(TEAM, BOB, report('C', 'billing'));
    clock.advance(HOUR_MS);
    const weeks = await insights.weekly(TEAM, clock.now());
    expect(weeks).toHaveLength(12);
    expect(weeks.slice(-2).map((w) => [w.reported, w.recovered, w.medianToApologizeMs])).toEqual([
      [1, 1, 10 * MINUTE_MS],
      [2, 1, 30 * MINUTE_MS],
    ]);
    expect(weeks.slice(0, 10).every((w) => w.reported === 0)).toBe(true);
  });

  it('gives the same figures from its grouped queries as from every mistake and every answer one by one', async () => {
    // A made-up year and a half: reports, steps, answers both ways, reopens, reassignments and
    // check-in outcomes, at random times (the same every run). The grouped figures of `stats`
    // read what the service keeps on each mistake; the per-row ones read the step times and the
    // timeline itself. They must agree in every window, for admins and everyone else.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const owners = new Map<number, string>();
    const attempt = (p: Promise<unknown>) => p.catch(() => undefined);
    for (let i = 0; i < 160; i++) {
      clock.advance(Math.floor(rand() * 4 * DAY_MS) + MINUTE_MS);
      if (owners.size === 0 || rand() < 0.35) {
        const ownerId = pick([ALICE, BOB]);
        const raw = { ...report(`Customer ${i}`, pick(['delivery', 'billing', 'quality']), pick(['low', 'medium', 'high', 'critical'])), ownerId };
        const { mistake } = await service.report(TEAM, ALICE, raw);
        owners.set(mistake.id, ownerId);
        continue;
      }
      const id = pick([...owners.keys()]);
      const ref = { teamId: TEAM, mistakeId: id };
      // Moves it on by whatever the playbook allows next (steps in order, then the answer), now
      // and then reopening it, handing it over or recording the check-in's outcome.
      const moves: Array<() => Promise<unknown>> = [
        () => service.completeStep(ref, owners.get(id)!, 'own'),
        () => service.completeStep(ref, owners.get(id)!, 'apologize'),
        () => service.completeStep(ref, owners.get(id)!, 'ask', { customerAnswer: 'A new one' }),
        () => service.completeStep(ref, owners.get(id)!, 'make_right', { remedyKind: 'replacement', remedyValue: 'Sent again' }),
        () => (rand() < 0.7 ? service.markSatisfied(ref, owners.get(id)!) : service.markNotSatisfied(ref, owners.get(id)!, 'Still broken')),
      ];
      for (let step = Math.floor(rand() * 4); step >= 0; step--) {
        const action = rand();
        if (action < 0.1) await attempt(service.reopen(ref, owners.get(id)!, 'They wrote again'));
        else if (action < 0.17) {
          const next = owners.get(id) === ALICE ? BOB : ALICE;
          await attempt(service.reassign(ref, owners.get(id)!, next).then(() => owners.set(id, next)));
        } else if (action < 0.25) {
          const outcome = pick(['came_back', 'lost', 'not_yet']);
          await t.db.mistake.update({ where: { id }, data: { outcome, valueMinor: pick([null, 0, 12_500]), valueCurrency: pick(['EUR', 'USD']) } });
        } else {
          for (const move of moves)
            if (
              await move().then(
                () => true,
                () => false,
              )
            )
              break;
        }
        clock.advance(Math.floor(rand() * 3 * DAY_MS));
      }
    }
    const events = await t.db.timelineEvent.findMany({ where: { teamId: TEAM, kind: { in: ['satisfied', 'not_satisfied', 'reopened'] } } });
    expect(events.length).toBeGreaterThan(20);

    const now = clock.now();
    for (const window of Object.keys(STATS_WINDOWS) as StatsWindow[]) {
      const from = new Date(now.getTime() - 2 * STATS_WINDOWS[window] * DAY_MS);
      const { rows, answers: given } = await insights.timelineRows(TEAM, from, now);
      for (const byOwner of [false, true]) {
        expect(await insights.stats(TEAM, window, now, { byOwner })).toEqual(computeStats(window, now, rows, given, { byOwner }));
      }
    }
    // The history has what makes the grouping hard: customers who answered on both sides of a
    // window's start (their stored answer is the later one), both kinds of answer, check-ins.
    const bothSides = (Object.keys(STATS_WINDOWS) as StatsWindow[]).some((window) => {
      const start = now.getTime() - STATS_WINDOWS[window] * DAY_MS;
      const end = start - STATS_WINDOWS[window] * DAY_MS;
      return events.some(
        (a) => a.at.getTime() > start && events.some((b) => b.mistakeId === a.mistakeId && b.at.getTime() > end && b.at.getTime() <= start),
      );
    });
    expect(bothSides).toBe(true);
    const year = await insights.stats(TEAM, '365d', now, { byOwner: true });
    expect(year.current.recovered).toBeGreaterThan(0);
    expect(year.current.notSatisfied).toBeGreaterThan(0);
    expect(year.current.cameBackRate).not.toBeNull();
  }, 60_000);
});
