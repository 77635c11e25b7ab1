// The database under stress: another connection holding SQLite's write lock while people report
// and click, and the delivery worker racing refused clicks on the one connection the app has.
// Whatever happens, a person gets a clear answer or their change is stored, and never half of it.
import Database from 'better-sqlite3';
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { reportModal } from '../../src/slack/views/modals';
import { startHarness, type Harness } from '../support/harness';
import { LockHolder } from '../support/lockHolder';
import { buttonClick, postToSlackEndpoint, viewSubmission } from '../support/slackRequests';

const TEAM = 'T_ACME';
const SAVE_FAILED = /couldn't save this just now/;
const NOT_SAVED = /couldn't save that click just now, so nothing was changed/;

const totals = { cases: 0, faults: 0, delivered: 0, lost: 0, duplicated: 0 };
let h: Harness;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock('2026-11-23T10:00:00Z');
  h = await startHarness({ clock });
});

afterEach(async () => {
  await h.bot.worker.drain().catch(() => undefined);
  const rows = await h.t.db.delivery.findMany();
  const ledger = h.fake.ledger(rows);
  totals.delivered += ledger.delivered;
  totals.lost += ledger.lost.length;
  totals.duplicated += ledger.duplicated.length;
  await h.close();
});

afterAll(() => {
  process.stdout.write(summary('database', totals));
});

const post = (body: Parameters<typeof postToSlackEndpoint>[1]) => postToSlackEndpoint(h.baseUrl, body);

function report(customer: string, viewId?: string, userId = 'UALICE') {
  return viewSubmission(
    reportModal({ reporterId: userId }),
    {
      [Inputs.customer]: customer,
      [Inputs.whatHappened]: 'The invoice charged them twice.',
      [Inputs.impact]: 'Their card was overdrawn over the weekend.',
      [Inputs.severity]: 'high',
      [Inputs.category]: 'billing',
    },
    { userId, viewId },
  );
}

async function seedMistake(customer = 'Harbor Bakery') {
  const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UALICE', {
    customer,
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: 'high',
    category: 'delivery',
    ownerId: 'UALICE',
  });
  await h.deliver();
  return mistake;
}

function apologize(m: { id: number; version: number }, userId = 'UALICE') {
  return buttonClick(Actions.apologize, encodeValue({ m: m.id, v: m.version }), { userId, channelId: 'CESCALATIONS', messageTs: '1.0' });
}

/** Every mistake whole: its five steps, at least one timeline event, and its card queued. */
async function expectConsistent(): Promise<void> {
  const mistakes = await h.t.db.mistake.findMany({ include: { steps: true, timeline: true } });
  for (const m of mistakes) {
    expect(m.steps).toHaveLength(5);
    expect(m.timeline.length).toBeGreaterThanOrEqual(1);
    expect(await h.t.db.delivery.count({ where: { teamId: m.teamId, dedupeKey: `card:${m.id}` } })).toBe(1);
  }
  expect(await h.t.db.recoveryStep.count()).toBe(mistakes.length * 5);
  const check = new Database(h.t.file, { readonly: true });
  try {
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.pragma('foreign_key_check')).toEqual([]);
  } finally {
    check.close();
  }
}

async function ephemeralTo(userId: string, after: number) {
  await h.fake.waitFor('chat.postEphemeral', after);
  return h.fake
    .called('chat.postEphemeral')
    .filter((c) => c.args.user === userId)
    .pop()!.args.text as string;
}

/** The app's connection gives up on a lock sooner, so the "outlasts the busy timeout" cases run in a blink. */
async function shortBusyTimeout(): Promise<void> {
  await h.bot.db.$queryRawUnsafe('PRAGMA busy_timeout = 300');
}

it('stores a report that arrives while the lock is held, once the lock goes within the busy timeout', async () => {
  const lock = await LockHolder.hold(h.t.file, { releaseAfterMs: 400 });
  const response = await post(report('Harbor Bakery', 'V_LOCKED_1'));
  await lock.done();
  expect(response.status).toBe(200);
  expect(response.json?.response_action).toBeUndefined();
  await h.deliver();
  expect(await h.t.db.mistake.count()).toBe(1);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it('records a click that arrives while the lock is held, once the lock goes within the busy timeout', async () => {
  const m = await seedMistake();
  const lock = await LockHolder.hold(h.t.file, { releaseAfterMs: 400 });
  const response = await post(apologize(m));
  expect(response.status).toBe(200);
  await h.deliver();
  await lock.done();
  const step = await h.t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId: m.id, kind: 'apologize' } });
  expect(step.status).toBe('done');
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: m.id, kind: 'step_done' } })).toBe(1);
  expect(h.fake.called('chat.postEphemeral')).toHaveLength(0);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it('shows a field error on the form when the lock outlasts the busy timeout, stores nothing, and stores it once on the next try', async () => {
  await shortBusyTimeout();
  const lock = await LockHolder.hold(h.t.file);
  const response = await post(report('Harbor Bakery', 'V_LOCKED_2'));
  await lock.release();
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ response_action: 'errors', errors: { [Inputs.whatHappened]: expect.stringMatching(SAVE_FAILED) } });
  expect(await h.t.db.mistake.count()).toBe(0);
  expect(await h.t.db.delivery.count()).toBe(0);
  expect(await h.t.db.timelineEvent.count()).toBe(0);

  // The person presses Report again on the same form.
  const again = await post(report('Harbor Bakery', 'V_LOCKED_2'));
  expect(again.json?.response_action).toBeUndefined();
  const twice = await post(report('Harbor Bakery', 'V_LOCKED_2'));
  expect(twice.json?.response_action).toBeUndefined();
  await h.deliver();
  expect(await h.t.db.mistake.count()).toBe(1);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it('refuses a click it cannot store when the lock outlasts the wait, tells the clicker, changes nothing, and works on the next click', async () => {
  const m = await seedMistake();
  await shortBusyTimeout();
  const before = await h.t.db.mistake.findUniqueOrThrow({ where: { id: m.id }, include: { steps: true, timeline: true } });
  const lock = await LockHolder.hold(h.t.file);
  const response = await post(apologize(m));
  // Not a 200: Slack shows the click did not go through, so it is never taken for done.
  expect(response.status).toBe(503);
  const text = await ephemeralTo('UALICE', 0);
  await lock.release();
  expect(text).toMatch(NOT_SAVED);
  expect(await h.t.db.mistake.findUniqueOrThrow({ where: { id: m.id }, include: { steps: true, timeline: true } })).toEqual(before);
  expect(await h.t.db.interaction.count()).toBe(0);

  const again = await post(apologize(m));
  expect(again.status).toBe(200);
  await h.deliver();
  const step = await h.t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId: m.id, kind: 'apologize' } });
  expect(step.status).toBe('done');
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it('records a click while the lock holder commits a write of its own, within the busy timeout', async () => {
  const m = await seedMistake();
  const lock = await LockHolder.hold(h.t.file, { releaseAfterMs: 300, writeFirst: true });
  const response = await post(apologize(m));
  expect(response.status).toBe(200);
  await h.deliver();
  await lock.done();
  const step = await h.t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId: m.id, kind: 'apologize' } });
  expect(step.status).toBe('done');
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: m.id, kind: 'step_done' } })).toBe(1);
  expect(h.fake.called('chat.postEphemeral')).toHaveLength(0);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it('sends what the outbox holds exactly once when the worker hits a locked database', async () => {
  await seedMistake('Harbor Bakery');
  await shortBusyTimeout();
  await h.bot.deps.mistakes.report(TEAM, 'UCAROL', {
    customer: 'Corner Deli',
    whatHappened: 'Sent the wrong cheese.',
    impact: 'A catering order was short.',
    severity: 'critical',
    category: 'delivery',
    ownerId: 'UBOB',
  });
  const lock = await LockHolder.hold(h.t.file);
  // A pass that cannot write gives up; nothing it did half-way may stick.
  await h.bot.worker.drain().catch(() => undefined);
  await lock.release();
  for (let i = 0; i < 10; i++) {
    clock.advance(2 * MINUTE_MS);
    await h.deliver();
    if ((await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })) === 0) break;
  }
  const rows = await h.t.db.delivery.findMany();
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const ledger = h.fake.ledger(rows);
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

it("keeps the delivery worker's writes when refused clicks roll back at the same moment", async () => {
  // Many deliveries in flight and many refused clicks racing them on the app's one connection.
  for (let i = 0; i < 4; i++) await seedMistakeQuietly(`Customer ${i}`);
  const mistakes = await h.t.db.mistake.findMany();
  // Slack answers a little slowly, so the pass is still going while the clicks land.
  h.fake.fail('*', { kind: 'slow', delayMs: 15 }, 1000);
  const draining = h.bot.worker.drain();
  const clicks: Array<Promise<unknown>> = [];
  for (let wave = 0; wave < 8; wave++) {
    for (const m of mistakes) clicks.push(post(apologize(m, 'UMALLORY')));
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all([draining, ...clicks]);
  h.fake.clearFaults();
  await h.deliver();
  // Leases of anything left mid-send run out, and the worker looks before it posts again.
  for (let i = 0; i < 10; i++) {
    clock.advance(2 * MINUTE_MS);
    await h.deliver();
    if ((await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })) === 0) break;
  }
  const rows = await h.t.db.delivery.findMany();
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const ledger = h.fake.ledger(rows);
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  const cards = h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
  expect(cards).toHaveLength(mistakes.length);
  expect(await h.t.db.recoveryStep.count({ where: { kind: 'apologize', status: 'done' } })).toBe(0);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += clicks.length;
});

it('rolls back only the refused change, never the delivery writes made while it was open', async () => {
  for (let i = 0; i < 3; i++) await seedMistakeQuietly(`Customer ${i}`);
  // A click being refused holds its transaction open for a moment while the worker runs.
  const refused = h.bot.db
    .$transaction(async (tx) => {
      await tx.mistake.findFirst();
      await new Promise((r) => setTimeout(r, 150));
      throw new Error('refused');
    })
    .catch(() => undefined);
  await new Promise((r) => setTimeout(r, 20));
  await h.bot.worker.drain();
  await refused;
  const rows = await h.t.db.delivery.findMany();
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  await h.deliver();
  const ledger = h.fake.ledger(await h.t.db.delivery.findMany());
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  await expectConsistent();
  totals.cases += 1;
  totals.faults += 1;
});

async function seedMistakeQuietly(customer: string) {
  await h.bot.deps.mistakes.report(TEAM, 'UALICE', {
    customer,
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: 'high',
    category: 'delivery',
    ownerId: 'UALICE',
  });
}

function summary(file: string, t: typeof totals): string {
  const cols = ['cases tried', 'faults survived', 'messages delivered', 'lost', 'duplicated'];
  const values = [t.cases, t.faults, t.delivered, t.lost, t.duplicated];
  const header = ['file'.padEnd(16), ...cols].join(' | ');
  const row = [file.padEnd(16), ...values.map((v, i) => String(v).padStart(cols[i]!.length))].join(' | ');
  return `\n${header}\n${row}\n`;
}
