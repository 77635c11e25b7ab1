// One mistake through the whole loop over signed HTTP, reading at each stage what people see:
// the card, the escalation post and the owner's reminder DM. Each stage asserts what must hold;
// with WALKTHROUGH=<file> the surfaces are also written out as plain text, for a reader.
import fs from 'node:fs';
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, Inputs } from '../../src/slack/ids';
import { checkLimits } from '../support/limits';
import { blockText, buttonLabels, framed } from '../support/blockText';
import { Flow, REPORT, type Shown } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';

// Monday 23 November 2026, 10:00 in Berlin.
const MONDAY_10 = '2026-11-23T09:00:00Z';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

let h: Harness;
let flow: Flow;
let clock: ManualClock;
const out: string[] = [];

beforeAll(async () => {
  clock = new ManualClock(MONDAY_10);
  h = await startHarness({ clock });
  flow = new Flow(h);
});

afterAll(async () => {
  await h.close();
  if (process.env.WALKTHROUGH) fs.writeFileSync(process.env.WALKTHROUGH, `${out.join('\n\n')}\n`);
});

/** The owner's latest reminder DM, as Slack shows it now. */
function latestReminder(): Shown | undefined {
  return flow
    .dms(BOB)
    .filter((d) => d.blocks[0]?.text?.text?.startsWith('Hi '))
    .pop();
}

/** Time passes past the current step's due time, and a reminder pass runs. */
async function remindLater(tick: string): Promise<Shown> {
  clock.advance(40 * MINUTE_MS);
  await h.bot.jobs.reminders(tick);
  await h.deliver();
  const reminder = latestReminder();
  expect(reminder).toBeDefined();
  out.push(framed(`REMINDER DM to ${BOB}, from the reminder pass 40 minutes later`, reminder!.blocks, reminder!.text));
  return reminder!;
}

async function stage(title: string, mistakeId: number): Promise<{ card: Shown; escalation?: Shown; reminder?: Shown }> {
  const card = await flow.card(mistakeId);
  const escalation = flow.escalationPosts().pop();
  const reminder = latestReminder();
  out.push(
    [
      `=== ${title}`,
      framed('CARD', card.blocks, card.text),
      escalation ? framed('ESCALATION POST', escalation.blocks, escalation.text) : '  ESCALATION POST: (none)',
      reminder ? framed(`REMINDER DM to ${BOB} (the latest, as it reads now)`, reminder.blocks, reminder.text) : `  REMINDER DM to ${BOB}: (none)`,
    ].join('\n'),
  );
  return { card, escalation, reminder };
}

it('walks one mistake from report to closed, every surface consistent at every stage', async () => {
  const id = await flow.report({ ...REPORT, [Inputs.severity]: 'critical', [Inputs.owner]: BOB }, ALICE);
  let s = await stage('1. Reported (Alice reports, Bob is asked to own it)', id);
  expect(buttonLabels(s.card.blocks)).toEqual(['Own it', 'Log contact', 'Reassign']);
  expect(flow.dms(ALICE)[0]!.text).toMatch(/^Reported as Mistake #1/);
  let reminder = await remindLater('r1');
  expect(buttonLabels(reminder.blocks)).toEqual(['Own it']);

  await flow.click(Actions.own, flow.dms(BOB)[0]!, BOB);
  s = await stage('2. Owned (Bob clicks Own it in his DM)', id);
  expect(buttonLabels(s.card.blocks)).toEqual(['Apologize', 'Log contact', 'Reassign']);
  expect(buttonLabels(s.reminder!.blocks)).toEqual([]);
  expect(buttonLabels(flow.dms(BOB)[0]!.blocks)).toEqual(['Open thread']);
  reminder = await remindLater('r2');
  expect(buttonLabels(reminder.blocks)).toEqual(['Apologize']);

  await flow.apologize(id, BOB, {}, reminder);
  s = await stage('3. Apologized (from the reminder DM)', id);
  expect(buttonLabels(s.card.blocks)).toEqual(['Ask what they want', 'Log contact', 'Reassign']);
  expect(buttonLabels(s.reminder!.blocks)).toEqual([]);
  reminder = await remindLater('r3');

  await flow.click(Actions.ask, await flow.card(id), BOB);
  await flow.submit({ [Inputs.answer]: 'A new batch of flour by noon, and the delivery fee back.' }, BOB);
  s = await stage('4. Asked what they want', id);
  expect(buttonLabels(s.card.blocks)).toEqual(['Make it right', 'Nothing more needed', 'Log contact', 'Reassign']);
  reminder = await remindLater('r4');

  await flow.makeRight(id, BOB, 'New batch sent by courier; delivery fee refunded');
  s = await stage('5. Made it right', id);
  expect(buttonLabels(s.card.blocks)).toEqual(['Customer satisfied', 'Not satisfied', 'Log contact', 'Reassign']);
  reminder = await remindLater('r5');

  await flow.notSatisfied(id, 'The new batch was the wrong type of flour', BOB);
  s = await stage('6. Not satisfied: escalated', id);
  expect(s.escalation).toBeDefined();
  expect(buttonLabels(s.escalation!.blocks)).toEqual(['Open thread', 'Reassign']);
  expect(JSON.stringify(s.escalation!.blocks)).toContain('<@U0ALICE> <@UADMIN0001>, this recovery needs you');
  expect(buttonLabels(s.card.blocks)).toEqual(['Make it right', 'Log contact', 'Reassign']);
  // The reminder about "customer satisfied?" no longer offers it: the recovery is back to making it right.
  expect(buttonLabels(s.reminder!.blocks)).toEqual([]);
  reminder = await remindLater('r6');
  expect(buttonLabels(reminder.blocks)).toEqual(['Make it right']);

  await flow.makeRight(id, BOB, 'The right flour, delivered by hand');
  await flow.click(Actions.satisfied, await flow.card(id), BOB);
  await flow.submit({ [Inputs.comment]: 'They baked with it the same afternoon' }, BOB);
  s = await stage('7. Customer satisfied: the escalation resolves, the root-cause analysis is due', id);
  expect(blockText(s.escalation!.blocks)).toContain('*Escalation resolved*');
  expect(buttonLabels(s.escalation!.blocks)).toEqual(['Open thread']);
  expect(JSON.stringify(s.card.blocks)).toMatch(/\*Root-cause analysis\* · due <!date\^/);

  reminder = await remindLater('r7');
  s = await stage('8. Root-cause analysis due, and reminded', id);
  expect(buttonLabels(s.reminder!.blocks)).toEqual(['Root-cause analysis']);
  expect(blockText(s.reminder!.blocks)).toContain('A root-cause analysis is due from you.');

  await flow.rootCauseAnalysis(reminder, BOB, BOB);
  const card = await flow.card(id);
  await flow.click(Actions.preventionDone, card, BOB);
  s = await stage('9. Closed (analysis written, prevention step done)', id);
  expect(blockText(s.card.blocks)).toContain('*Recovered and closed*');
  expect(buttonLabels(s.reminder!.blocks)).toEqual([]);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).state).toBe('closed');

  // Everything the bot sent or edited on the way fits Slack's limits, and no notification
  // carries a formatting mark.
  for (const call of [...h.fake.called('chat.postMessage'), ...h.fake.called('chat.update')]) {
    if (!call.args.blocks) continue;
    expect({ method: call.method, problems: checkLimits('message', call.args) }).toEqual({ method: call.method, problems: [] });
    const marks =
      String(call.args.text)
        .replace(/<[^>]*>/g, '')
        .replace(/:[a-z0-9_+'-]+:/g, '')
        .match(/[*_~`]/g) ?? [];
    expect({ text: call.args.text, marks }).toEqual({ text: call.args.text, marks: [] });
  }
});
