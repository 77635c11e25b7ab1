// Rows the bot cannot read (a JSON column corrupted by hand, a half-restored backup, another
// version's data): each one is logged and skipped, and everything around it carries on: the
// thread replies after it, the card, the escalation post, the digest, the other clicks.
import { ManualClock } from '../../src/services/clock';
import { blockText } from '../support/blockText';
import { startHarness, type Harness } from '../support/harness';
import { faultTotals, summaryRow } from '../support/summary';

const TEAM = 'T_ACME';
const totals = faultTotals();

let h: Harness;
let clock: ManualClock;

beforeEach(async () => {
  // Monday 23 November 2026, 11:00 in Berlin.
  clock = new ManualClock('2026-11-23T10:00:00Z');
  h = await startHarness({ clock });
  await h.bot.deps.settings.forTeam(TEAM);
  await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { createdAt: new Date('2026-11-20T08:00:00Z') } });
});

afterEach(async () => {
  // Whatever else was queued went out, once.
  const rows = await h.t.db.delivery.findMany({ orderBy: { id: 'asc' } });
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const ledger = h.fake.ledger(rows);
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
  totals.cases += 1;
  totals.delivered += ledger.delivered;
  await h.close();
});

afterAll(() => {
  process.stdout.write(summaryRow('unreadable-rows', totals));
});

const mistakes = () => h.bot.deps.mistakes;

async function report(customer: string, reporterId = 'UBOB', ownerId = 'UBOB'): Promise<{ teamId: string; mistakeId: number }> {
  const { mistake } = await mistakes().report(TEAM, reporterId, {
    customer,
    whatHappened: 'We shipped their flour to the wrong address.',
    impact: 'Their market stall had nothing to bake with.',
    severity: 'high',
    category: 'delivery',
    ownerId,
  });
  return { teamId: TEAM, mistakeId: mistake.id };
}

/** Corrupts a JSON column the way a hand edit or a bad restore would. */
async function corrupt(table: 'timelineEvent' | 'delivery' | 'directMessage' | 'scheduledRun' | 'interaction', id: number, text: string) {
  const column = table === 'timelineEvent' || table === 'scheduledRun' ? 'details' : 'payload';
  await (h.t.db[table] as any).update({ where: { id }, data: { [column]: text } });
  totals.faults += 1;
}

/** The errors logged about rows that could not be read, with the row's id. */
const unreadable = (message: RegExp) => h.logger.lines.filter((l) => l.level === 'error' && message.test(l.message)).map((l) => l.fields.id);

async function threadOf(mistakeId: number): Promise<{ ts: string; replies: string[]; card: string }> {
  const m = await h.t.db.mistake.findUniqueOrThrow({ where: { id: mistakeId } });
  const ts = m.threadTs!;
  const replies = h.fake
    .called('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts)
    .map((c) => String(c.args.text));
  const edits = h.fake.called('chat.update').filter((c) => c.args.ts === ts);
  return { ts, replies, card: blockText(edits[edits.length - 1]!.args.blocks) };
}

it('skips a thread reply whose event cannot be read, and posts the replies after it and the card', async () => {
  const ref = await report('Harbor Bakery');
  await h.deliver();
  await mistakes().completeStep(ref, 'UBOB', 'apologize');
  await mistakes().completeStep(ref, 'UBOB', 'ask', { customerAnswer: 'A new delivery by Friday.' });
  const apology = await h.t.db.timelineEvent.findFirstOrThrow({ where: { mistakeId: ref.mistakeId, kind: 'step_done' }, orderBy: { id: 'asc' } });
  await corrupt('timelineEvent', apology.id, '{"step":');

  await h.deliver();

  const { replies, card } = await threadOf(ref.mistakeId);
  expect(replies.some((t) => /asked Harbor Bakery what they would like: “A new delivery by Friday\.”/.test(t))).toBe(true);
  expect(replies.some((t) => /apologized/.test(t))).toBe(false);
  // The card reads the steps themselves: the apology shows there.
  expect(card).toContain('Apologized');
  expect(card).toContain('Make it right');
  expect(unreadable(/timeline event could not be read/)).toContain(apology.id);
  const skipped = await h.t.db.delivery.findUniqueOrThrow({ where: { teamId_dedupeKey: { teamId: TEAM, dedupeKey: `reply:${apology.id}` } } });
  expect(skipped).toMatchObject({ status: 'sent', lastError: 'the timeline event no longer exists or could not be read' });

  // The next change is posted as usual.
  await mistakes().completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'refund', remedyValue: 'Delivery fee refunded' });
  await h.deliver();
  expect((await threadOf(ref.mistakeId)).replies.some((t) => /made it right: Refund: Delivery fee refunded/.test(t))).toBe(true);
});

it('says an escalation was resolved, when the event that resolved it cannot be read', async () => {
  const ref = await report('Corner Deli');
  await mistakes().completeStep(ref, 'UBOB', 'apologize');
  await mistakes().completeStep(ref, 'UBOB', 'ask', { customerAnswer: 'Their money back.' });
  await mistakes().completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'credit', remedyValue: 'Store credit' });
  await mistakes().markNotSatisfied(ref, 'UBOB', 'They want their money back, not credit.');
  await h.deliver();
  const escalation = await h.t.db.escalation.findFirstOrThrow({ where: { mistakeId: ref.mistakeId } });
  expect(escalation.messageTs).not.toBeNull();

  await mistakes().completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'refund', remedyValue: 'Money back' });
  await mistakes().markSatisfied(ref, 'UBOB', 'Happy now');
  const satisfied = await h.t.db.timelineEvent.findFirstOrThrow({ where: { mistakeId: ref.mistakeId, kind: 'satisfied' } });
  await corrupt('timelineEvent', satisfied.id, 'not json');
  await h.deliver();

  const edits = h.fake.called('chat.update').filter((c) => c.args.ts === escalation.messageTs);
  const post = blockText(edits[edits.length - 1]!.args.blocks);
  expect(post).toContain('Escalation resolved');
  expect(post).toContain('Resolved:* the mistake moved on');
  const { replies, card } = await threadOf(ref.mistakeId);
  expect(replies.some((t) => /confirmed .* is satisfied/.test(t))).toBe(false);
  expect(card).toContain('Root-cause analysis');
  expect(unreadable(/timeline event could not be read/)).toContain(satisfied.id);
});

it('leaves an event it cannot read out of the digest, and still posts the digest', async () => {
  const first = await report('Harbor Bakery');
  const second = await report('Blue Door Books');
  for (const ref of [first, second]) await mistakes().completeStep(ref, 'UBOB', 'apologize');
  const apology = await h.t.db.timelineEvent.findFirstOrThrow({ where: { mistakeId: first.mistakeId, kind: 'step_done' } });
  await corrupt('timelineEvent', apology.id, '{"step":"apologize","note":42}');

  await h.bot.jobs.digest({ onDemand: true });
  await h.deliver();

  const digests = h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001');
  expect(digests).toHaveLength(1);
  expect(blockText(digests[0]!.args.blocks)).toContain('1 customer apologized to');
  expect(h.logger.lines.some((l) => l.level === 'error' && /digest leaves it out/.test(l.message) && l.fields.id === apology.id)).toBe(true);
});

it('skips a queued delivery whose payload cannot be read, and sends the rest of the queue', async () => {
  const ref = await report('Harbor Bakery', 'UALICE', 'UBOB');
  const reply = await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'reply', mistakeId: ref.mistakeId } });
  await corrupt('delivery', reply.id, '{"mistakeId":');

  await h.deliver();

  // The card was posted (its thread exists), with no reply under it.
  const { threadTs } = await h.t.db.mistake.findUniqueOrThrow({ where: { id: ref.mistakeId } });
  expect(threadTs).not.toBeNull();
  expect(h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === threadTs)).toEqual([]);
  // The owner's DM and the reporter's confirmation went out.
  const dmTo = (user: string) => h.fake.called('chat.postMessage').filter((c) => c.args.channel === user);
  expect(dmTo('UBOB').some((c) => /asked you to own the recovery/.test(String(c.args.text)))).toBe(true);
  expect(dmTo('UALICE').some((c) => /^Reported as Mistake #/.test(String(c.args.text)))).toBe(true);
  expect(unreadable(/queued delivery could not be read/)).toContain(reply.id);
  expect(await h.t.db.delivery.findUniqueOrThrow({ where: { id: reply.id } })).toMatchObject({
    status: 'sent',
    lastError: 'its payload could not be read',
  });
});

it('does not edit a recorded DM it cannot read, and the change itself still goes out', async () => {
  const ref = await report('Harbor Bakery', 'UALICE', 'UBOB');
  await h.deliver();
  const dm = await h.t.db.directMessage.findFirstOrThrow({ where: { mistakeId: ref.mistakeId, userId: 'UBOB' } });
  await corrupt('directMessage', dm.id, '{"mistakeId":"seven"}');

  await mistakes().completeStep(ref, 'UBOB', 'own');
  await h.deliver();

  expect(h.fake.called('chat.update').filter((c) => c.args.ts === dm.ts)).toEqual([]);
  const { replies, card } = await threadOf(ref.mistakeId);
  expect(replies.some((t) => /owns this recovery/.test(t))).toBe(true);
  expect(card).toContain('Owned');
  expect(unreadable(/recorded direct message could not be read/)).toContain(dm.id);
});

it('marks a stored click it cannot read as failed, and applies the other clicks', async () => {
  const first = await report('Harbor Bakery');
  const second = await report('Blue Door Books');
  await h.deliver();
  const stale = new Date(clock.now().getTime() - 60_000);
  const click = (key: string, mistakeId: number) =>
    h.t.db.interaction.create({
      data: { teamId: TEAM, key, userId: 'UBOB', kind: 'apologize', payload: JSON.stringify({ mistakeId }), leaseUntil: stale, receivedAt: stale },
    });
  const broken = await click('click:broken', first.mistakeId);
  await click('click:fine', second.mistakeId);
  await corrupt('interaction', broken.id, '{"mistakeId":null}');

  expect(await h.bot.clicks.recover()).toBe(1);
  await h.deliver();

  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: second.mistakeId } })).apologizedAt).not.toBeNull();
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: first.mistakeId } })).apologizedAt).toBeNull();
  expect(await h.t.db.interaction.findUniqueOrThrow({ where: { id: broken.id } })).toMatchObject({
    status: 'failed',
    outcome: 'not a click this version of the bot knows',
  });
  expect(unreadable(/stored click could not be read/)).toContain(broken.id);
});

it("still says where today's digest is when its run cannot be read", async () => {
  await h.bot.jobs.digest({ onDemand: true });
  await h.deliver();
  const run = await h.t.db.scheduledRun.findFirstOrThrow({ where: { job: 'digest' } });
  await corrupt('scheduledRun', run.id, '["not", "an", "object"]');

  const [again] = await h.bot.jobs.digest({ onDemand: true });

  expect(again).toMatchObject({ status: 'already-sent', existing: { completed: true, delivery: { status: 'sent', channel: 'CDIGEST0001' } } });
  expect(again!.existing).not.toHaveProperty('supersededBy');
  expect(unreadable(/scheduled run could not be read/)).toContain(run.id);
  expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(1);
});
