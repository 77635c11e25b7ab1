import type { HomeData } from '../../src/services/queries';
import { Actions, decodeValue } from '../../src/slack/ids';
import { renderCard } from '../../src/slack/views/card';
import { homeView } from '../../src/slack/views/home';
import { errorMessage, helpMessage, listMessage, mineMessage } from '../../src/slack/views/lists';
import { checkLimits } from '../support/limits';
import { allText, at, buttonLabels, buttons, CTX, DAY, HOUR, mistake, OTHER, OWNER, preventionSummary, summary } from './fixtures';
import { summarize } from '../../src/services/queries';

const COUNTS = { open: 7, overdue: 2, escalated: 1, awaitingRca: 1, closedThisWeek: 3 };
const LINK_CTX = { ...CTX, workspaceUrl: 'https://acme.slack.com/' };

function home(overrides: Partial<HomeData> = {}): HomeData {
  return {
    userId: OWNER,
    mine: [],
    myPrevention: [],
    counts: COUNTS,
    team: [],
    ...overrides,
    mineTotal: overrides.mineTotal ?? overrides.mine?.length ?? 0,
  };
}

describe('App Home', () => {
  it('reads kindly when there is nothing to do', () => {
    const view = homeView(home({ counts: { open: 0, overdue: 0, escalated: 0, awaitingRca: 0, closedThisWeek: 0 } }), LINK_CTX);
    const text = allText(view.blocks);
    expect(view.type).toBe('home');
    expect(text).toContain('Nothing to recover. Nice.');
    expect(text).toContain('No prevention steps waiting on you.');
    expect(text).toContain('Nothing open across the team.');
    expect(checkLimits('home', view)).toEqual([]);
  });

  it('lists my recoveries with their next step, due time, thread link and the same button as the card', () => {
    const m = mistake('recovering');
    const s = summarize(m);
    const view = homeView(home({ mine: [s], team: [s] }), LINK_CTX);
    const text = allText(view.blocks);
    expect(text).toContain('*<https://acme.slack.com/archives/C0ESCALATE/p1709542800000100|Acme Ltd>* · #42 · High');
    expect(text).toContain('Next: *Apologize* · due in 6h');
    expect(text).toContain('_no apology yet_');
    const homeButtons = buttons(view.blocks);
    const cardButton = buttons(renderCard(m, CTX).blocks).find((b) => b.action_id === Actions.apologizeForm)!;
    expect(homeButtons).toEqual([expect.objectContaining({ action_id: Actions.apologizeForm, value: cardButton.value, text: 'Apologize' })]);
  });

  it('marks overdue steps and escalations', () => {
    const s = summary(1, { state: 'escalated', nextStep: 'make_right', nextDueAt: at(-3 * HOUR), escalationLevel: 1 });
    const text = allText(homeView(home({ mine: [s] }), LINK_CTX).blocks);
    expect(text).toContain(':warning: Escalated');
    expect(text).toContain('Next: *Make it right* · *overdue by 5h*');
  });

  it('says when the owner snoozed the reminders for what is next, as the card does, until the snooze runs out', () => {
    const until = at(4 * HOUR);
    const s = summary(1, { nextStep: 'apologize', nextDueAt: at(-3 * HOUR), snoozedUntil: until });
    const text = allText(homeView(home({ mine: [s], team: [s] }), LINK_CTX).blocks);
    expect(text).toContain(`Next: *Apologize* · *overdue by 5h* · reminders snoozed until <!date^${until.getTime() / 1000}^`);
    // The list rows say it too, and nothing once the snooze has run out.
    expect(allText(mineMessage([s], [], LINK_CTX).blocks)).toContain('reminders snoozed until');
    const later = { ...LINK_CTX, now: at(5 * HOUR) };
    expect(allText(homeView(home({ mine: [s] }), later).blocks)).not.toContain('snoozed');
    // The summary takes it from the step being chased.
    const view = mistake('recovering');
    const next = summarize(view).nextStep;
    expect(next).not.toBeNull();
    const snoozed = { ...view, steps: view.steps.map((st) => (st.kind === next ? { ...st, snoozedUntil: until } : st)) };
    expect(summarize(snoozed).snoozedUntil).toEqual(until);
    expect(summarize(view).snoozedUntil).toBeNull();
  });

  it('offers the RCA only for recoveries whose customer is satisfied', () => {
    const ready = summary(1, { state: 'awaiting_rca', nextStep: null, nextDueAt: null, apologized: true });
    const notYet = summary(2, { state: 'recovering', nextStep: 'confirm_satisfied', apologized: true });
    const view = homeView(home({ mine: [ready, notYet] }), LINK_CTX);
    const ids = buttons(view.blocks).map((b) => b.action_id);
    expect(ids.filter((id) => id === Actions.rootCauseAnalysis)).toHaveLength(1);
    expect(buttonLabels(view.blocks)).toEqual(['Root-cause analysis', 'Customer satisfied', 'Not satisfied']);
  });

  it('shows when the root-cause analysis is due, like a step', () => {
    const overdue = summary(1, { state: 'awaiting_rca', nextStep: null, nextDueAt: at(HOUR), apologized: true });
    const text = allText(homeView(home({ mine: [overdue] }), LINK_CTX).blocks);
    expect(text).toContain('Next: *Root-cause analysis* · *overdue by 1h*');
  });

  it('offers no "nothing more needed" once the customer asked for more', () => {
    const more = summary(1, { state: 'escalated', nextStep: 'make_right', apologized: true, customerAskedForMore: true });
    expect(buttonLabels(homeView(home({ mine: [more] }), LINK_CTX).blocks)).toEqual(['Make it right']);
  });

  it('lists my prevention steps with their Done buttons', () => {
    const view = homeView(home({ myPrevention: [preventionSummary(3)] }), LINK_CTX);
    const done = buttons(view.blocks).filter((b) => b.action_id === Actions.preventionDone);
    expect(done).toHaveLength(1);
    expect(decodeValue(done[0]!.value)).toEqual({ m: 3, v: 4, p: 103 });
    expect(allText(view.blocks)).toContain('Prevention step 3: check the address before dispatch');
  });

  it('shows the team counts', () => {
    const text = allText(homeView(home(), LINK_CTX).blocks);
    for (const line of ['*Open*\n7', '*Overdue*\n2', '*Escalated*\n1', '*Awaiting root-cause analysis*\n1', '*Closed this week*\n3']) {
      expect(text).toContain(line);
    }
  });

  it('puts the team’s most urgent first and shows owners', () => {
    const low = summary(1, { severity: 'low' });
    const critical = summary(2, { severity: 'critical', ownerId: OTHER });
    const escalated = summary(3, { severity: 'medium', state: 'escalated' });
    const text = allText(homeView(home({ team: [low, critical, escalated] }), LINK_CTX).blocks);
    const order = ['Customer 3', 'Customer 2', 'Customer 1'].map((c) => text.indexOf(c));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain(`Owner <@${OTHER}>`);
  });

  it('stays under 100 blocks with 300 mistakes, saying how many more there are', () => {
    const many = Array.from({ length: 300 }, (_, i) => summary(i + 1, { customer: `<!channel> ${'x'.repeat(300)}` }));
    const prevention = Array.from({ length: 50 }, (_, i) => preventionSummary(i + 1));
    const view = homeView(home({ mine: many, myPrevention: prevention, team: many }), LINK_CTX);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(checkLimits('home', view)).toEqual([]);
    const text = allText(view.blocks);
    expect(text).toContain('… and 285 more: `/mistake mine` lists them.');
    expect(text).toContain('… and 40 more: `/mistake mine` lists them.');
    expect(text).toContain('… and 275 more: `/mistake list` lists them.');
    expect(JSON.stringify(view)).not.toContain('<!channel>');
  });

  it('counts the mistakes it did not load in "… and N more"', () => {
    // App Home reads only one row more than it shows; the totals come from counts.
    const loaded = Array.from({ length: 16 }, (_, i) => summary(i + 1));
    const team = Array.from({ length: 26 }, (_, i) => summary(i + 1));
    const view = homeView(home({ mine: loaded, mineTotal: 300, team, counts: { ...COUNTS, open: 1200 } }), LINK_CTX);
    const text = allText(view.blocks);
    expect(text).toContain('… and 285 more: `/mistake mine` lists them.');
    expect(text).toContain('… and 1175 more: `/mistake list` lists them.');
  });

  it('says nothing of more when everything fits', () => {
    const view = homeView(home({ mine: [summary(1)], mineTotal: 1, team: [summary(1)], counts: { ...COUNTS, open: 1 } }), LINK_CTX);
    expect(allText(view.blocks)).not.toContain('more:');
  });

  it('works without a workspace URL and before the card is posted', () => {
    const s = summary(1, { threadTs: null });
    const view = homeView(home({ mine: [s], team: [summary(2)] }), CTX);
    const text = allText(view.blocks);
    expect(text).toContain('*Customer 1* · #1');
    expect(text).toContain('https://slack.com/app_redirect?channel=C0ESCALATE');
  });
});

describe('ephemeral lists', () => {
  it('explains /mistake and the playbook', () => {
    const help = helpMessage();
    const text = allText(help.blocks);
    for (const usage of ['`/mistake`', '`/mistake <what happened>`', '`/mistake mine`', '`/mistake list`', '`/mistake help`']) {
      expect(text).toContain(usage);
    }
    expect(text).toContain('*Own it* → *Apologize* → *Ask what they want* → *Make it right* → *Customer satisfied* → *Root-cause analysis*');
    expect(checkLimits('message', help)).toEqual([]);
  });

  it('shows my recoveries and prevention steps, kindly when empty', () => {
    expect(mineMessage([], [], CTX).text).toBe('Nothing to recover. Nice.');
    const msg = mineMessage([summary(1)], [preventionSummary(1)], CTX);
    expect(msg.text).toBe('You have 1 open recovery and 1 prevention step.');
    expect(buttonLabels(msg.blocks)).toEqual(['Apologize', 'Done']);
    expect(checkLimits('message', msg)).toEqual([]);
  });

  it('keeps /mistake mine within 50 blocks and ~12k characters however long the lists', () => {
    const many = Array.from({ length: 300 }, (_, i) => summary(i + 1, { nextStep: 'confirm_satisfied', customer: '🧯'.repeat(200) }));
    const prevention = Array.from({ length: 60 }, (_, i) => preventionSummary(i + 1, { description: 'p'.repeat(500) }));
    const msg = mineMessage(many, prevention, { ...CTX, workspaceUrl: 'https://acme.slack.com/' });
    expect(checkLimits('message', msg)).toEqual([]);
    const text = allText(msg.blocks);
    expect(text).toMatch(/… and \d+ more: App Home lists them\./);
    expect(text).toMatch(/… and \d+ more prevention steps: App Home lists them\./);
    expect(buttons(msg.blocks).some((b) => b.action_id === Actions.preventionDone)).toBe(true);
  });

  it('lists the team’s open recoveries with the counts', () => {
    const msg = listMessage([summary(1), summary(2, { ownerId: null })], COUNTS, CTX);
    const text = allText(msg.blocks);
    expect(text).toContain('7 open · 2 overdue · 1 escalated · 1 awaiting root-cause analysis · 3 closed this week');
    expect(text).toContain('Owner _nobody_');
    expect(buttons(msg.blocks)).toEqual([]);
    expect(listMessage([], COUNTS, CTX).text).toBe('Nothing open across the team.');
  });

  it('keeps /mistake list within limits with 300 mistakes', () => {
    const many = Array.from({ length: 300 }, (_, i) => summary(i + 1, { customer: 'c'.repeat(200), nextDueAt: at(-i * DAY) }));
    const msg = listMessage(many, COUNTS, LINK_CTX);
    expect(checkLimits('message', msg)).toEqual([]);
    expect(allText(msg.blocks)).toMatch(/… and \d+ more\./);
  });

  it('explains a refusal privately, as the app wrote it', () => {
    const msg = errorMessage(`Only its owner or an admin can do that. This recovery belongs to <@${OWNER}>; nothing was changed.`);
    expect(msg.text).toContain(`<@${OWNER}>`);
    expect(checkLimits('message', msg)).toEqual([]);
  });
});
