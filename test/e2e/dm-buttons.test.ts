// A DM's buttons never go stale: once what they were for is done, the DM is edited (through the
// outbox, like the card) to say what happened. Over signed HTTP against the fake Slack.
import { HOUR_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText, buttonLabels } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';

// Monday 23 November 2026, 10:00 in Berlin: office hours.
const MONDAY_10 = '2026-11-23T09:00:00Z';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';

let h: Harness;
let flow: Flow;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(MONDAY_10);
  h = await startHarness({ clock });
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

it('edits the new-mistake DM once its owner owns it: what happened instead of [Own it]', async () => {
  const id = await flow.report({ ...REPORT, [Inputs.owner]: BOB }, ALICE);
  const [dm] = flow.dms(BOB);
  expect(buttonLabels(dm!.blocks)).toEqual(['Own it', 'Open thread']);

  await flow.click(Actions.own, dm!, BOB);

  const [edited] = flow.dms(BOB);
  expect(edited!.edits).toBe(1);
  expect(buttonLabels(edited!.blocks)).toEqual(['Open thread']);
  expect(blockText(edited!.blocks)).toContain(':white_check_mark: *Owned* · @U0BOB');
  expect(blockText(edited!.blocks)).toContain('What is next is on the card.');
  // Settled: later steps edit the card, not this DM, so it states no state that would go stale
  // ("Recovering" after it closed); while it was live it did.
  expect(blockText(dm!.blocks)).toContain(`Mistake #${id} · High · Reported`);
  expect(blockText(edited!.blocks)).toContain(`Mistake #${id} · High`);
  expect(blockText(edited!.blocks)).not.toMatch(/Reported|Recovering/);
  await flow.apologize(id, BOB);
  expect(flow.dms(BOB)[0]!.edits).toBe(1);
  expect(await h.t.db.directMessage.count({ where: { settledAt: null } })).toBe(0);
});

it('edits a reminder DM once its step is done: [Customer satisfied] gives way to what happened', async () => {
  const id = await flow.report(REPORT, ALICE);
  await flow.apologize(id, ALICE);
  await flow.click(Actions.ask, await flow.card(id), ALICE);
  await flow.submit({ [Inputs.answer]: 'The flour, today.' }, ALICE);
  await flow.makeRight(id, ALICE);
  clock.advance(5 * HOUR_MS);
  await h.bot.jobs.reminders('reminders:1');
  await h.deliver();
  const reminder = flow.dms(ALICE).find((d) => d.text.includes('waiting on you'))!;
  expect(buttonLabels(reminder.blocks)).toEqual(['Customer satisfied', 'Not satisfied']);

  await flow.click(Actions.satisfied, reminder, ALICE);
  await flow.submit({ [Inputs.comment]: 'Happy again' }, ALICE);

  const edited = flow.dms(ALICE).find((d) => d.ts === reminder.ts)!;
  expect(edited.edits).toBe(1);
  expect(buttonLabels(edited.blocks)).toEqual([]);
  const text = blockText(edited.blocks);
  expect(text).toContain('Everything in this reminder is done. Thank you!');
  expect(text).toContain(':white_check_mark: *Customer satisfied* · @U0ALICE');
  expect(edited.text).toBe('Everything in this reminder is done. Thank you!');
});

it('keeps the buttons of what is still to do, and says an item handed on is no longer yours', async () => {
  const first = await flow.report(REPORT, ALICE);
  const second = await flow.report({ ...REPORT, [Inputs.customer]: 'Corner Deli' }, ALICE);
  clock.advance(5 * HOUR_MS);
  await h.bot.jobs.reminders('reminders:1');
  await h.deliver();
  const reminder = flow.dms(ALICE).find((d) => d.text.includes('waiting on you'))!;
  expect(buttonLabels(reminder.blocks)).toEqual(['Apologize', 'Apologize']);

  // Alice hands the first one to Carol: the DM says so and keeps the second one's button.
  await flow.click(Actions.reassign, await flow.card(first), ALICE);
  await flow.submit({ [Inputs.owner]: CAROL }, ALICE);
  let edited = flow.dms(ALICE).find((d) => d.ts === reminder.ts)!;
  expect(edited.edits).toBe(1);
  expect(blockText(edited.blocks)).toContain('handed to @U0CAROL: no longer yours');
  expect(buttonLabels(edited.blocks)).toEqual(['Apologize']);

  // The second one done from the DM itself.
  await flow.apologize(second, ALICE, {}, edited);
  edited = flow.dms(ALICE).find((d) => d.ts === reminder.ts)!;
  expect(edited.edits).toBe(2);
  expect(buttonLabels(edited.blocks)).toEqual([]);
  expect(blockText(edited.blocks)).toContain(':white_check_mark: *Apologized* · @U0ALICE');
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: second } })).apologizedAt).not.toBeNull();
});

it('edits a DM whose step was done while the DM was on its way to Slack', async () => {
  const id = await flow.report({ ...REPORT, [Inputs.owner]: BOB }, ALICE);
  // Handed to Carol; her DM's post is slow to be answered, and she owns it meanwhile: the change
  // commits before the DM is recorded, so the edit must come from the DM's side.
  h.fake.fail('chat.postMessage', { kind: 'slow', delayMs: 1000 }, 2);
  await h.bot.deps.mistakes.reassign({ teamId: 'T_ACME', mistakeId: id }, ALICE, CAROL);
  const delivering = h.deliver();
  while (!h.fake.calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === CAROL)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await h.bot.deps.mistakes.completeStep({ teamId: 'T_ACME', mistakeId: id }, CAROL, 'own');
  await delivering;
  await h.deliver();

  const [dm] = flow.dms(CAROL);
  // Whichever came first, what Slack shows is the DM without [Own it], saying she owns it.
  expect(buttonLabels(dm!.blocks)).toEqual(['Open thread']);
  expect(blockText(dm!.blocks)).toContain(':white_check_mark: *Owned* · @U0CAROL');
});
