// The root-cause analysis is a chased step: once the customer is satisfied it is due to the
// owner with the severity's time, shown on the card, reminded with snooze, escalated when late,
// and a mistake still never closes without it. All over signed HTTP against the fake Slack.
import { HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, encodeValue } from '../../src/slack/ids';
import { blockText, buttonLabels } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick } from '../support/slackRequests';

// Monday 23 November 2026, 10:00 in Berlin: office hours.
const MONDAY_10 = '2026-11-23T09:00:00Z';

let h: Harness;
let flow: Flow;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(MONDAY_10);
  h = await startHarness({ clock, env: { ESCALATE_AFTER: '1h' } });
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

const rcaStep = (mistakeId: number) => h.t.db.recoveryStep.findFirst({ where: { mistakeId, kind: 'root_cause_analysis' } });

it('is due to the owner with the severity’s time once the customer is satisfied, and the card shows when', async () => {
  const id = await flow.report();
  expect(await rcaStep(id)).toBeNull();
  await flow.recover(id);

  const step = await rcaStep(id);
  // High severity: 4 hours per step, counted from "customer satisfied".
  expect(step).toMatchObject({ status: 'pending' });
  expect(step!.dueAt.toISOString()).toBe(new Date(Date.parse(MONDAY_10) + 4 * HOUR_MS).toISOString());
  const card = await flow.card(id);
  const unix = Math.floor(step!.dueAt.getTime() / 1000);
  expect(blockText(card.blocks)).toMatch(/→|:arrow_right:/);
  expect(JSON.stringify(card.blocks)).toContain(`*Root-cause analysis* · due <!date^${unix}^`);
  expect(buttonLabels(card.blocks)).toContain('Root-cause analysis');
});

it('is reminded in the grouped reminder DM with a snooze menu, and snoozing it quiets it', async () => {
  const id = await flow.report();
  await flow.recover(id);
  // A second mistake of Alice's with an overdue recovery step: one DM carries both.
  const other = await flow.report({ ...REPORT, customer: 'Corner Deli' });
  clock.advance(5 * HOUR_MS);
  await h.bot.jobs.reminders('reminders:1');
  await h.deliver();

  const dms = flow.dms('UALICE').filter((d) => d.text.includes('overdue') || d.text.includes('due'));
  const reminder = dms[dms.length - 1]!;
  const text = blockText(reminder.blocks);
  expect(text).toContain('a root-cause analysis is due from you');
  expect(text).toContain('Harbor Bakery');
  expect(text).toContain('Root-cause analysis');
  expect(text).toContain('Corner Deli');
  expect(buttonLabels(reminder.blocks)).toEqual(expect.arrayContaining(['Root-cause analysis', 'Apologize']));
  expect((await rcaStep(id))!.reminderCount).toBe(1);
  expect(other).not.toBe(id);

  // Snooze the analysis for an hour from the DM: the next pass leaves it alone.
  await flow.snooze(reminder, (v) => v.m === id && v.s === 60);
  const snoozed = await rcaStep(id);
  expect(snoozed!.snoozedUntil!.getTime()).toBe(clock.now().getTime() + 60 * MINUTE_MS);
  expect(flow.told('UALICE').some((t) => t.startsWith('Snoozed'))).toBe(true);
  expect(JSON.stringify((await flow.card(id)).blocks)).toContain('reminders snoozed until');
  clock.advance(5 * MINUTE_MS);
  const before = flow.dms('UALICE').length;
  await h.bot.jobs.reminders('reminders:2');
  await h.deliver();
  expect(flow.dms('UALICE').length).toBe(before);
  expect((await rcaStep(id))!.reminderCount).toBe(1);

  // The analysis is written from the reminder DM's own button.
  await flow.rootCauseAnalysis(reminder);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).state).toBe('preventing');
  expect(await rcaStep(id)).toMatchObject({ status: 'done', doneById: 'UALICE' });
});

it('is escalated when overdue, like every other step, without changing the satisfied customer’s state', async () => {
  const id = await flow.report();
  await flow.recover(id);
  clock.advance(5 * HOUR_MS + MINUTE_MS);
  const { escalated } = await h.bot.jobs.escalations('escalations:1');
  await h.deliver();
  expect(escalated).toBe(1);
  const [post] = flow.escalationPosts();
  expect(post).toBeDefined();
  expect(blockText(post!.blocks)).toContain('"Root-cause analysis" is overdue');
  const mistake = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(mistake.state).toBe('awaiting_rca');
  // Once per due time: the next pass does not post it again.
  expect((await h.bot.jobs.escalations('escalations:2')).escalated).toBe(0);

  // Writing the analysis resolves it, and its post says so.
  await flow.rootCauseAnalysis(await flow.card(id));
  const [resolved] = flow.escalationPosts();
  expect(resolved!.edits).toBe(1);
  expect(blockText(resolved!.blocks)).toContain('*Resolved:* @UALICE wrote the *Root-cause analysis*');
});

it('still never closes a mistake without its root-cause analysis', async () => {
  const id = await flow.report();
  await flow.recover(id);
  await expect(h.bot.deps.mistakes.close({ teamId: 'T_ACME', mistakeId: id }, 'UALICE')).rejects.toThrow(/root-cause analysis is written/);
  // A forged "Done" on a prevention step changes nothing either.
  const m = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  const told = h.fake.called('chat.postEphemeral').length;
  await flow.post(
    buttonClick(Actions.preventionDone, encodeValue({ m: id, v: m.version, p: 1 }), { channelId: 'CESCALATIONS', messageTs: m.threadTs! }),
  );
  // The refusal is the click's last act: once it is shown, nothing else is coming.
  await h.fake.waitFor('chat.postEphemeral', told);
  await h.deliver();
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).state).toBe('awaiting_rca');
  expect(flow.told('UALICE').length).toBeGreaterThan(0);
});
