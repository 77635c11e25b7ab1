// The after-close check-in over signed HTTP against the fake Slack: the owner's DM with Came back /
// Not yet / Lost them, the answer on the card, in the thread and the timeline, the DM edited once
// answered, nobody else may answer, and the digest's win-back list and came-back rate.
import { ManualClock } from '../../src/services/clock';
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText } from '../support/blockText';
import { Flow, REPORT, type Shown } from '../support/flow';
import { actionIds, startHarness, type Harness } from '../support/harness';

let h: Harness;
let flow: Flow;
let clock: ManualClock;

beforeEach(async () => {
  // Monday 23 November 2026, 10:00 in Berlin.
  clock = new ManualClock('2026-11-23T09:00:00Z');
  h = await startHarness({ clock });
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

/** Reported and recovered by UALICE (who owns it) until the customer is satisfied. */
async function satisfiedCustomer(customer: string): Promise<number> {
  const id = await flow.report({ ...REPORT, [Inputs.customer]: customer });
  await flow.recover(id);
  return id;
}

const checkInDm = (): Shown | undefined =>
  flow
    .dms('UALICE')
    .filter((d) => d.text.includes('Time to check in'))
    .pop();

async function checkInsAt(iso: string): Promise<void> {
  clock.set(iso);
  await h.bot.jobs.checkIns();
  await h.deliver();
}

it('asks the owner 30 days after "satisfied", and records "Came back" on the card, in the thread and the timeline', async () => {
  const id = await satisfiedCustomer('Harbor Bakery');
  const card = await flow.card(id);
  expect(blockText(card.blocks)).toMatch(/Check-in with @UALICE .*: did they come back\?/);

  await checkInsAt('2026-12-22T09:00:00Z');
  expect(checkInDm()).toBeUndefined();
  await checkInsAt('2026-12-23T09:00:00Z');
  const dm = checkInDm()!;
  expect(blockText(dm.blocks)).toContain('Time to check in on *Harbor Bakery*');
  expect(actionIds(dm.blocks)).toEqual(
    expect.arrayContaining([Actions.checkInCameBack, Actions.checkInNotYet, Actions.checkInLost, Actions.openThread]),
  );
  expect(dm.blocks.flatMap((b: any) => b.elements ?? []).map((e: any) => e.text?.text)).toEqual(
    expect.arrayContaining(['Came back', 'Not yet', 'Lost them']),
  );
  // The question is a DM: the thread hears the answer, not the question.
  const repliesBefore = flow.replies(card.ts).length;

  // Someone else cannot answer for the owner; nothing changes.
  await flow.click(Actions.checkInLost, dm, 'UCAROL');
  expect(flow.told('UCAROL').pop()).toMatch(/Only the owner/);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).outcome).toBe('recovered');

  await flow.click(Actions.checkInCameBack, dm, 'UALICE');
  const row = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(row).toMatchObject({ outcome: 'came_back', checkInAskedAt: null, checkInDueAt: null });
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: id, kind: 'check_in_answered' } })).toBe(1);
  const replies = flow.replies(card.ts);
  expect(replies).toHaveLength(repliesBefore + 1);
  expect(blockText(replies[replies.length - 1]!.args.blocks)).toContain('@UALICE checked in on *Harbor Bakery*: they came back.');
  expect(blockText((await flow.card(id)).blocks)).toContain('*Did they come back?* Came back');
  // The DM is edited: its buttons are gone, the answer is there.
  const edited = checkInDm()!;
  expect(edited.edits).toBeGreaterThan(0);
  expect(actionIds(edited.blocks)).toEqual([Actions.openThread]);
  expect(blockText(edited.blocks)).toContain('Answered: *Came back*');

  // A second click on the old buttons changes nothing.
  await flow.click(Actions.checkInCameBack, dm, 'UALICE');
  expect(flow.told('UALICE').pop()).toMatch(/already answered/);
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: id, kind: 'check_in_answered' } })).toBe(1);
});

it('puts a lost customer on the digest’s win-back list and reports the came-back rate over 90 days', async () => {
  const lost = await satisfiedCustomer('Harbor Bakery');
  const back = await satisfiedCustomer('Corner Shop');
  const notYet = await satisfiedCustomer('Mill Lane Café');
  await checkInsAt('2026-12-23T09:00:00Z');
  const dms = flow.dms('UALICE').filter((d) => d.text.includes('Time to check in'));
  expect(dms).toHaveLength(3);
  const about = (name: string) => dms.find((d) => blockText(d.blocks).includes(name))!;
  await flow.click(Actions.checkInLost, about('Harbor Bakery'));
  await flow.click(Actions.checkInCameBack, about('Corner Shop'));
  await flow.click(Actions.checkInNotYet, about('Mill Lane Café'));
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: lost } })).outcome).toBe('lost');
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: back } })).outcome).toBe('came_back');
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: notYet } })).outcome).toBe('not_yet');
  expect(blockText((await flow.card(notYet)).blocks)).toMatch(/\*Did they come back\?\* Not yet\nCheck-in with @UALICE/);

  clock.set('2026-12-24T08:00:00Z');
  await h.bot.jobs.digest();
  await h.deliver();
  const digest = h.fake
    .called('chat.postMessage')
    .filter((c) => c.args.channel === 'CDIGEST0001')
    .pop()!;
  const text = blockText(digest.args.blocks);
  expect(text).toContain('*Did they come back?* Last 90 days: 1 came back, 1 lost, 1 not yet · came-back rate *50%*');
  expect(text).toContain('Win back');
  const winBack = /Win back\*[^\n]*\n((?:• [^\n]*(?:\n|$))*)/.exec(text)![1]!;
  expect(winBack.trim()).toBe('• *Harbor Bakery* · owner @UALICE');
});
