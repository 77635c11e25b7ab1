// App Home's Insights are worked out again when the workspace's timeline moved on; in a large
// workspace (judged by how many mistakes the figures covered) they are reused for up to a minute
// even so, and never for more than five.
import { DEFAULT_SLA } from '../../src/domain/playbook';
import { HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import type { InsightsStats, StatsWindow } from '../../src/domain/insights';
import { memoryLogger } from '../../src/logger';
import { ManualClock } from '../../src/services/clock';
import { InsightsService } from '../../src/services/insights';
import { MistakeService } from '../../src/services/mistakes';
import { MistakeQueries } from '../../src/services/queries';
import { SettingsService, type WorkspaceDefaults } from '../../src/services/settings';
import { freshSqlite, type TestDb } from '../support/db';

const TEAM = 'T_ACME';
const SECOND_MS = 1000;

const defaults: WorkspaceDefaults = {
  escalationChannelId: 'CESCALATIONS',
  digestChannelId: 'CDIGEST0001',
  timezone: 'Europe/Berlin',
  sla: DEFAULT_SLA,
  reminderIntervalMs: 4 * HOUR_MS,
  escalateAfterMs: 24 * HOUR_MS,
  reminderCap: 3,
  officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
  adminUserIds: [],
};

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
