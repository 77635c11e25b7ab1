// The after-close check-in pass, with an injected clock: asked once CHECK_IN_AFTER after the
// customer was satisfied, within the owner's office hours, once however many instances run the
// pass; "not yet" asks once more after the same time and never a third time; off asks nothing.
import { DAY_MS, HOUR_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, decodeValue } from '../../src/slack/ids';
import { freshSqlite } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { findAction, startHarness, type Harness } from '../support/harness';
import { buttonClick, postToSlackEndpoint } from '../support/slackRequests';

const TEAM = 'T_ACME';
// Monday 23 November 2026, 10:00 in Berlin.
const MONDAY_10 = '2026-11-23T09:00:00Z';

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function start(clock: ManualClock, options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ clock, ...options });
  harnesses.push(h);
  return h;
}

/** A mistake owned by UBOB, recovered up to "customer satisfied" at the clock's time. */
async function satisfied(h: Harness, customer = 'Harbor Bakery'): Promise<number> {
  const m = h.bot.deps.mistakes;
  const { mistake } = await m.report(TEAM, 'UBOB', {
    customer,
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: 'high',
    category: 'delivery',
    ownerId: 'UBOB',
  });
  const ref = { teamId: TEAM, mistakeId: mistake.id };
  await m.completeStep(ref, 'UBOB', 'apologize');
  await m.completeStep(ref, 'UBOB', 'ask', { customerAnswer: 'The flour by Friday.' });
  await m.completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'refund', remedyValue: 'Delivery fee back' });
  await m.markSatisfied(ref, 'UBOB');
  return mistake.id;
}

/** The check-in DMs UBOB got (each with its three buttons when sent). */
const checkInDms = (h: Harness) =>
  h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'UBOB' && findAction(c.args.blocks, Actions.checkInCameBack));

async function answer(h: Harness, actionId: string, dm: { args: any; response?: any }, who = 'UBOB') {
  const button = findAction(dm.args.blocks, actionId);
  const before = (await h.t.db.mistake.findUniqueOrThrow({ where: { id: decodeValue(button.value)!.m } })).version;
  const res = await postToSlackEndpoint(
    h.baseUrl,
    buttonClick(actionId, button.value, { userId: who, channelId: 'DUBOB', messageTs: dm.response?.ts }),
  );
  expect(res.status).toBe(200);
  const deadline = Date.now() + 10_000;
  while ((await h.t.db.mistake.findUniqueOrThrow({ where: { id: decodeValue(button.value)!.m } })).version === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await h.deliver();
}

it('asks the owner once when two instances on one database run the pass at the same time, and not again after a restart', async () => {
  const clock = new ManualClock(MONDAY_10);
  const fake = await new FakeSlack().start();
  const t = await freshSqlite();
  try {
    const a = await start(clock, { fake, t });
    const b = await start(clock, { fake, t });
    const id = await satisfied(a);
    expect((await t.db.mistake.findUniqueOrThrow({ where: { id } })).checkInDueAt).toEqual(new Date(clock.now().getTime() + 30 * DAY_MS));

    clock.advance(29 * DAY_MS);
    expect(await a.bot.jobs.checkIns()).toEqual({ asked: 0, waitingForOfficeHours: 0 });

    // Wednesday 23 December, 10:00 in Berlin: 30 days on.
    clock.advance(DAY_MS);
    const results = await Promise.all([a.bot.jobs.checkIns(), b.bot.jobs.checkIns()]);
    expect(results.reduce((n, r) => n + r.asked, 0)).toBe(1);
    // Passes run by hand, each its own slot, and a restarted instance: nothing more.
    expect(await a.bot.jobs.checkIns('check-ins:manual:1')).toEqual({ asked: 0, waitingForOfficeHours: 0 });
    const c = await start(clock, { fake, t });
    expect(await c.bot.jobs.checkIns('check-ins:manual:2')).toEqual({ asked: 0, waitingForOfficeHours: 0 });
    const askedAt = clock.now();
    await Promise.all([a.deliver(), b.deliver(), c.deliver()]);
    // Each instance may have claimed part of what was queued: a DM claimed by one while another
    // was still posting the card waits a second for the thread (the clock here stands still).
    clock.advance(2000);
    await Promise.all([a.deliver(), b.deliver(), c.deliver()]);

    expect(checkInDms(a)).toHaveLength(1);
    expect(await t.db.timelineEvent.count({ where: { mistakeId: id, kind: 'check_in_asked' } })).toBe(1);
    const row = await t.db.mistake.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ checkInDueAt: null, checkInsSent: 1 });
    expect(row.checkInAskedAt).toEqual(askedAt);
  } finally {
    while (harnesses.length) await harnesses.pop()!.close();
    await t.close();
    await fake.stop();
  }
});

it('waits for the owner’s office hours', async () => {
  // Satisfied on Friday 27 November at 20:00 in Berlin: 30 days on is Sunday evening.
  const clock = new ManualClock('2026-11-27T19:00:00Z');
  const h = await start(clock);
  await satisfied(h);
  clock.advance(30 * DAY_MS);
  expect(await h.bot.jobs.checkIns()).toEqual({ asked: 0, waitingForOfficeHours: 1 });
  clock.set('2026-12-28T07:30:00Z'); // Monday 08:30 in Berlin: not yet open
  expect(await h.bot.jobs.checkIns()).toEqual({ asked: 0, waitingForOfficeHours: 1 });
  clock.set('2026-12-28T08:15:00Z'); // Monday 09:15
  expect(await h.bot.jobs.checkIns()).toEqual({ asked: 1, waitingForOfficeHours: 0 });
  await h.deliver();
  expect(checkInDms(h)).toHaveLength(1);
  // The office hours are the owner's own: their time zone is looked up for them, not for the workspace.
  const looked = h.fake.called('users.info').map((c) => c.args.user);
  expect(looked.length).toBeGreaterThan(0);
  expect(new Set(looked)).toEqual(new Set(['UBOB']));
});

it('asks once more after "Not yet", after the same time, and not a third time', async () => {
  const clock = new ManualClock(MONDAY_10);
  const h = await start(clock, { env: { CHECK_IN_AFTER: '14d' } });
  const id = await satisfied(h);
  clock.advance(14 * DAY_MS + HOUR_MS);
  expect((await h.bot.jobs.checkIns()).asked).toBe(1);
  await h.deliver();
  await answer(h, Actions.checkInNotYet, checkInDms(h)[0]!);
  let row = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(row.outcome).toBe('not_yet');
  expect(row.checkInDueAt).toEqual(new Date(clock.now().getTime() + 14 * DAY_MS));

  clock.advance(13 * DAY_MS);
  expect((await h.bot.jobs.checkIns()).asked).toBe(0);
  clock.advance(DAY_MS);
  expect((await h.bot.jobs.checkIns()).asked).toBe(1);
  await h.deliver();
  expect(checkInDms(h)).toHaveLength(2);
  await answer(h, Actions.checkInNotYet, checkInDms(h)[1]!);
  row = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(row).toMatchObject({ outcome: 'not_yet', checkInDueAt: null, checkInsSent: 2 });
  clock.advance(60 * DAY_MS);
  expect((await h.bot.jobs.checkIns()).asked).toBe(0);
});

it('asks nothing when CHECK_IN_AFTER is off', async () => {
  const clock = new ManualClock(MONDAY_10);
  const h = await start(clock, { env: { CHECK_IN_AFTER: 'off' } });
  const id = await satisfied(h);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).checkInDueAt).toBeNull();
  clock.advance(365 * DAY_MS);
  expect(await h.bot.jobs.checkIns()).toEqual({ asked: 0, waitingForOfficeHours: 0 });
});

it('forgets the check-in when the customer turns out not to be satisfied, and counts again from the next "satisfied"', async () => {
  const clock = new ManualClock(MONDAY_10);
  const h = await start(clock);
  const id = await satisfied(h);
  clock.advance(DAY_MS);
  await h.bot.deps.mistakes.reopen({ teamId: TEAM, mistakeId: id }, 'UBOB', 'They found more damage.');
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).checkInDueAt).toBeNull();
  clock.advance(40 * DAY_MS);
  expect((await h.bot.jobs.checkIns()).asked).toBe(0);
});
