// The database under the bot's feet: another process holding SQLite's lock for as long as it
// likes, the database file replaced while the bot runs, and its folder deleted. Requests keep
// being answered, /healthz tells the truth about writes, nothing is acknowledged into a file that
// is gone, and a restart never carries on silently with a new, empty database.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { reportModal } from '../../src/slack/views/modals';
import { FakeSlack } from '../support/fakeSlack';
import { freePort, startHarness, type Harness } from '../support/harness';
import { LockHolder } from '../support/lockHolder';
import { buildBot, eventually, startBotProcess, waitHealthy, type BotProcess } from '../support/processes';
import { buttonClick, postToSlackEndpoint, SIGNING_SECRET, slashCommand, viewSubmission } from '../support/slackRequests';
import { faultTotals, summaryRow } from '../support/summary';

jest.setTimeout(120_000);

const TEAM = 'T_ACME';
const NOT_SAVED = /couldn't save that click just now/;
const SAVE_FAILED = /couldn't save this just now/;
const totals = faultTotals();

afterAll(() => {
  process.stdout.write(summaryRow('database-truth', totals));
});

const REPORT = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'Their flour went to the wrong address.',
  [Inputs.impact]: 'Nothing to bake for the Saturday market.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

const report = (viewId: string, userId = 'UALICE') => viewSubmission(reportModal({ reporterId: userId }), REPORT, { userId, viewId });
const apologize = (mistakeId: number, userId = 'UALICE') =>
  buttonClick(Actions.apologize, encodeValue({ m: mistakeId, v: 1 }), { userId, channelId: 'CESCALATIONS', messageTs: '1.0' });

async function healthOf(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe('another process holding the SQLite lock', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('answers every request while the lock is held, refuses what it cannot store, and says writes are busy', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UALICE', { ...reportFields(i), ownerId: 'UALICE' });
      ids.push(mistake.id);
    }
    await h.deliver();
    const before = await h.t.db.recoveryStep.findMany({ orderBy: { id: 'asc' } });

    const lock = await LockHolder.hold(h.t.file);
    let released = false;
    const answered: Array<{ what: string; status: number; json: any; whileLocked: boolean }> = [];
    const track = (what: string) => (r: { status: number; json: any }) =>
      answered.push({ what, status: r.status, json: r.json, whileLocked: !released });
    const requests = [
      ...ids.map((id) => postToSlackEndpoint(h.baseUrl, apologize(id)).then(track('click'))),
      ...[1, 2, 3].map((n) => postToSlackEndpoint(h.baseUrl, report(`V_LOCKED_${n}`)).then(track('report'))),
      ...[1, 2].map(() => healthOf(h.baseUrl).then((r) => track('health')({ status: r.status, json: r.body }))),
    ];
    // The lock goes only once everything is answered (or after a generous half minute, which
    // then fails the test: something waited on the lock instead of answering).
    const all = Promise.all(requests);
    await Promise.race([all, new Promise((r) => setTimeout(r, 30_000).unref())]);
    released = true;
    await lock.release();
    await all;

    expect(answered).toHaveLength(requests.length);
    expect(answered.filter((a) => !a.whileLocked)).toEqual([]);
    for (const a of answered.filter((x) => x.what === 'click')) expect(a.status).toBe(503);
    for (const a of answered.filter((x) => x.what === 'report')) {
      expect(a.json).toMatchObject({ response_action: 'errors', errors: { [Inputs.whatHappened]: expect.stringMatching(SAVE_FAILED) } });
    }
    for (const a of answered.filter((x) => x.what === 'health')) {
      expect(a.status).toBe(503);
      expect(a.json).toMatchObject({ ok: false, database: 'reachable', writes: 'busy' });
    }
    expect(await h.t.db.recoveryStep.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    expect(await h.t.db.interaction.count()).toBe(0);
    expect(await h.t.db.mistake.count()).toBe(12);
    await h.fake.waitFor('chat.postEphemeral', ids.length - 1);
    for (const told of h.fake.called('chat.postEphemeral')) expect(told.args.text).toMatch(NOT_SAVED);

    // Lock gone: health is good again and the same clicks go through, once each.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await healthOf(h.baseUrl)).status).toBe(200);
    for (const id of ids) expect((await postToSlackEndpoint(h.baseUrl, apologize(id))).status).toBe(200);
    await h.deliver();
    expect(await h.t.db.recoveryStep.count({ where: { kind: 'apologize', status: 'done' } })).toBe(12);
    const ledger = h.fake.ledger(await h.t.db.delivery.findMany());
    expect(ledger.duplicated).toEqual([]);
    expect(ledger.lost).toEqual([]);
    totals.delivered += ledger.delivered;
    totals.cases += 1;
    totals.faults += requests.length;
  });

  it('refuses writes once its file is replaced under it, and says so', async () => {
    const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UALICE', { ...reportFields(0), ownerId: 'UALICE' });
    await h.deliver();
    expect((await healthOf(h.baseUrl)).status).toBe(200);
    // Someone copies another database over it (a restore gone wrong).
    const other = `${h.t.file}.other`;
    new Database(other).close();
    fs.renameSync(other, h.t.file);
    await new Promise((r) => setTimeout(r, 1100));
    const health = await healthOf(h.baseUrl);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ok: false, file: 'replaced', writes: 'refused' });
    expect((await postToSlackEndpoint(h.baseUrl, apologize(mistake.id))).status).toBe(503);
    const submitted = await postToSlackEndpoint(h.baseUrl, report('V_REPLACED'));
    expect(submitted.json).toMatchObject({ response_action: 'errors' });
    expect(h.logger.lines.some((l) => l.level === 'error' && /database does not accept writes/.test(l.message))).toBe(true);
    totals.cases += 1;
    totals.faults += 2;
  });
});

function reportFields(i: number) {
  return {
    customer: `Customer ${i}`,
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: 'high',
    category: 'delivery',
  };
}

describe('the database folder deleted while the bot runs (a real process)', () => {
  let buildDir: string;
  let fake: FakeSlack;
  let dir: string;
  let running: BotProcess | null = null;

  beforeAll(() => {
    buildDir = buildBot('database-truth');
  });

  beforeEach(async () => {
    fake = await new FakeSlack().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-lost-'));
  });

  afterEach(async () => {
    await running?.kill('SIGKILL');
    running = null;
    await fake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const env = (database: string) => ({
    SLACK_BOT_TOKEN: 'xoxb-lost-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    DATABASE_URL: `file:${path.join(dir, database, 'bot.db')}`,
    STATE_DIR: path.join(dir, 'state'),
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'UTC',
    LOG_LEVEL: 'warn',
  });

  async function start(database: string): Promise<BotProcess> {
    running = startBotProcess(buildDir, 'bot', await freePort(), env(database));
    await waitHealthy(running, 60_000);
    return running;
  }

  it('refuses writes and says so at once, and on restart refuses to start on an empty database; a first run still starts', async () => {
    const bot = await start('data');
    await postToSlackEndpoint(bot.url, slashCommand('', { userId: 'UALICE' }));
    await fake.waitFor('views.open');
    for (let i = 0; i < 5; i++) {
      const response = await postToSlackEndpoint(bot.url, report(`V_LOST_${i}`));
      expect(response.status).toBe(200);
      expect(response.json).toBeNull();
    }

    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    await eventually(async () => (await healthOf(bot.url)).status === 503, 15_000, '/healthz to notice');
    expect((await healthOf(bot.url)).body).toMatchObject({ ok: false, file: 'missing', writes: 'refused' });
    // Nothing more is acknowledged into the deleted file.
    expect((await postToSlackEndpoint(bot.url, apologize(1))).status).toBe(503);
    const late = await postToSlackEndpoint(bot.url, report('V_LOST_LATE'));
    expect(late.json).toMatchObject({ response_action: 'errors', errors: { [Inputs.whatHappened]: expect.stringMatching(SAVE_FAILED) } });
    expect(bot.output.join('')).toMatch(/database (file is gone|does not accept writes)/);
    await bot.kill('SIGKILL');
    running = null;

    // Restarted as a process manager would: it refuses, says why and what to do, and exits.
    const restarted = spawnSync(process.execPath, [path.join(buildDir, 'bin', 'start.js')], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ...env('data'), PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(restarted.status).toBe(1);
    expect(restarted.stderr).toMatch(/is not the one this bot has been using since/);
    expect(restarted.stderr).toMatch(/missing/);
    expect(restarted.stderr).toMatch(/delete .*database-[0-9a-f]+\.json/);

    // A first run elsewhere creates its database as always.
    const fresh = await start('elsewhere');
    expect((await healthOf(fresh.url)).body).toMatchObject({ ok: true, file: 'ok', writes: 'ok' });
    totals.cases += 1;
    totals.faults += 3;
  });
});
