// Acknowledged means stored, with real bot processes: SIGKILLed in the middle of bursts of clicks
// and reports, killed while clicks wait on a locked database, killed while stored clicks wait on a
// row another transaction holds (PostgreSQL), and run out of disk space. After each restart every
// click that was answered 200 is applied exactly once and every report answered 200 is stored
// once; a click that could not be stored was answered with an error, never with 200.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { reportModal } from '../../src/slack/views/modals';
import { FakeSlack } from '../support/fakeSlack';
import { freePort } from '../support/harness';
import { LockHolder } from '../support/lockHolder';
import { buildBot, eventually, startBotProcess, waitHealthy, type BotProcess } from '../support/processes';
import { buttonClick, postToSlackEndpoint, SIGNING_SECRET, viewSubmission } from '../support/slackRequests';
import { faultTotals, summaryRow } from '../support/summary';

jest.setTimeout(240_000);

const OWNER = 'UOWNER0001';
const BASE = process.env.TEST_POSTGRES_URL;
const totals = faultTotals();
let buildDir: string;

beforeAll(() => {
  buildDir = buildBot('acknowledged');
});

afterAll(() => {
  process.stdout.write(summaryRow('acked (process)', totals));
});

/** Read access to the bot's database from the test, whichever provider it is. */
interface Store {
  url: string;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

function sqliteStore(file: string): Store {
  return {
    url: `file:${file}`,
    async rows<T>(sql: string) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    },
    async close() {},
  };
}

async function postgresStore(): Promise<Store & { client: pg.Client }> {
  const schema = `acked_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const u = new URL(BASE!);
  u.searchParams.set('schema', schema);
  const client = new pg.Client({ connectionString: BASE });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.query(`SET search_path TO "${schema}"`);
  return {
    url: u.toString(),
    client,
    async rows<T>(sql: string) {
      return (await client.query(sql)).rows as T[];
    },
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await client.end();
    },
  };
}

interface World {
  fake: FakeSlack;
  dir: string;
  store: Store;
  running: BotProcess[];
}

function env(w: World): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-acked-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: w.fake.url,
    DATABASE_URL: w.store.url,
    STATE_DIR: path.join(w.dir, 'state'),
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'UTC',
    DIGEST_CRON: '0 9 1 1 *',
    DELIVERY_CRON: '* * * * * *',
    LEASE: '2s',
    SLACK_LATENESS: '3s',
    HOME_REFRESH_DELAY: '0',
    LOG_LEVEL: 'warn',
  };
}

async function start(w: World, options: { fileSizeLimitKb?: number } = {}): Promise<BotProcess> {
  const bot = startBotProcess(buildDir, 'bot', await freePort(), env(w), options);
  w.running.push(bot);
  await waitHealthy(bot, 60_000);
  return bot;
}

async function world(store: Store): Promise<World> {
  return { fake: await new FakeSlack().start(), dir: fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-acked-')), store, running: [] };
}

async function teardown(w: World): Promise<void> {
  for (const bot of w.running) await bot.kill('SIGKILL');
  await w.fake.stop();
  await w.store.close();
  fs.rmSync(w.dir, { recursive: true, force: true });
}

const reportBody = (viewId: string, customer: string) =>
  viewSubmission(
    reportModal({ reporterId: OWNER }),
    {
      [Inputs.customer]: customer,
      [Inputs.whatHappened]: 'Sent the wrong size.',
      [Inputs.impact]: 'They cannot use it.',
      [Inputs.severity]: 'high',
      [Inputs.category]: 'order',
    },
    { userId: OWNER, viewId },
  );

const apologize = (mistakeId: number) =>
  buttonClick(Actions.apologize, encodeValue({ m: mistakeId }), { userId: OWNER, channelId: 'CESCALATIONS', messageTs: '1.0' });

async function seed(bot: BotProcess, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await postToSlackEndpoint(bot.url, reportBody(`V${prefix}${i}`, `${prefix} customer ${i}`));
    expect(answer.json).toBeNull();
  }
}

async function notApologized(store: Store): Promise<number[]> {
  const rows = await store.rows<{ mistakeId: number }>(
    `SELECT "mistakeId" FROM "RecoveryStep" WHERE kind = 'apologize' AND status = 'pending' ORDER BY "mistakeId"`,
  );
  return rows.map((r) => Number(r.mistakeId));
}

/** How often each mistake's apology was recorded (a timeline event each time). */
async function apologies(store: Store): Promise<Map<number, number>> {
  const rows = await store.rows<{ mistakeId: number; details: string }>(`SELECT "mistakeId", details FROM "TimelineEvent" WHERE kind = 'step_done'`);
  const counts = new Map<number, number>();
  for (const r of rows) if (JSON.parse(r.details).step === 'apologize') counts.set(Number(r.mistakeId), (counts.get(Number(r.mistakeId)) ?? 0) + 1);
  return counts;
}

async function settled(store: Store): Promise<void> {
  await eventually(
    async () => {
      const [pending] = await store.rows<{ n: number }>(`SELECT count(*) AS n FROM "Interaction" WHERE status = 'pending'`);
      const [unsent] = await store.rows<{ n: number }>(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`);
      return Number(pending!.n) === 0 && Number(unsent!.n) === 0;
    },
    60_000,
    'every stored click applied and every delivery sent',
  );
}

/** Every click answered 200 applied once, none applied twice; every report answered 200 stored once. */
async function expectAcknowledgedKept(w: World, acked: { clicks: number[]; reports: string[] }): Promise<void> {
  const counts = await apologies(w.store);
  for (const id of acked.clicks) expect([id, counts.get(id) ?? 0]).toEqual([id, 1]);
  for (const [id, n] of counts) expect([id, n]).toEqual([id, 1]);
  for (const viewId of acked.reports) {
    const rows = await w.store.rows(`SELECT id FROM "Mistake" WHERE "submissionKey" = '${viewId}'`);
    expect([viewId, rows.length]).toEqual([viewId, 1]);
  }
  const ledger = w.fake.ledger(await w.store.rows(`SELECT id, kind, status, "lastError" FROM "Delivery"`));
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  totals.delivered += ledger.delivered;
  totals.duplicated += ledger.duplicated.length;
  totals.lost += ledger.lost.length + acked.clicks.filter((id) => (counts.get(id) ?? 0) === 0).length;
}

const PROVIDERS: Array<[string, (dir: string) => Promise<Store>]> = [
  ['SQLite', async (dir) => sqliteStore(path.join(dir, 'bot.db'))],
  ...(BASE ? [['PostgreSQL', async () => postgresStore()] as [string, (dir: string) => Promise<Store>]] : []),
];

describe.each(PROVIDERS)('SIGKILL in the middle of bursts of clicks and reports (%s)', (_name, makeStore) => {
  let w: World;

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-acked-db-'));
    w = await world(await makeStore(dir));
    w.dir = dir;
  });

  afterEach(async () => {
    await teardown(w);
  });

  it('keeps every acknowledged click and report, each once, over three crashes', async () => {
    const acked = { clicks: [] as number[], reports: [] as string[] };
    let bot = await start(w);
    for (let round = 0; round < 3; round++) {
      await seed(bot, `R${round}S`, 10);
      const ids = await notApologized(w.store);
      let answers = 0;
      const requests: Array<Promise<unknown>> = [];
      const killAfter = 5 + round * 3;
      const answered = (what: 'click' | 'report', key: number | string) => (r: { status: number; json: unknown }) => {
        answers++;
        if (r.status === 200 && what === 'click') acked.clicks.push(key as number);
        if (r.status === 200 && what === 'report' && r.json === null) acked.reports.push(key as string);
        if (answers === killAfter) bot.child.kill('SIGKILL');
      };
      for (const id of ids) requests.push(postToSlackEndpoint(bot.url, apologize(id)).then(answered('click', id)));
      for (let i = 0; i < 4; i++) {
        const viewId = `VR${round}B${i}`;
        requests.push(postToSlackEndpoint(bot.url, reportBody(viewId, `Burst ${round}.${i}`)).then(answered('report', viewId)));
      }
      // Requests the dead process never answered fail here; they were never acknowledged.
      await Promise.allSettled(requests);
      await bot.kill('SIGKILL');
      totals.faults += 1;
      bot = await start(w);
      await settled(w.store);
      await expectAcknowledgedKept(w, acked);
    }
    expect(acked.clicks.length).toBeGreaterThan(0);
    totals.cases += 1;
  });
});

describe('SIGKILL while clicks wait on a locked SQLite database', () => {
  let w: World;

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-acked-db-'));
    w = await world(sqliteStore(path.join(dir, 'bot.db')));
    w.dir = dir;
  });

  afterEach(async () => {
    await teardown(w);
  });

  it('never answers 200 for a click it could not store, and applies the ones it answered once after the restart', async () => {
    let bot = await start(w);
    await seed(bot, 'L', 5);
    const ids = await notApologized(w.store);
    const acked = { clicks: [] as number[], reports: [] as string[] };

    // Another process holds the write lock; the clicks come while it does.
    const lock = await LockHolder.hold(path.join(w.dir, 'bot.db'));
    const answers = await Promise.all(ids.map((id) => postToSlackEndpoint(bot.url, apologize(id))));
    for (const [i, id] of ids.entries()) if (answers[i]!.status === 200) acked.clicks.push(id);
    await bot.kill('SIGKILL');
    await lock.release();
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 503));

    // Clicked again once the lock is gone; killed as soon as they are answered.
    bot = await start(w);
    const again = await Promise.all(ids.map((id) => postToSlackEndpoint(bot.url, apologize(id))));
    bot.child.kill('SIGKILL');
    for (const [i, id] of ids.entries()) if (again[i]!.status === 200) acked.clicks.push(id);
    expect(again.map((a) => a.status)).toEqual(ids.map(() => 200));
    await bot.kill('SIGKILL');
    bot = await start(w);
    await settled(w.store);
    await expectAcknowledgedKept(w, acked);
    totals.cases += 1;
    totals.faults += 2;
  });
});

(BASE ? describe : describe.skip)('SIGKILL while stored clicks wait on a row another transaction holds (PostgreSQL)', () => {
  let w: World;
  let store: Store & { client: pg.Client };

  beforeEach(async () => {
    store = await postgresStore();
    w = await world(store);
  });

  afterEach(async () => {
    await store.client.query('ROLLBACK').catch(() => undefined);
    await teardown(w);
  });

  it('applies every acknowledged click once, after the restart', async () => {
    let bot = await start(w);
    await seed(bot, 'P', 5);
    const ids = await notApologized(w.store);
    await settled(w.store);
    // A long transaction (a report, a migration) holds the mistakes' rows.
    await store.client.query('BEGIN');
    await store.client.query(`SELECT id FROM "Mistake" WHERE id = ANY($1) FOR UPDATE`, [ids]);
    const answers = await Promise.all(ids.map((id) => postToSlackEndpoint(bot.url, apologize(id))));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    // Stored and answered; their changes wait on the rows. The process dies now.
    const [waiting] = await store.rows<{ n: string }>(`SELECT count(*) AS n FROM "Interaction" WHERE status = 'pending'`);
    expect(Number(waiting!.n)).toBe(ids.length);
    await bot.kill('SIGKILL');
    await store.client.query('ROLLBACK');

    bot = await start(w);
    await settled(w.store);
    await expectAcknowledgedKept(w, { clicks: ids, reports: [] });
    totals.cases += 1;
    totals.faults += 1;
  });
});

describe('a disk that fills up under SQLite', () => {
  let w: World;
  const file = () => path.join(w.dir, 'bot.db');

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-acked-db-'));
    w = await world(sqliteStore(path.join(dir, 'bot.db')));
    w.dir = dir;
  });

  afterEach(async () => {
    await teardown(w);
  });

  it('answers 200 only for what it stored, says writes fail, and keeps everything it acknowledged', async () => {
    let bot = await start(w);
    await seed(bot, 'D', 6);
    await settled(w.store);
    await bot.kill('SIGTERM');
    w.running = [];
    // Room for a few more pages than the database holds now: the disk fills up soon after start.
    const limitKb = Math.ceil(fs.statSync(file()).size / 1024) + 96;
    bot = await start(w, { fileSizeLimitKb: limitKb });

    const acked = { clicks: [] as number[], reports: [] as string[] };
    const healthOf = async () => {
      // Past the health check's one-second memory of its last answer.
      await new Promise((r) => setTimeout(r, 1100));
      const response = await fetch(`${bot.url}/healthz`);
      return { status: response.status, body: await response.json() };
    };
    // Reports until the disk is full: a report refused, then the health check's own small write
    // refused too, so that no write of any size fits any more.
    let refused = 0;
    let health = { status: 200, body: {} as any };
    for (let i = 0; i < 300 && health.status === 200; i++) {
      const viewId = `VFULL${i}`;
      const answer = await postToSlackEndpoint(bot.url, reportBody(viewId, `Full ${i}`));
      if (answer.status === 200 && answer.json === null) acked.reports.push(viewId);
      else refused++;
      if (refused > 0) health = await healthOf();
    }
    expect(refused).toBeGreaterThan(0);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ok: false, database: 'reachable', writes: 'failing' });
    // The disk stays full: clicks are refused, never acknowledged and then lost.
    const ids = await notApologized(w.store);
    const answers = await Promise.all(ids.map((id) => postToSlackEndpoint(bot.url, apologize(id))));
    for (const [i, id] of ids.entries()) if (answers[i]!.status === 200) acked.clicks.push(id);
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 503));

    // Space again: everything answered 200 is there, once.
    await bot.kill('SIGKILL');
    bot = await start(w);
    await settled(w.store);
    await expectAcknowledgedKept(w, acked);
    const check = new Database(file(), { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
    totals.cases += 1;
    totals.faults += ids.length + 1;
  });
});
