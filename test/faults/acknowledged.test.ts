// Acknowledged means stored. A click that Slack was told arrived is applied exactly once, even
// when the process that answered it stops before applying it and another one (or a late retry
// of the first) applies it too; a click the database cannot store (read-only, disk full,
// PostgreSQL gone) is not answered 200: Slack shows it failed, the person is told to click again,
// nothing changes, and /healthz says writes fail until they succeed again.
import { MINUTE_MS } from '../../src/domain/durations';
import { decodeClick } from '../../src/services/interactions';
import { ManualClock } from '../../src/services/clock';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { reportModal } from '../../src/slack/views/modals';
import { DATABASES, freshPostgres, type TestDb } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { seedMistakes, startHarness, type Harness } from '../support/harness';
import { PgProxy } from '../support/pgProxy';
import { buttonClick, postToSlackEndpoint, viewSubmission } from '../support/slackRequests';
import { faultTotals, summaryRow } from '../support/summary';

jest.setTimeout(60_000);

const TEAM = 'T_ACME';
const NOT_SAVED = /couldn't save that click just now, so nothing was changed/;
const SAVE_FAILED = /couldn't save this just now/;
const totals = faultTotals();

afterAll(() => {
  process.stdout.write(summaryRow('acknowledged', totals));
});

const seed = (h: Harness, count: number) => seedMistakes(h, TEAM, count);

const apologize = (mistakeId: number) =>
  buttonClick(Actions.apologize, encodeValue({ m: mistakeId, v: 1 }), { userId: 'UALICE', channelId: 'CESCALATIONS', messageTs: '1.0' });

async function health(h: Harness): Promise<{ status: number; body: any }> {
  const response = await fetch(`${h.baseUrl}/healthz`);
  return { status: response.status, body: await response.json() };
}

async function countLedger(h: Harness, t: TestDb): Promise<void> {
  const rows = await t.db.delivery.findMany();
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const ledger = h.fake.ledger(rows);
  totals.delivered += ledger.delivered;
  totals.lost += ledger.lost.length;
  totals.duplicated += ledger.duplicated.length;
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
}

/** Each mistake's apology recorded exactly once (step done, one timeline event, one thread reply). */
async function expectApologizedOnce(t: TestDb, fake: FakeSlack, ids: number[]): Promise<void> {
  for (const id of ids) {
    const step = await t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId: id, kind: 'apologize' } });
    expect(step.status).toBe('done');
    const events = (await t.db.timelineEvent.findMany({ where: { mistakeId: id, kind: 'step_done' } })).filter(
      (e) => JSON.parse(e.details).step === 'apologize',
    );
    expect(events).toHaveLength(1);
  }
  const applied = await t.db.interaction.count({ where: { kind: 'apologize', status: 'applied' } });
  expect(applied).toBe(ids.length);
  expect(fake.called('chat.postEphemeral')).toEqual([]);
}

describe.each(DATABASES)('a click whose process stops after answering it (%s)', (_name, fresh) => {
  let t: TestDb;
  let fake: FakeSlack;
  let clock: ManualClock;
  let answering: Harness;
  let other: Harness;

  beforeEach(async () => {
    t = await fresh();
    fake = await new FakeSlack().start();
    clock = new ManualClock('2026-11-23T10:00:00Z');
    answering = await startHarness({ t, fake, clock });
    other = await startHarness({ t, fake, clock });
  });

  afterEach(async () => {
    await answering.close();
    await other.close();
    await fake.stop();
    await t.close();
  });

  it('is applied once by another process after its lease, and a late retry of the first changes nothing', async () => {
    const ids = await seed(answering, 5);
    await answering.deliver();
    // The answering process "dies" right after its 200: it never gets to apply the clicks.
    const applyForReal = answering.bot.clicks.apply.bind(answering.bot.clicks);
    answering.bot.clicks.apply = async () => undefined;
    for (const id of ids) expect((await postToSlackEndpoint(answering.baseUrl, apologize(id))).status).toBe(200);
    expect(await t.db.interaction.count({ where: { status: 'pending' } })).toBe(5);
    expect(await t.db.recoveryStep.count({ where: { kind: 'apologize', status: 'done' } })).toBe(0);

    // Within the lease nobody else touches them; after it, the other process applies them.
    expect(await other.bot.clicks.recover()).toBe(0);
    clock.advance(2 * MINUTE_MS);
    expect(await other.bot.clicks.recover()).toBe(5);
    // The first process comes back and applies what it had stored: already applied, nothing happens.
    const rows = await t.db.interaction.findMany({ orderBy: { id: 'asc' } });
    for (const row of rows) await applyForReal(decodeClick({ ...row, status: 'pending' })!);
    expect(await other.bot.clicks.recover()).toBe(0);

    await other.bot.worker.drain();
    await expectApologizedOnce(t, fake, ids);
    await countLedger(other, t);
    totals.cases += 1;
    totals.faults += 5;
  });
});

interface Outage {
  name: string;
  setup(): Promise<{ h: Harness; t: TestDb; cleanup(): Promise<void> }>;
  begin(h: Harness, t: TestDb): Promise<void>;
  end(h: Harness, t: TestDb): Promise<void>;
  /** What /healthz says while it lasts. */
  health: Record<string, unknown>;
}

const sqliteHarness = async () => {
  const h = await startHarness();
  return { h, t: h.t, cleanup: () => h.close() };
};

const OUTAGES: Outage[] = [
  {
    name: 'SQLite read-only',
    setup: sqliteHarness,
    begin: async (h) => void (await h.bot.db.$queryRawUnsafe('PRAGMA query_only = ON')),
    end: async (h) => void (await h.bot.db.$queryRawUnsafe('PRAGMA query_only = OFF')),
    health: { database: 'reachable', writes: 'failing', file: 'ok' },
  },
];

if (process.env.TEST_POSTGRES_URL) {
  let proxy: PgProxy;
  OUTAGES.push(
    {
      name: 'PostgreSQL gone',
      setup: async () => {
        const t = await freshPostgres();
        proxy = await PgProxy.for(t.url).start();
        const h = await startHarness({ t: { ...t, url: proxy.via(t.url) } });
        return {
          h,
          t,
          cleanup: async () => {
            await h.close();
            await proxy.cut();
            await t.close();
          },
        };
      },
      begin: () => proxy.cut(),
      end: () => proxy.restore(),
      health: { database: 'unreachable' },
    },
    {
      // PostgreSQL's own "disk full" error on every write (a trigger raises it).
      name: 'PostgreSQL disk full',
      setup: async () => {
        const t = await freshPostgres();
        const h = await startHarness({ t });
        return {
          h,
          t,
          cleanup: async () => {
            await h.close();
            await t.close();
          },
        };
      },
      begin: async (_h, t) => {
        await t.db.$executeRawUnsafe(
          `CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql`,
        );
        for (const table of ['Interaction', 'Mistake', 'RecoveryStep', 'TimelineEvent', 'Delivery', 'DatabaseIdentity', 'WorkspaceSettings']) {
          await t.db.$executeRawUnsafe(
            `CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION disk_full()`,
          );
        }
      },
      end: async (_h, t) => {
        await t.db.$executeRawUnsafe('DROP FUNCTION disk_full() CASCADE');
      },
      health: { database: 'reachable', writes: 'failing' },
    },
  );
}

describe.each(OUTAGES)('the database refusing writes: $name', (outage) => {
  let h: Harness;
  let t: TestDb;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ h, t, cleanup } = await outage.setup());
  });

  afterEach(async () => {
    await cleanup();
  });

  it('answers clicks with an error status and tells the person, stores and changes nothing, and says so in /healthz', async () => {
    const ids = await seed(h, 3);
    await h.deliver();
    expect((await health(h)).status).toBe(200);
    const before = await t.db.recoveryStep.findMany({ orderBy: { id: 'asc' } });
    const ephemerals = h.fake.called('chat.postEphemeral').length;

    await outage.begin(h, t);
    // Past the health check's one-second memory of its last answer.
    await new Promise((r) => setTimeout(r, 1100));
    const during = await health(h);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ ok: false, ...outage.health });

    for (const id of ids) {
      const response = await postToSlackEndpoint(h.baseUrl, apologize(id));
      expect(response.status).toBe(503);
    }
    await h.fake.waitFor('chat.postEphemeral', ephemerals + ids.length - 1);
    for (const told of h.fake.called('chat.postEphemeral').slice(ephemerals)) expect(told.args.text).toMatch(NOT_SAVED);
    // A report is stored before its answer as before: the form shows it could not be saved.
    const report = await postToSlackEndpoint(
      h.baseUrl,
      viewSubmission(reportModal({ reporterId: 'UALICE' }), {
        [Inputs.customer]: 'Blue Door Books',
        [Inputs.whatHappened]: 'Wrong title shipped.',
        [Inputs.impact]: 'A gift arrived wrong.',
        [Inputs.severity]: 'medium',
        [Inputs.category]: 'order',
      }),
    );
    expect(report.json).toMatchObject({ response_action: 'errors', errors: { [Inputs.whatHappened]: expect.stringMatching(SAVE_FAILED) } });

    await outage.end(h, t);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await t.db.recoveryStep.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    expect(await t.db.interaction.count()).toBe(0);
    expect(await t.db.mistake.count()).toBe(3);
    const after = await health(h);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ok: true, database: 'reachable', writes: 'ok' });

    // Clicked again, each is stored, answered 200 and applied once.
    for (const id of ids) expect((await postToSlackEndpoint(h.baseUrl, apologize(id))).status).toBe(200);
    await h.deliver();
    for (const id of ids) {
      expect((await t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId: id, kind: 'apologize' } })).status).toBe('done');
    }
    await countLedger(h, t);
    totals.cases += 1;
    totals.faults += ids.length + 1;
  });
});
