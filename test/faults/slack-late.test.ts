// Slack slow or late, and a long backlog: a post whose answer was lost is found however far back
// it is, a post Slack acts on long after the bot gave up waiting is not posted a second time, and
// two replicas sharing a slow Slack never post the same delivery twice. Every post is counted in
// Slack by the delivery id it carries.
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { DATABASES, type TestDb } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { startHarness, type Harness } from '../support/harness';
import { faultTotals, summaryRow } from '../support/summary';

jest.setTimeout(120_000);

const TEAM = 'T_ACME';
const totals = faultTotals();

afterAll(() => {
  process.stdout.write(summaryRow('slack-late', totals));
});

async function report(h: Harness, customer: string, ownerId = 'UALICE'): Promise<number> {
  const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UALICE', {
    customer,
    whatHappened: 'The parcel went to the old address.',
    impact: 'They had nothing to sell on Saturday.',
    severity: 'high',
    category: 'delivery',
    ownerId,
  });
  return mistake.id;
}

/** Counts what reached Slack against the outbox; fails on anything lost or posted twice. */
async function expectExactlyOnce(h: Harness, t: TestDb = h.t): Promise<void> {
  const rows = await t.db.delivery.findMany({ orderBy: { id: 'asc' } });
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const ledger = h.fake.ledger(rows);
  totals.delivered += ledger.delivered;
  totals.lost += ledger.lost.length;
  totals.duplicated += ledger.duplicated.length;
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  expect(ledger.strangers).toEqual([]);
}

function cardsIn(fake: FakeSlack): number {
  return fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts).length;
}

describe('a long backlog', () => {
  let h: Harness;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T10:00:00Z');
    // Calls give up after 300 ms: the first card's answer comes after that.
    h = await startHarness({ clock, slackTimeoutMs: 300 });
  });

  afterEach(async () => {
    await h.close();
  });

  it('finds the first card behind 260 newer ones and does not post it again', async () => {
    const CARDS = 260;
    for (let i = 0; i < CARDS; i++) await report(h, `Customer ${i}`);
    // Slack takes the first card but answers too late: the bot cannot know it is there.
    h.fake.fail('chat.postMessage', { kind: 'slow', delayMs: 1500 }, 1);
    await h.bot.worker.drain();
    expect(cardsIn(h.fake)).toBe(CARDS);
    const first = await h.t.db.delivery.findFirstOrThrow({ where: { dedupeKey: 'card:1' } });
    expect(first.status).toBe('pending');
    expect(first.uncertain).toBe(true);

    // Retried later: 259 cards were posted after it, more than one page of channel history.
    for (let i = 0; i < 10 && (await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })) > 0; i++) {
      clock.advance(3 * MINUTE_MS);
      await h.bot.worker.drain();
    }
    expect(cardsIn(h.fake)).toBe(CARDS);
    const pages = h.fake.calls.filter((c) => c.method === 'conversations.history');
    expect(pages.length).toBeGreaterThan(1);
    await expectExactlyOnce(h);
    totals.cases += 1;
    totals.faults += 1;
  });
});

describe('Slack acting on a post after the bot gave up waiting for it', () => {
  let h: Harness;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T10:00:00Z');
    h = await startHarness({ clock, slackTimeoutMs: 200 });
  });

  afterEach(async () => {
    await h.close();
  });

  it('keeps looking instead of posting again while Slack may still act, and counts the late post as the one', async () => {
    await report(h, 'Harbor Bakery');
    h.fake.fail('chat.postMessage', { kind: 'late' }, 1);
    await h.bot.worker.drain();
    expect(h.fake.lateCount).toBe(1);
    expect(cardsIn(h.fake)).toBe(0);

    // 25 seconds pass in steps: every look finds nothing yet, and nothing is posted again.
    for (let i = 0; i < 5; i++) {
      clock.advance(5000);
      await h.bot.worker.drain();
      expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    }
    // Slack acts on the first call now, 25 seconds after it.
    h.fake.applyLate();
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      await h.bot.worker.drain();
    }
    expect(cardsIn(h.fake)).toBe(1);
    await expectExactlyOnce(h);
    totals.cases += 1;
    totals.faults += 6;
  });

  it('posts once more when Slack never acted on it, after SLACK_LATENESS', async () => {
    await report(h, 'Corner Deli');
    h.fake.fail('chat.postMessage', { kind: 'late' }, 1);
    await h.bot.worker.drain();
    // Within the window: looked for, not posted.
    clock.advance(60_000);
    await h.bot.worker.drain();
    expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    // Past it: Slack is not going to act on that call; the card is posted.
    for (let i = 0; i < 10 && (await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })) > 0; i++) {
      clock.advance(60_000);
      await h.bot.worker.drain();
    }
    expect(cardsIn(h.fake)).toBe(1);
    await expectExactlyOnce(h);
    totals.cases += 1;
    totals.faults += 1;
  });
});

describe.each(DATABASES)('two replicas and a slow Slack (%s)', (_name, fresh) => {
  let t: TestDb;
  let fake: FakeSlack;
  let a: Harness;
  let b: Harness;

  beforeEach(async () => {
    t = await fresh();
    fake = await new FakeSlack().start();
    // A one-second lease, and posts that take 400 ms each: a pass lasts many leases.
    const env = { LEASE: '1s', SLACK_LATENESS: '3s' };
    a = await startHarness({ t, fake, env });
    b = await startHarness({ t, fake, env });
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    await fake.stop();
    await t.close();
  });

  it('never takes over a delivery the other is still working on, and posts each once', async () => {
    for (let i = 0; i < 6; i++) await report(a, `Replica customer ${i}`, i % 2 ? 'UBOB' : 'UALICE');
    // Slack takes each post only as it answers, 400 ms later.
    fake.fail('chat.postMessage', { kind: 'slow', delayMs: 400, actsAtEnd: true }, 1000);
    const served = fake.faultsServed;
    await Promise.all([a.bot.worker.drain(), b.bot.worker.drain(), a.bot.worker.drain()]);
    fake.clearFaults();
    const slowPosts = fake.faultsServed - served;
    expect(slowPosts).toBeGreaterThan(5);
    // Whatever is left (a lease that did run out, a look-again) is finished by either replica.
    const deadline = Date.now() + 60_000;
    while ((await t.db.delivery.count({ where: { status: { not: 'sent' } } })) > 0 && Date.now() < deadline) {
      await Promise.all([a.bot.worker.tryAllNow(), b.bot.worker.tryAllNow()]);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(cardsIn(fake)).toBe(6);
    await expectExactlyOnce(a, t);
    totals.cases += 1;
    totals.faults += slowPosts;
  });
});
