// The operator's view: the bot running on SQLite (the default) with `npm start`, and beside it
// each pass run by hand as a real `npm run job` process, and a second `npm start` overlapping the
// first (a rolling restart). Every command must succeed, say what it did in words, never show a
// stack trace, and every effect must happen exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Inputs } from '../../src/slack/ids';
import { FakeSlack } from '../support/fakeSlack';
import { freePort } from '../support/harness';
import { eventually, runNpm, startNpmBot, waitHealthy, type BotProcess, type CommandResult } from '../support/processes';
import { postToSlackEndpoint, SIGNING_SECRET, slashCommand, viewSubmission } from '../support/slackRequests';

jest.setTimeout(300_000);

const NEVER = '0 0 1 1 *';
let fake: FakeSlack;
let dir: string;
let databaseUrl: string;
let pgSchema: string | null = null;
const bots: BotProcess[] = [];

beforeEach(async () => {
  fake = await new FakeSlack().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-operators-'));
  databaseUrl = `file:${path.join(dir, 'bot.db')}`;
});

afterEach(async () => {
  while (bots.length) await bots.pop()!.kill('SIGKILL');
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (pgSchema) await onPostgres((c) => c.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`));
  pgSchema = null;
});

async function onPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs the rest of a test on a fresh PostgreSQL schema instead of the SQLite file. */
function usePostgres(): void {
  pgSchema = `ops_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const url = new URL(process.env.TEST_POSTGRES_URL!);
  url.searchParams.set('schema', pgSchema);
  databaseUrl = url.toString();
}

/**
 * The bot's own schedules never fire during the test, so what each pass does is done by the
 * `npm run job` process; every value a developer's .env might also set is given here (the
 * environment wins over .env).
 */
function env(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-operator-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: '',
    SLACK_API_URL: fake.url,
    DATABASE_URL: databaseUrl,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    ESCALATION_CONTACT: '',
    ADMIN_USER_IDS: '',
    TIMEZONE: 'UTC',
    DIGEST_CRON: NEVER,
    REMINDER_CRON: NEVER,
    ESCALATION_CRON: NEVER,
    DELIVERY_CRON: '*/10 * * * * *',
    SLA_HIGH: '0',
    ESCALATE_AFTER: '0',
    REMINDER_INTERVAL: '1h',
    REMINDER_CAP: '3',
    OFFICE_HOURS: '00:00-24:00',
    OFFICE_DAYS: 'mon-sun',
    HOME_REFRESH_DELAY: '0',
    LEASE: '1m',
    LOG_LEVEL: 'warn',
  };
}

async function startBot(name: string, port?: number): Promise<BotProcess> {
  const bot = startNpmBot(name, port ?? (await freePort()), env());
  bots.push(bot);
  await waitHealthy(bot, 120_000);
  return bot;
}

async function query<T>(sql: string): Promise<T[]> {
  if (pgSchema) {
    const schema = pgSchema;
    return onPostgres(async (c) => {
      await c.query(`SET search_path TO "${schema}"`);
      return (await c.query(sql)).rows as T[];
    });
  }
  const db = new Database(path.join(dir, 'bot.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
const count = async (sql: string): Promise<number> => Number((await query<{ n: number }>(sql))[0]!.n);
const waiting = () => count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`);

async function report(bot: BotProcess, customer: string): Promise<void> {
  const before = fake.called('views.open').length;
  expect((await postToSlackEndpoint(bot.url, slashCommand('', { userId: 'UOWNER0001' }))).status).toBe(200);
  await fake.waitFor('views.open', before, 30_000);
  const view = fake.called('views.open')[before]!.args.view;
  const values = {
    [Inputs.customer]: customer,
    [Inputs.whatHappened]: 'Sent the wrong size',
    [Inputs.impact]: 'Cannot use it',
    [Inputs.severity]: 'high',
    [Inputs.category]: 'order',
  };
  const response = await postToSlackEndpoint(bot.url, viewSubmission(view, values, { userId: 'UOWNER0001' }));
  expect(response.status).toBe(200);
  expect(response.json).toBeNull();
}

/** Posts of one outbox kind that reached Slack, and how many times each. */
async function postsOfKind(kind: string): Promise<number[]> {
  const ids = (await query<{ id: number }>(`SELECT id FROM "Delivery" WHERE kind = '${kind}' ORDER BY id`)).map((r) => String(r.id));
  const byId = fake.postsByDeliveryId();
  return ids.map((id) => byId.get(id)?.length ?? 0);
}

async function assertNothingLostOrDoubled(): Promise<{ delivered: number }> {
  const ledger = fake.ledger(await query('SELECT id, kind, status, "lastError" FROM "Delivery"'));
  expect({ lost: ledger.lost, duplicated: ledger.duplicated, strangers: ledger.strangers }).toEqual({ lost: [], duplicated: [], strangers: [] });
  return { delivered: ledger.delivered };
}

/** A command an operator ran: it worked, and what it printed is for a person. */
function expectClean(result: CommandResult, label: string): void {
  const shown = `${label}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${shown}`);
  expect({ label, trace: /wasm|\n\s+at |Error:/.test(result.stdout + result.stderr) }).toEqual({ label, trace: false });
}

const job = (...args: string[]) => runNpm(['run', '--silent', 'job', '--', ...args], env());
const summary: string[] = [];
afterAll(() => {
  if (summary.length) process.stdout.write(`\nOperator commands beside a running bot:\n${summary.join('\n')}\n`);
});

const DATABASES = ['SQLite', ...(process.env.TEST_POSTGRES_URL ? ['PostgreSQL'] : [])];

it.each(DATABASES)('runs every pass as `npm run job` beside a running bot on %s, each effect once', async (database) => {
  if (database === 'PostgreSQL') usePostgres();
  const bot = await startBot('bot');
  await report(bot, 'Harbor Bakery');
  await report(bot, 'Old Mill Café');
  await eventually(
    async () => (await count(`SELECT count(*) AS n FROM "Delivery" WHERE kind = 'card' AND status = 'sent'`)) === 2,
    60_000,
    'both cards',
  );

  // Reminders: both overdue apologies in one DM to their owner, and not again within the interval.
  const reminders = await job('reminders');
  expectClean(reminders, 'reminders');
  // Which process posts the DM (this one, or the running bot's delivery loop) is up to timing.
  expect(reminders.stdout).toMatch(/^Reminders: 2 items reminded to 1 owner\.\nDeliveries: [01] sent\./);
  expect(await count('SELECT count(*) AS n FROM "ReminderSent"')).toBe(2);
  expect(await postsOfKind('reminder')).toEqual([1]);
  const remindersAgain = await job('reminders');
  expectClean(remindersAgain, 'reminders, again');
  expect(remindersAgain.stdout.trim()).toBe('Reminders: nothing is due for a reminder.');
  expect(await postsOfKind('reminder')).toEqual([1]);

  // Escalations: each overdue step escalated once, however often the pass runs.
  const escalations = await job('escalations');
  expectClean(escalations, 'escalations');
  const escalated = await count('SELECT count(*) AS n FROM "Escalation"');
  expect(escalated).toBeGreaterThan(0);
  expect(escalations.stdout).toContain(`Escalations: ${escalated} escalation${escalated === 1 ? '' : 's'} posted.`);
  await eventually(async () => (await postsOfKind('escalation')).every((n) => n === 1), 30_000, 'the escalation posts');
  const escalationsAgain = await job('escalations');
  expectClean(escalationsAgain, 'escalations, again');
  expect(escalationsAgain.stdout.trim()).toBe('Escalations: nothing needed escalating.');
  expect(await count('SELECT count(*) AS n FROM "Escalation"')).toBe(escalated);

  // The digest: today's now (the schedule has none today), then where it went.
  const digest = await job('digest');
  expectClean(digest, 'digest');
  expect(digest.stdout).toMatch(/^Today's digest \(\w{3} \d+ \w{3}\) was posted at .* in CDIGEST0001: https:\/\/\S+\.$/m);
  expect(digest.stdout).toMatch(/^The next scheduled digest goes out \w{3} 1 Jan \d{4}, 00:00 UTC \(in .*\)\.$/m);
  const digestAgain = await job('digest');
  expectClean(digestAgain, 'digest, again');
  expect(digestAgain.stdout).toMatch(/^Today's digest \(.*\) was posted at .*\. Nothing was posted\.$/m);
  expect(fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(1);

  // Deliveries: a card Slack refused while it was down goes out when the operator asks.
  fake.fail('chat.postMessage', { kind: 'status', status: 503 }, 10_000);
  await report(bot, 'Corner Florist');
  await eventually(
    async () => (await count(`SELECT count(*) AS n FROM "Delivery" WHERE kind = 'card' AND status = 'pending' AND attempts > 0`)) === 1,
    30_000,
    'the card to fail once',
  );
  fake.clearFaults();
  const deliveries = await job('deliveries');
  expectClean(deliveries, 'deliveries');
  expect(deliveries.stdout).toMatch(/^Deliveries: \d+ sent\./);
  await eventually(async () => (await waiting()) === 0, 60_000, 'nothing left to deliver');
  expect(await postsOfKind('card')).toEqual([1, 1, 1]);

  const { delivered } = await assertNothingLostOrDoubled();
  expect(bot.child.exitCode).toBeNull();
  expect(bot.output.join('')).not.toMatch(/"level":"error"/);
  summary.push(
    `  npm run job -- reminders|escalations|digest|deliveries beside npm start (${database}): every run exit 0; ` +
      `reminder DMs 1 (2 items), escalations ${escalated} (each posted once), digests 1, delivered ${delivered}, lost 0, duplicated 0`,
  );
});

it('starts a second `npm start` on the same file while the first still runs (a rolling restart)', async () => {
  const first = await startBot('first');
  await report(first, 'Harbor Bakery');
  const second = await startBot('second');
  // Both serve while they overlap.
  await report(second, 'Old Mill Café');
  await report(first, 'Corner Florist');
  // The process manager stops the old one once the new one is healthy.
  await first.kill('SIGTERM');
  await eventually(
    async () =>
      fetch(`${first.url}/healthz`).then(
        () => false,
        () => true,
      ),
    30_000,
    'the first bot to stop',
  );
  await report(second, 'Dockside Deli');
  await eventually(async () => (await waiting()) === 0, 60_000, 'every delivery');
  expect(await count('SELECT count(*) AS n FROM "Mistake"')).toBe(4);
  expect(await postsOfKind('card')).toEqual([1, 1, 1, 1]);
  const { delivered } = await assertNothingLostOrDoubled();
  expect(second.output.join('')).not.toMatch(/"level":"error"/);
  expect(first.output.join('')).not.toMatch(/"level":"error"/);

  // A third on the port that is taken says so in one line, and leaves the running one alone.
  const third = startNpmBot('third', second.port, env());
  bots.push(third);
  expect(await third.exited).not.toBe(0);
  const said = third.output
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('npm '));
  expect(said).toEqual([`Port ${second.port} is already in use (another copy of the bot, or another program): stop it, or set PORT to a free port.`]);
  expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  summary.push(
    `  two overlapping npm start on one SQLite file: both served, 4 reports, 4 cards, delivered ${delivered}, lost 0, duplicated 0; a third on a taken port explained it in one line`,
  );
});
