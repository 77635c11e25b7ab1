import { PlaybookError } from '../../src/domain/playbook';
import { decodeTimelineDetails } from '../../src/domain/timeline';
import { WEBHOOK_TYPES, webhookId } from '../../src/domain/webhooks';
import { memoryLogger } from '../../src/logger';
import { WebhookWorker } from '../../src/notify/webhooks';
import { ManualClock } from '../../src/services/clock';
import { MistakeService } from '../../src/services/mistakes';
import { Outbox } from '../../src/services/outbox';
import { SettingsService } from '../../src/services/settings';
import { DATABASES, type TestDb } from '../support/db';
import { type Answer, WEBHOOK_TEST_SECRET, WebhookReceiver } from '../support/webhookReceiver';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T0ACME';
const ALICE = 'UALICE';
const BOB = 'UBOB';
const CAROL = 'UCAROL';

const defaults = workspaceDefaults({ adminUserIds: ['UADMIN'] });

const report = {
  customer: 'Harbor Bakery',
  whatHappened: 'We shipped their order to the wrong address.',
  impact: 'Their weekend market stall had no flour.',
  severity: 'high',
  category: 'delivery',
};

const rca = (preventionOwner: string) => ({
  whatHappened: 'The order went to an old address.',
  causes: 'Address field not validated',
  whatChanges: 'Validate addresses against the customer record',
  prevention: [{ description: 'Add address validation', ownerId: preventionOwner, dueAt: new Date('2027-12-01T12:00:00Z') }],
});

describe.each(DATABASES)('on %s', (_name, fresh) => {
  let t: TestDb;
  let clock: ManualClock;
  let service: MistakeService;
  let outbox: Outbox;
  let receiver: WebhookReceiver;
  let logger: ReturnType<typeof memoryLogger>;

  beforeEach(async () => {
    t = await fresh();
    // Receivers reject stale signatures: the clock starts at the real time.
    clock = new ManualClock(new Date().toISOString());
    service = new MistakeService(t.db, new SettingsService(t.db, defaults, 0), clock, { webhooks: true });
    logger = memoryLogger();
    outbox = new Outbox(t.db, logger);
    receiver = await new WebhookReceiver().start();
  });

  afterEach(async () => {
    await receiver.stop();
    await t.close();
  });

  const worker = (options: { timeoutMs?: number; batchSize?: number } = {}) =>
    new WebhookWorker(outbox, { url: receiver.url, secret: WEBHOOK_TEST_SECRET }, clock, logger, {
      timeoutMs: options.timeoutMs ?? 5000,
      batchSize: options.batchSize,
    });

  /** Three mistakes through most of the lifecycle, interleaved; returns their ids. */
  async function lifecycles(): Promise<number[]> {
    const a = (await service.report(TEAM, ALICE, { ...report, ownerId: BOB })).mistake.id;
    const b = (await service.report(TEAM, ALICE, { ...report, customer: 'Pier Cafe' })).mistake.id;
    const c = (await service.report(TEAM, CAROL, { ...report, customer: 'Dock Deli', severity: 'critical' })).mistake.id;
    const ref = (id: number) => ({ teamId: TEAM, mistakeId: id });
    await service.completeStep(ref(a), BOB, 'own');
    await service.completeStep(ref(b), ALICE, 'apologize');
    await service.completeStep(ref(a), BOB, 'apologize');
    await service.completeStep(ref(a), BOB, 'ask', { customerAnswer: 'Deliver by Friday' });
    await service.escalate(TEAM, c, { key: 'own:1', reason: 'unowned', text: 'Nobody owns this yet' });
    await service.completeStep(ref(a), BOB, 'make_right', { remedyKind: 'refund', remedyValue: 'Fee refunded' });
    await service.markSatisfied(ref(a), BOB, 'Happy');
    await service.completeStep(ref(b), ALICE, 'ask', { customerAnswer: 'Nothing more' });
    await service.skipStep(ref(b), ALICE, 'make_right', 'They asked for nothing more');
    await service.markSatisfied(ref(b), ALICE);
    await service.reopen(ref(b), ALICE, 'They called back: the order is still missing');
    await service.submitRca(ref(a), BOB, rca(CAROL));
    const prevention = await t.db.preventionAction.findFirstOrThrow({ where: { mistakeId: a } });
    await service.completePrevention(ref(a), CAROL, prevention.id);
    await service.reassign(ref(c), 'UADMIN', BOB);
    return [a, b, c];
  }

  /** The events that must reach the receiver: every timeline event of a kind that is sent. */
  async function expectedEvents() {
    const events = await t.db.timelineEvent.findMany({ orderBy: { id: 'asc' } });
    return events.filter((e) => WEBHOOK_TYPES[e.kind as keyof typeof WEBHOOK_TYPES]);
  }

  async function untilAllSent(w: WebhookWorker, rounds = 40): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await w.tryAllNow();
      const left = await t.db.delivery.count({ where: { kind: 'webhook', status: { not: 'sent' } } });
      if (left === 0) return;
    }
    throw new Error('webhooks were still waiting after every round');
  }

  it('queues one webhook per lifecycle event, in the same transaction, and never one twice for one change', async () => {
    const [a] = await lifecycles();
    const expected = await expectedEvents();
    const kinds = new Set(expected.map((e) => e.kind));
    for (const kind of [
      'reported',
      'owned',
      'step_done',
      'step_skipped',
      'escalated',
      'satisfied',
      'reopened',
      'rca_submitted',
      'prevention_done',
      'closed',
      'reassigned',
    ]) {
      expect(kinds).toContain(kind);
    }
    const webhooks = await t.db.delivery.findMany({ where: { kind: 'webhook' }, orderBy: { id: 'asc' } });
    expect(webhooks).toHaveLength(expected.length);
    expect(new Set(webhooks.map((w) => w.dedupeKey)).size).toBe(webhooks.length);
    expect(webhooks.map((w) => JSON.parse(w.payload).eventId).sort((x, y) => x - y)).toEqual(expected.map((e) => e.id));

    // Two people clicking the same step at once: one change wins, and it queues one webhook.
    const m = await t.db.mistake.findUniqueOrThrow({ where: { id: a! } });
    const before = await t.db.delivery.count({ where: { kind: 'webhook' } });
    const id = (await service.report(TEAM, ALICE, report)).mistake.id;
    const version = (await t.db.mistake.findUniqueOrThrow({ where: { id } })).version;
    const ref = { teamId: TEAM, mistakeId: id, expectedVersion: version };
    const both = await Promise.allSettled([service.completeStep(ref, ALICE, 'apologize'), service.completeStep(ref, ALICE, 'apologize')]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as PlaybookError).code)).toEqual(['conflict']);
    expect(await t.db.delivery.count({ where: { kind: 'webhook' } })).toBe(before + 2); // reported + apologize
    // A refused change queues nothing.
    await expect(service.completeStep({ teamId: TEAM, mistakeId: m.id }, ALICE, 'apologize')).rejects.toBeInstanceOf(PlaybookError);
    expect(await t.db.delivery.count({ where: { kind: 'webhook' } })).toBe(before + 2);
  });

  it('once stopped, waits for the pass under way and starts no other, so the database can close after it', async () => {
    const { mistake } = await service.report(TEAM, ALICE, report);
    // The receiver never answers the first one: the pass waits out its timeout.
    receiver.answerWith((n) => (n === 0 ? 'timeout' : 200));
    const w = worker({ timeoutMs: 300 });
    const passing = w.drain();
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    const sending = await t.db.delivery.findFirst({ where: { kind: 'webhook' }, orderBy: { id: 'asc' } });
    expect(sending?.status).toBe('sending');
    const stopping = w.stop();
    // Queued while it stops: left in the outbox for the next process, not sent by this one.
    await service.completeStep({ teamId: TEAM, mistakeId: mistake.id }, ALICE, 'apologize');
    w.kick();
    expect(await w.drain()).toEqual({ sent: 0, retried: 0, failed: 0, deferred: 0 });
    await stopping;
    // Read as soon as it stopped (asserted once the pass is over, whatever it found).
    const after = await t.db.delivery.findUniqueOrThrow({ where: { id: sending!.id } });
    await passing;
    // Stopped only once the pass had ended: the webhook it was sending is no longer held.
    expect(after.status).toBe('pending');
    expect(after.attempts).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.received).toHaveLength(1);
    expect(await t.db.delivery.count({ where: { kind: 'webhook', status: 'pending' } })).toBeGreaterThan(1);
  });

  it('queues none when webhooks are off', async () => {
    service = new MistakeService(t.db, new SettingsService(t.db, defaults, 0), clock);
    await lifecycles();
    expect(await t.db.delivery.count({ where: { kind: 'webhook' } })).toBe(0);
  });

  it('through an outage (5xx, no answer, dropped connections) loses nothing, keeps ids and bodies, and keeps each mistake in order', async () => {
    // The first 14 requests fail, each way in turn; then the receiver is back.
    const failures: Answer[] = [500, 'timeout', 503, 'reset', 502];
    receiver.answerWith((n) => (n < 14 ? failures[n % failures.length]! : 200));
    const ids = await lifecycles();
    const w = worker({ timeoutMs: 1000 });
    await untilAllSent(w);

    const expected = await expectedEvents();
    // Every request carried a valid signature, made with the secret, over its id, time and body.
    expect(receiver.received.filter((r) => !r.verified).map((r) => r.verifyError)).toEqual([]);
    expect(receiver.received.filter((r) => r.answer !== 200).length).toBe(14);
    // Nothing lost: every event arrived, accepted, at least once.
    const wanted = expected.map((e) => webhookId(TEAM, e.id));
    expect(new Set(receiver.accepted().map((r) => r.id))).toEqual(new Set(wanted));
    // Nothing made up, and the id stayed the id: every attempt at one event sent the same bytes.
    const bodies = new Map<string, Set<string>>();
    for (const r of receiver.received) bodies.set(r.id, (bodies.get(r.id) ?? new Set()).add(r.body));
    expect([...bodies.keys()].every((id) => wanted.includes(id))).toBe(true);
    expect([...bodies.values()].every((set) => set.size === 1)).toBe(true);
    const retried = [...bodies.keys()].filter((id) => receiver.received.filter((r) => r.id === id).length > 1);
    expect(retried.length).toBeGreaterThan(0);
    // Each mistake's events arrived in the order they happened.
    const events = receiver.events();
    for (const id of ids) {
      const arrived = events.filter((e) => e.mistakeId === id).map((e) => e.id);
      const happened = expected.filter((e) => e.mistakeId === id).map((e) => webhookId(TEAM, e.id));
      expect(arrived).toEqual(happened);
    }
    // The outage was logged; the deliveries ended sent.
    expect(logger.lines.some((r) => r.message === 'webhook will be retried')).toBe(true);
    expect(await t.db.delivery.count({ where: { kind: 'webhook', status: 'sent' } })).toBe(expected.length);
  });

  it('describes each event: type, time, the mistake as it stood then, the actor and what happened', async () => {
    const [a, , c] = await lifecycles();
    await untilAllSent(worker());
    const events = receiver.events();
    const ofA = events.filter((e) => e.mistakeId === a).map((e) => e.body);
    expect(ofA.map((b) => b.type)).toEqual([
      'mistake.reported',
      'mistake.step_completed',
      'mistake.step_completed',
      'mistake.step_completed',
      'mistake.step_completed',
      'mistake.satisfied',
      'mistake.rca_submitted',
      'mistake.prevention_done',
      'mistake.closed',
    ]);
    const [reported, owned, , , madeRight] = ofA;
    expect(reported).toMatchObject({
      id: webhookId(TEAM, Number(reported.id.split('_').pop())),
      team_id: TEAM,
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      mistake: {
        id: a,
        customer: 'Harbor Bakery',
        severity: 'high',
        category: 'delivery',
        state: 'reported',
        owner_id: BOB,
        reporter_id: ALICE,
        thread_url: null,
      },
      actor: { type: 'user', user_id: ALICE },
      data: { owner_id: BOB, severity: 'high', owned_at_report: false },
    });
    expect(owned).toMatchObject({ mistake: { state: 'recovering' }, actor: { user_id: BOB }, data: { step: 'own' } });
    expect(madeRight.data).toEqual({ step: 'make_right', remedy_kind: 'refund', remedy_value: 'Fee refunded' });
    expect(ofA[ofA.length - 1]).toMatchObject({ type: 'mistake.closed', mistake: { state: 'closed' }, data: {} });
    const escalated = events.find((e) => e.mistakeId === c && e.type === 'mistake.escalated')!.body;
    expect(escalated.actor).toEqual({ type: 'bot', user_id: null });
    expect(escalated.data).toEqual({ level: 1, reason: 'unowned', text: 'Nobody owns this yet' });
    const reassigned = events.find((e) => e.mistakeId === c && e.type === 'mistake.reassigned')!.body;
    expect(reassigned.mistake.owner_id).toBe(BOB);
    // The event's own time, not the time it was sent.
    const stored = await t.db.timelineEvent.findMany({ orderBy: { id: 'asc' } });
    for (const e of events) {
      const row = stored.find((s) => webhookId(TEAM, s.id) === e.id)!;
      expect(e.body.occurred_at).toBe(row.at.toISOString());
      expect(decodeTimelineDetails(row.kind, row.details)).not.toBeNull();
    }
  });

  it('with a thread posted, links it', async () => {
    const id = (await service.report(TEAM, ALICE, report)).mistake.id;
    await t.db.mistake.update({ where: { id }, data: { threadTs: '1732456989.000100' } });
    await service.completeStep({ teamId: TEAM, mistakeId: id }, ALICE, 'apologize');
    await untilAllSent(worker());
    const [first, second] = receiver.events();
    expect(first!.body.mistake.thread_url).toBeNull();
    expect(second!.body.mistake.thread_url).toBe('https://slack.com/app_redirect?channel=CESCALATIONS&message_ts=1732456989.000100');
  });

  it('on schedule, waits out its backoff after a failure, stops the pass there, and lets a later event of that mistake wait', async () => {
    receiver.answerWith((n) => (n === 0 ? 503 : 200));
    const a = (await service.report(TEAM, ALICE, report)).mistake.id;
    await service.completeStep({ teamId: TEAM, mistakeId: a }, ALICE, 'apologize');
    const b = (await service.report(TEAM, BOB, { ...report, customer: 'Pier Cafe' })).mistake.id;
    const w = worker();
    let stats = await w.drain();
    // The first failed; the pass stopped there (a receiver that is down is not hammered).
    expect(stats).toMatchObject({ sent: 0, retried: 1 });
    expect(receiver.received).toHaveLength(1);
    stats = await w.drain();
    // Within its backoff it is not tried; the next event of its mistake waits behind it; the other mistake goes.
    expect(receiver.received.map((r) => JSON.parse(r.body).mistake.id)).toEqual([a, b]);
    expect(stats.sent).toBe(1);
    expect(stats.deferred).toBeGreaterThan(0);
    clock.advance(60_000);
    await w.drain();
    expect(receiver.events().map((e) => [e.mistakeId, e.type])).toEqual([
      [b, 'mistake.reported'],
      [a, 'mistake.reported'],
      [a, 'mistake.step_completed'],
    ]);
    const row = await t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook', mistakeId: a }, orderBy: { id: 'asc' } });
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('pages past a mistake whose events wait behind a failing one, so other mistakes are not held up', async () => {
    receiver.answerWith((n) => (n === 0 ? 503 : 200));
    const a = (await service.report(TEAM, ALICE, report)).mistake.id;
    for (const step of ['apologize', 'ask', 'make_right'] as const) {
      await service.completeStep({ teamId: TEAM, mistakeId: a }, ALICE, step, {
        customerAnswer: 'More flour',
        remedyKind: 'refund',
        remedyValue: 'Refund',
      });
    }
    const b = (await service.report(TEAM, BOB, { ...report, customer: 'Pier Cafe' })).mistake.id;
    const w = worker({ batchSize: 2 });
    await w.drain();
    expect(receiver.received.map((r) => JSON.parse(r.body).mistake.id)).toEqual([a]);
    await w.drain();
    expect(receiver.events().map((e) => e.mistakeId)).toEqual([b]);
    clock.advance(60_000);
    await w.drain();
    expect(receiver.events().map((e) => [e.mistakeId, e.type])).toEqual([
      [b, 'mistake.reported'],
      [a, 'mistake.reported'],
      [a, 'mistake.step_completed'],
      [a, 'mistake.step_completed'],
      [a, 'mistake.step_completed'],
    ]);
  });

  it('counts one that keeps failing as failed (for /healthz) and still retries it', async () => {
    receiver.answerWith(() => 500);
    await service.report(TEAM, ALICE, report);
    const w = worker();
    for (let i = 0; i < 10; i++) await w.tryAllNow();
    expect(await t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } })).toMatchObject({ status: 'failed', attempts: 10 });
    expect((await outbox.health()).failed).toBe(1);
    receiver.answerWith(() => 200);
    await w.tryAllNow();
    expect(await t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } })).toMatchObject({ status: 'sent', attempts: 11 });
    expect(receiver.accepted()).toHaveLength(1);
  });

  it('gives up on a receiver that does not answer after its timeout, and tries again later', async () => {
    receiver.answerWith((n) => (n === 0 ? 'timeout' : 200));
    await service.report(TEAM, ALICE, report);
    const w = worker({ timeoutMs: 1000 });
    expect(await w.drain()).toMatchObject({ sent: 0, retried: 1 });
    expect(await t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } })).toMatchObject({
      status: 'pending',
      lastError: 'no answer within 1000 ms',
    });
    clock.advance(60_000);
    expect(await w.drain()).toMatchObject({ sent: 1 });
    expect(receiver.received.map((r) => r.id)).toEqual([receiver.received[0]!.id, receiver.received[0]!.id]);
  });

  it('two replicas sending at once lose nothing and keep each mistake in order', async () => {
    receiver.answerWith((n) => (n % 4 === 1 ? 503 : 200));
    const ids = await lifecycles();
    const one = worker();
    const two = worker();
    for (let round = 0; round < 40; round++) {
      await Promise.all([one.tryAllNow(), two.tryAllNow()]);
      if ((await t.db.delivery.count({ where: { kind: 'webhook', status: { not: 'sent' } } })) === 0) break;
    }
    const expected = await expectedEvents();
    expect(new Set(receiver.accepted().map((r) => r.id))).toEqual(new Set(expected.map((e) => webhookId(TEAM, e.id))));
    // A delivery is claimed by one replica at a time: each event is accepted once here.
    expect(receiver.accepted()).toHaveLength(expected.length);
    const events = receiver.events();
    for (const id of ids) {
      expect(events.filter((e) => e.mistakeId === id).map((e) => e.id)).toEqual(
        expected.filter((e) => e.mistakeId === id).map((e) => webhookId(TEAM, e.id)),
      );
    }
  });

  it('with WEBHOOK_URL unset since they were queued, drops queued webhooks with a note', async () => {
    await service.report(TEAM, ALICE, report);
    const off = new WebhookWorker(outbox, null, clock, logger);
    expect(await off.drain()).toMatchObject({ sent: 1 });
    expect(receiver.received).toHaveLength(0);
    expect(await t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } })).toMatchObject({
      status: 'sent',
      lastError: 'not sent: WEBHOOK_URL is not set',
    });
  });
});
