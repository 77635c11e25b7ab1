// The bot crashing: the real process (SQLite) is SIGKILLed at chosen points, then started again.
// Nothing may be lost, nothing sent twice, and the database must pass an integrity check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DELIVERY_METADATA_TYPE } from '../../src/notify/deliveries';
import { Inputs } from '../../src/slack/ids';
import { FakeSlack, type RecordedCall } from '../support/fakeSlack';
import { freePort } from '../support/harness';
import { buildBot, eventually, startBotProcess, waitHealthy, type BotProcess } from '../support/processes';
import { postToSlackEndpoint, SIGNING_SECRET, slashCommand, viewSubmission } from '../support/slackRequests';

jest.setTimeout(120_000);

let buildDir: string;
let fake: FakeSlack;
let dir: string;
let running: BotProcess | null = null;

beforeAll(() => {
  buildDir = buildBot('crash');
});

beforeEach(async () => {
  fake = await new FakeSlack().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-crash-'));
});

afterEach(async () => {
  await running?.kill('SIGKILL');
  running = null;
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-crash-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    DATABASE_URL: `file:${path.join(dir, 'bot.db')}`,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'UTC',
    DIGEST_CRON: '*/2 * * * * *',
    REMINDER_CRON: '*/2 * * * * *',
    DELIVERY_CRON: '* * * * * *',
    SLA_HIGH: '0',
    REMINDER_INTERVAL: '1h',
    OFFICE_HOURS: '00:00-24:00',
    OFFICE_DAYS: 'mon-sun',
    LEASE: '2s',
    // A post cut off by the SIGKILL is looked for this long before it is posted again.
    SLACK_LATENESS: '5s',
    LOG_LEVEL: 'warn',
  };
}

async function start(): Promise<BotProcess> {
  running = startBotProcess(buildDir, 'bot', await freePort(), env());
  await waitHealthy(running, 60_000);
  return running;
}

function db(): Database.Database {
  return new Database(path.join(dir, 'bot.db'));
}

function count(sql: string): number {
  const d = db();
  try {
    return Number((d.prepare(sql).get() as { n: number }).n);
  } finally {
    d.close();
  }
}

async function report(bot: BotProcess, customer: string): Promise<void> {
  const before = fake.called('views.open').length;
  await postToSlackEndpoint(bot.url, slashCommand('', { userId: 'UOWNER0001' }));
  await fake.waitFor('views.open', before);
  const response = await postToSlackEndpoint(
    bot.url,
    viewSubmission(
      fake.lastView(),
      {
        [Inputs.customer]: customer,
        [Inputs.whatHappened]: 'Sent the wrong size',
        [Inputs.impact]: 'Cannot use it',
        [Inputs.severity]: 'high',
        [Inputs.category]: 'order',
      },
      { userId: 'UOWNER0001' },
    ),
  );
  expect(response.json).toBeNull();
}

/** Each post's delivery id, and how many times Slack received it. */
function postsById(): Map<string, RecordedCall[]> {
  const byId = new Map<string, RecordedCall[]>();
  for (const call of fake.called('chat.postMessage')) {
    const meta = call.args.metadata as { event_type?: string; event_payload?: { delivery_id?: string } } | undefined;
    if (meta?.event_type !== DELIVERY_METADATA_TYPE) continue;
    const id = String(meta.event_payload?.delivery_id);
    byId.set(id, [...(byId.get(id) ?? []), call]);
  }
  return byId;
}

function assertExactlyOnceAndIntact(): { delivered: number; duplicated: number } {
  const byId = postsById();
  const duplicated = [...byId.values()].filter((calls) => calls.length > 1).length;
  expect(duplicated).toBe(0);
  expect(count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`)).toBe(0);
  const d = db();
  try {
    expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(d.pragma('foreign_key_check')).toEqual([]);
  } finally {
    d.close();
  }
  return { delivered: byId.size, duplicated };
}

const summary: string[] = [];
afterAll(() => {
  process.stdout.write(`\nCrash recovery (SIGKILL, then restart):\n${summary.join('\n')}\n`);
});

it('posts the card once after a crash between storing the report and posting it', async () => {
  let bot = await start();
  fake.fail('chat.postMessage', { kind: 'status', status: 503 }, 1000);
  await report(bot, 'Crash Bakery');
  expect(count('SELECT count(*) AS n FROM "Mistake"')).toBe(1);
  await bot.kill('SIGKILL');
  fake.clearFaults();
  bot = await start();
  await eventually(async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`) === 0, 30_000, 'the card after restart');
  const cards = fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
  expect(cards).toHaveLength(1);
  const { delivered, duplicated } = assertExactlyOnceAndIntact();
  summary.push(`  after report stored, before card posted: mistakes 1, cards 1, delivered ${delivered}, duplicated ${duplicated}, integrity ok`);
});

it('sends the digest once when the bot dies while posting it', async () => {
  let bot = await start();
  await report(bot, 'Digest Deli');
  await eventually(
    async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent' AND kind <> 'digest'`) === 0,
    30_000,
    'the report posted',
  );
  // The digest post reaches Slack, but the answer is slow: the process dies before it hears back.
  fake.fail('chat.postMessage', { kind: 'slow', delayMs: 10_000 }, 1);
  await eventually(async () => fake.calls.some((c) => c.args.channel === 'CDIGEST0001'), 30_000, 'the digest post');
  await bot.kill('SIGKILL');
  fake.clearFaults();
  bot = await start();
  await eventually(async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`) === 0, 30_000, 'every delivery after restart');
  await new Promise((r) => setTimeout(r, 3000));
  expect(fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(1);
  expect(count(`SELECT count(*) AS n FROM "ScheduledRun" WHERE job = 'digest'`)).toBe(1);
  const { delivered, duplicated } = assertExactlyOnceAndIntact();
  summary.push(`  during the digest: digests 1, delivered ${delivered}, duplicated ${duplicated}, integrity ok`);
});

it('sends each reminder once when the bot dies during a reminder pass', async () => {
  let bot = await start();
  await report(bot, 'Reminder Rugs');
  await report(bot, 'Second Shop');
  await eventually(async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE kind = 'card' AND status = 'sent'`) === 2, 30_000, 'the cards');
  // And the rest the reports queued (their replies, the reporter's DMs), so the reminder is the post that hangs.
  await eventually(
    async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE kind <> 'reminder' AND status <> 'sent'`) === 0,
    30_000,
    'the reports’ posts',
  );
  // From now on posts hang: wait for the reminder DM to reach Slack, then kill the process.
  fake.fail('chat.postMessage', { kind: 'slow', delayMs: 10_000 }, 1000);
  const isReminder = (c: { method: string; args: Record<string, any> }) =>
    c.method === 'chat.postMessage' && c.args.channel === 'UOWNER0001' && !String(c.args.text).startsWith('Reported as');
  await eventually(async () => fake.calls.some(isReminder), 30_000, 'the reminder DM');
  await bot.kill('SIGKILL');
  fake.clearFaults();
  bot = await start();
  await eventually(async () => count(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`) === 0, 45_000, 'every delivery after restart');
  await new Promise((r) => setTimeout(r, 3000));
  // The two reports may fall into one reminder pass or two (the schedule fires every 2 s), so one
  // DM with both or two DMs with one each: what must hold is that each customer is reminded in
  // exactly one DM, and that no DM reached Slack twice. The reporter's "Reported as" DMs are not reminders.
  const reminders = fake.called('chat.postMessage').filter(isReminder);
  const mentions = (customer: string) => reminders.filter((c) => JSON.stringify(c.args.blocks).includes(customer)).length;
  expect({ rugs: mentions('Reminder Rugs'), shop: mentions('Second Shop') }).toEqual({ rugs: 1, shop: 1 });
  expect(reminders.length).toBeGreaterThanOrEqual(1);
  expect(reminders.length).toBeLessThanOrEqual(2);
  expect(count(`SELECT count(*) AS n FROM "ReminderSent"`)).toBe(2);
  const { delivered, duplicated } = assertExactlyOnceAndIntact();
  summary.push(
    `  during a reminder pass: reminder DMs ${reminders.length} (each of 2 items in exactly one), delivered ${delivered}, duplicated ${duplicated}, integrity ok`,
  );
});
