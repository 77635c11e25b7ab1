import { MINUTE_MS } from '../../src/domain/durations';
import type { InsightsStats, StatsWindow } from '../../src/domain/insights';
import { memoryLogger } from '../../src/logger';
import { ManualClock } from '../../src/services/clock';
import { InsightsService } from '../../src/services/insights';
import { MistakeService } from '../../src/services/mistakes';
import { MistakeQueries } from '../../src/services/queries';
import { SettingsService } from '../../src/services/settings';
import { freshSqlite, type TestDb } from '../support/db';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T_ACME';
const SECOND_MS = 1000;

const defaults = workspaceDefaults();

/** The real figures, each computation counted. */
class CountingInsights extends InsightsService {
  calls = 0;

  override stats(teamId: string, window: StatsWindow, now: Date, options: { byOwner: boolean }): Promise<InsightsStats> {
    this.calls++;
    return super.stats(teamId, window, now, options);
  }
}

let t: TestDb;
let clock: ManualClock;
let service: MistakeService;

beforeEach(async () => {
  t = await freshSqlite();
  clock = new ManualClock('2026-11-23T09:00:00Z');
  service = new MistakeService(t.db, new SettingsService(t.db, defaults, 0), clock);
});

afterEach(async () => {
  await t.close();
});

const reportOne = (customer: string) =>
  service.report(TEAM, 'UALICE', {
    customer,
    whatHappened: 'We shipped their order to the wrong address.',
    impact: 'Their weekend market stall had no flour.',
    severity: 'high',
    category: 'delivery',
  });

async function homeReported(queries: MistakeQueries): Promise<number | undefined> {
  const home = await queries.home(TEAM, 'UALICE', clock.now(), { mine: 5, team: 5 });
  return home.insights?.current.reported;
}

it('works the figures out again as soon as something happened', async () => {
  const insights = new CountingInsights(t.db);
  const queries = new MistakeQueries(t.db, memoryLogger(), { insights });
  await reportOne('Harbor Bakery');
  expect(await homeReported(queries)).toBe(1);
  expect(await homeReported(queries)).toBe(1);
  expect(insights.calls).toBe(1);
  clock.advance(SECOND_MS);
  await reportOne('Dune Coffee');
  expect(await homeReported(queries)).toBe(2);
  expect(insights.calls).toBe(2);
});

it('in a large workspace, reuses the figures for up to a minute, then works them out again', async () => {
  const insights = new CountingInsights(t.db);
  // One mistake counts as large here (the bot's threshold is 5,000).
  const queries = new MistakeQueries(t.db, memoryLogger(), { insights, largeInsights: 1 });
  await reportOne('Harbor Bakery');
  expect(await homeReported(queries)).toBe(1);
  clock.advance(SECOND_MS);
  await reportOne('Dune Coffee');
  clock.advance(30 * SECOND_MS);
  expect(await homeReported(queries)).toBe(1);
  expect(insights.calls).toBe(1);
  clock.advance(30 * SECOND_MS);
  expect(await homeReported(queries)).toBe(2);
  expect(insights.calls).toBe(2);
  // Nothing happened since: reused until five minutes have passed.
  clock.advance(4 * MINUTE_MS);
  expect(await homeReported(queries)).toBe(2);
  expect(insights.calls).toBe(2);
  clock.advance(2 * MINUTE_MS);
  await homeReported(queries);
  expect(insights.calls).toBe(3);
});
