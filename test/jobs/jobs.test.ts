// Reminders, escalations and the digest, with an injected clock so the tests move through days.
import { HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, decodeValue } from '../../src/slack/ids';
import { findAction, startHarness, type Harness } from '../support/harness';
import { freshSqlite } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { buttonClick, postToSlackEndpoint } from '../support/slackRequests';

const TEAM = 'T_ACME';
// Monday 23 November 2026, 09:00 in Berlin: the default digest slot (weekdays at 09:00).
const MONDAY_9 = '2026-11-23T08:00:00Z';

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function start(clock: ManualClock, options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ clock, ...options });
  harnesses.push(h);
  return h;
}

/** The workspace as first seen at `at` (digests are never caught up from before it). */
async function installedAt(h: Harness, at: string): Promise<void> {
  await h.bot.deps.settings.forTeam(TEAM);
  await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { createdAt: new Date(at) } });
}

async function seed(h: Harness, overrides: { customer?: string; ownerId?: string; severity?: string; reporterId?: string } = {}) {
  const { mistake } = await h.bot.deps.mistakes.report(TEAM, overrides.reporterId ?? overrides.ownerId ?? 'UBOB', {
    customer: overrides.customer ?? 'Harbor Bakery',
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: overrides.severity ?? 'high',
    category: 'delivery',
    ownerId: overrides.ownerId ?? 'UBOB',
  });
  return mistake;
}

const digests = (h: Harness) => h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001');
// The reporter's "Reported as Mistake #N" confirmation is not what these tests count.
const dms = (h: Harness, user: string) =>
  h.fake.called('chat.postMessage').filter((c) => c.args.channel === user && !String(c.args.text).startsWith('Reported as'));

describe('the daily digest', () => {
  it('is sent once when two instances on one database fire in the same slot', async () => {
    const clock = new ManualClock(MONDAY_9);
    const fake = await new FakeSlack().start();
    const t = await freshSqlite();
    try {
      const a = await start(clock, { fake, t });
      const b = await start(clock, { fake, t });
      await installedAt(a, '2026-11-20T08:00:00Z');
      const outcomes = await Promise.all([a.bot.jobs.digest(), b.bot.jobs.digest()]);
      expect(
        outcomes
          .flat()
          .map((o) => o.status)
          .sort(),
      ).toEqual(['already-sent', 'queued']);
      await Promise.all([a.deliver(), b.deliver()]);
      expect(digests(a)).toHaveLength(1);
      // A restart mid-day: the new process finds the slot claimed and sends nothing.
      clock.set('2026-11-23T12:00:00Z');
      const c = await start(clock, { fake, t });
      expect((await c.bot.jobs.digest()).map((o) => o.status)).toEqual(['already-sent']);
      await c.deliver();
      expect(digests(c)).toHaveLength(1);
      expect(await t.db.scheduledRun.count({ where: { job: 'digest' } })).toBe(1);
    } finally {
      while (harnesses.length) await harnesses.pop()!.close();
      await t.close();
      await fake.stop();
    }
  });

  it('sends one late digest, marked late, after being down over the digest time', async () => {
    const clock = new ManualClock('2026-11-23T10:30:00Z');
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    await seed(h);
    const [outcome] = await h.bot.jobs.digest();
    expect(outcome).toMatchObject({ status: 'queued', late: true, slot: 'digest:2026-11-23' });
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
    expect(JSON.stringify(digests(h)[0]!.args.blocks)).toMatch(/late/i);
    clock.advance(15 * MINUTE_MS);
    await h.bot.jobs.digest();
    // Tuesday before 09:00 the latest slot is still Monday's: nothing new.
    clock.set('2026-11-24T07:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
  });

  it('does not send digests for the time before a new installation started', async () => {
    const clock = new ManualClock('2026-11-23T09:30:00Z');
    const h = await start(clock);
    await installedAt(h, '2026-11-23T09:00:00Z');
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['not-due']);
    await h.deliver();
    expect(digests(h)).toHaveLength(0);
  });

  it('lists a customer still waiting for an apology, however old the mistake', async () => {
    const clock = new ManualClock('2026-07-20T10:00:00Z');
    const h = await start(clock);
    await seed(h, { customer: 'Old Mill Café' });
    clock.set(MONDAY_9);
    await installedAt(h, '2026-07-01T08:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    const text = JSON.stringify(digests(h)[0]!.args.blocks);
    expect(text).toContain('Old Mill Café');
    expect(text).toMatch(/waiting for an apology/i);
    expect(text).toMatch(/125 days ago/);
  });

  it('stays within Block Kit limits with 500 open mistakes and points at /mistake list', async () => {
    const clock = new ManualClock('2026-11-16T08:00:00Z');
    const h = await start(clock);
    for (let i = 0; i < 500; i++) await seed(h, { customer: `Customer ${i}`, ownerId: `UOWNER${i % 7}` });
    clock.set(MONDAY_9);
    await installedAt(h, '2026-11-01T08:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    const [post] = digests(h);
    expect(post).toBeDefined();
    const blocks = post!.args.blocks as any[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(blocks).length).toBeLessThanOrEqual(13_000);
    for (const b of blocks) if (b.text?.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(blocks)).toMatch(/… and \d+ more/);
    expect(JSON.stringify(blocks)).toContain('/mistake list');
  });
});

describe('reminders', () => {
  it('sends one DM per owner grouping every overdue item, and not again within the interval', async () => {
    // 07:00 in Berlin: the passes below fall at 12:00, 13:00 and 17:00, inside office hours.
    const clock = new ManualClock('2026-11-23T06:00:00Z');
    const h = await start(clock);
    await seed(h, { customer: 'Harbor Bakery', ownerId: 'UBOB' });
    await seed(h, { customer: 'Corner Deli', ownerId: 'UBOB' });
    await seed(h, { customer: 'Blue Door Books', ownerId: 'UCAROL' });
    h.fake.reset();
    clock.advance(5 * HOUR_MS); // high severity: 4h per step, so "Apologize" is overdue
    await h.bot.jobs.reminders('reminders:t1');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(1);
    expect(dms(h, 'UCAROL')).toHaveLength(1);
    const bob = JSON.stringify(dms(h, 'UBOB')[0]!.args.blocks);
    expect(bob).toContain('Harbor Bakery');
    expect(bob).toContain('Corner Deli');
    expect(bob).not.toContain('Blue Door Books');
    clock.advance(HOUR_MS);
    await h.bot.jobs.reminders('reminders:t2');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(1);
    clock.advance(4 * HOUR_MS);
    await h.bot.jobs.reminders('reminders:t3');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(2);
  });

  it('stops the moment the step is done, and never runs the same pass twice', async () => {
    const clock = new ManualClock('2026-11-23T08:00:00Z');
    const h = await start(clock);
    const m = await seed(h);
    clock.advance(5 * HOUR_MS);
    await h.bot.deps.mistakes.completeStep({ teamId: TEAM, mistakeId: m.id }, 'UBOB', 'apologize');
    await h.bot.jobs.reminders('reminders:same');
    await h.bot.jobs.reminders('reminders:same');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(0);
  });

  it('honours a snooze from the reminder DM', async () => {
    const clock = new ManualClock('2026-11-23T08:00:00Z');
    const h = await start(clock);
    await seed(h);
    clock.advance(5 * HOUR_MS);
    await h.bot.jobs.reminders('reminders:a');
    await h.deliver();
    const dm = dms(h, 'UBOB')[0]!;
    const overflow = findAction(dm.args.blocks, Actions.snooze);
    const tomorrow = overflow.options.find((o: any) => decodeValue(o.value)?.s === 0);
    expect(tomorrow).toBeDefined();
    const response = await postToSlackEndpoint(
      h.baseUrl,
      buttonClickOverflow(Actions.snooze, tomorrow.value, 'UBOB', dm.response!.channel ?? 'D_BOB', dm.response!.ts),
    );
    expect(response.status).toBe(200);
    await h.deliver();
    const step = await h.t.db.recoveryStep.findFirstOrThrow({ where: { kind: 'apologize' } });
    // Tomorrow (Tuesday) when office hours open: 09:00 in Berlin.
    expect(step.snoozedUntil?.toISOString()).toBe('2026-11-24T08:00:00.000Z');
    // The DM it was snoozed from now says until when, in place of its snooze menu; Apologize stays.
    const edits = h.fake.called('chat.update').filter((c) => c.args.ts === dm.response!.ts);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    const edited = edits[edits.length - 1]!.args;
    expect(JSON.stringify(edited.blocks)).toContain('snoozed until <!date^1795507200^');
    expect(JSON.stringify(edited.blocks)).not.toContain(Actions.snooze);
    expect(findAction(edited.blocks, Actions.apologizeForm)).toBeDefined();
    expect(String(edited.text)).toMatch(/^Snoozed: Harbor Bakery/);
    clock.advance(5 * HOUR_MS);
    await h.bot.jobs.reminders('reminders:b');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(1);
    clock.set('2026-11-24T08:30:00Z');
    await h.bot.jobs.reminders('reminders:c');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(2);
  });

  it('waits for office hours, except for critical mistakes', async () => {
    // Saturday 28 November, 11:00 in Berlin.
    const clock = new ManualClock('2026-11-27T18:00:00Z');
    const h = await start(clock);
    await seed(h, { customer: 'Weekend Florist', ownerId: 'UBOB', severity: 'high' });
    await seed(h, { customer: 'Night Pharmacy', ownerId: 'UCAROL', severity: 'critical' });
    clock.set('2026-11-28T10:00:00Z');
    const result = await h.bot.jobs.reminders('reminders:sat');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(0);
    expect(dms(h, 'UCAROL')).toHaveLength(1);
    expect(result.waitingForOfficeHours).toBe(1);
    // Monday morning in office hours, Bob hears about it.
    clock.set('2026-11-30T08:30:00Z');
    await h.bot.jobs.reminders('reminders:mon');
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(1);
  });

  it('escalates once the reminder cap is reached, posting "Escalation" once', async () => {
    // 05:00 in Berlin: the reminders below fall at 10:00 and 14:00, inside office hours.
    const clock = new ManualClock('2026-11-23T04:00:00Z');
    const h = await start(clock, { env: { REMINDER_CAP: '2', ESCALATE_AFTER: '30d', ESCALATION_CONTACT: 'SLEADS0001' } });
    await seed(h);
    for (const hours of [5, 4, 4, 4]) {
      clock.advance(hours * HOUR_MS);
      await h.bot.jobs.reminders(`reminders:${clock.now().toISOString()}`);
      await h.bot.jobs.escalations(`escalations:${clock.now().toISOString()}`);
    }
    await h.deliver();
    expect(dms(h, 'UBOB')).toHaveLength(2);
    const escalations = h.fake
      .called('chat.postMessage')
      .filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts && /Escalation/.test(String(c.args.text)));
    expect(escalations).toHaveLength(1);
    expect(JSON.stringify(escalations[0]!.args)).toContain('subteam^SLEADS0001');
    const m = await h.t.db.mistake.findFirstOrThrow();
    expect(m.state).toBe('escalated');
    expect(await h.t.db.timelineEvent.count({ where: { kind: 'escalated' } })).toBe(1);
  });
});

describe('durable delivery', () => {
  it('honours Retry-After on a 429, keeps other work going, and delivers once after a 5xx stretch', async () => {
    const clock = new ManualClock('2026-11-23T08:00:00Z');
    const h = await start(clock);
    h.fake.fail('chat.postMessage', { kind: 'status', status: 429, retryAfter: 30 }, 1);
    await seed(h);
    await h.deliver();
    const card = await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'card' } });
    expect(card.status).toBe('pending');
    expect(card.nextAttemptAt.getTime() - clock.now().getTime()).toBe(30_000);
    // The Home tab is not held up behind the rate-limited post.
    expect(h.fake.called('views.publish').length).toBeGreaterThan(0);
    h.fake.fail('chat.postMessage', { kind: 'status', status: 503 }, 4);
    for (let i = 0; i < 12; i++) {
      clock.advance(2 * MINUTE_MS);
      await h.deliver();
    }
    const cards = h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
    expect(cards).toHaveLength(1);
    expect(await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })).toBe(0);
  });

  it('does not post twice when Slack took a post but its answer came after the client gave up', async () => {
    const clock = new ManualClock('2026-11-23T08:00:00Z');
    const h = await start(clock, { slackTimeoutMs: 300 });
    h.fake.fail('chat.postMessage', { kind: 'slow', delayMs: 800 }, 1);
    await seed(h, { ownerId: 'UCAROL', reporterId: 'UBOB' });
    await h.deliver();
    const card = await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'card' } });
    expect(card).toMatchObject({ status: 'pending', uncertain: true });
    // Slack has the card already (its answer was lost), so the retry finds it instead of posting.
    for (let i = 0; i < 6; i++) {
      clock.advance(MINUTE_MS);
      await h.deliver();
    }
    const cards = h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
    expect(cards).toHaveLength(1);
    const m = await h.t.db.mistake.findFirstOrThrow();
    expect(m.threadTs).toBe(cards[0]!.response!.ts);
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === m.threadTs)).toHaveLength(1);
    expect(dms(h, 'UCAROL')).toHaveLength(1);
    expect(await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })).toBe(0);
  });

  it('keeps a delivery that keeps failing visible in /healthz', async () => {
    const clock = new ManualClock('2026-11-23T08:00:00Z');
    const h = await start(clock);
    h.fake.fail('chat.postMessage', { kind: 'error', error: 'not_in_channel' }, 1);
    await seed(h);
    await h.deliver();
    const health = await (await fetch(`${h.baseUrl}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, database: 'reachable', deliveries: { failed: 1 } });
    expect(h.logger.lines.some((l) => l.level === 'error' && /needs a person/.test(l.message))).toBe(true);
    // The reporter hears why the card is missing and what to do, once.
    const told = dms(h, 'UBOB');
    expect(told).toHaveLength(1);
    expect(told[0]!.args.text).toMatch(/is saved .* Invite me there/);
    // Once the bot is invited, the next retry posts the card without anyone touching it.
    clock.advance(16 * MINUTE_MS);
    await h.deliver();
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts)).toHaveLength(1);
    expect(await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })).toBe(0);
    expect(dms(h, 'UBOB')).toHaveLength(1);
  });
});

function buttonClickOverflow(actionId: string, value: string, userId: string, channelId: string, ts: string) {
  const post = buttonClick(actionId, value, { userId, channelId, messageTs: ts });
  const payload = JSON.parse(new URLSearchParams(post.body).get('payload')!);
  payload.actions = [
    { type: 'overflow', action_id: actionId, block_id: 'b', selected_option: { value, text: { type: 'plain_text', text: 'x' } }, action_ts: '1' },
  ];
  return { ...post, body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString() };
}
