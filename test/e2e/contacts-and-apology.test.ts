// The contact log and the apology form (rule 12), over signed HTTP against the fake Slack: the
// apology is drafted from the report, excuse wording is pointed out once and never blocks, each
// contact is stored, a timeline event and a thread reply, and a planned next contact is reminded
// like a step (with snooze) until the next contact is logged or the mistake is closed.
import { DAY_MS, HOUR_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText, buttonLabels } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick } from '../support/slackRequests';

// Monday 23 November 2026, 10:00 in Berlin: office hours.
const MONDAY_10 = '2026-11-23T09:00:00Z';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const ADMIN = 'UADMIN0001';

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

const stored = (id: number) => h.t.db.mistake.findUniqueOrThrow({ where: { id }, include: { steps: true, contacts: true } });
const apologizeStep = async (id: number) => (await stored(id)).steps.find((s) => s.kind === 'apologize')!;

/** The apology form's hint section, if it shows one. */
const hintOf = (view: any): string | undefined =>
  view.blocks.map((b: any) => b.text?.text ?? '').find((t: string) => t.includes('A word on the wording'));

describe('the apology form', () => {
  it('drafts an apology from the report, records how it was made, and puts the words in the thread', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.click(Actions.apologizeForm, await flow.card(id), ALICE);
    const form = h.fake.lastView();
    expect(form.callback_id).toBe('mistake_apologize_modal');
    const draft: string = form.blocks.find((b: any) => b.block_id === Inputs.apology).element.initial_value;
    // About their inconvenience, owning it, the report's facts, and asking what they would like.
    expect(draft).toContain('Hi Harbor Bakery,');
    expect(draft).toContain('I am sorry for the inconvenience we caused you. This was our mistake, and I take responsibility for it.');
    expect(draft).toContain(REPORT[Inputs.whatHappened]);
    expect(draft).toContain(REPORT[Inputs.impact]);
    expect(draft).toContain('What would you like us to do to make this right?');
    expect(blockText(form.blocks)).toContain('The bot sends nothing to the customer');
    // Nothing is recorded by opening it, and nothing goes to anyone but the owner.
    expect((await apologizeStep(id)).status).toBe('pending');

    const answer = await flow.submit({ [Inputs.contactChannel]: 'email', [Inputs.contactSummary]: 'Sent it from my inbox.' }, ALICE);
    expect(answer.json?.response_action).toBeUndefined();
    const m = await stored(id);
    expect(m.apologizedAt).not.toBeNull();
    expect(m.steps.find((s) => s.kind === 'apologize')!.status).toBe('done');
    expect(m.contacts).toHaveLength(1);
    expect(m.contacts[0]).toMatchObject({ channel: 'email', summary: 'Sent it from my inbox.', apology: draft, authorId: ALICE, followUp: 'none' });
    const event = await h.t.db.timelineEvent.findFirstOrThrow({ where: { mistakeId: id, kind: 'step_done' } });
    expect(JSON.parse(event.details)).toMatchObject({ step: 'apologize', contactChannel: 'email', contactId: m.contacts[0]!.id });

    const card = await flow.card(id);
    const last = flow.replies(card.ts).pop()!;
    const text = blockText(last.args.blocks);
    expect(last.args.text).toBe('<@U0ALICE> apologized to Harbor Bakery (email).');
    expect(text).toContain('Sent it from my inbox.');
    expect(text).toContain('The apology, as sent by @U0ALICE');
    expect(text).toContain('What would you like us to do to make this right?');
    expect(buttonLabels(card.blocks)).toEqual(['Ask what they want', 'Log contact', 'Reassign']);
    // The bot wrote to nobody outside the workspace: every post went to the channel, its thread or a DM.
    for (const call of h.fake.called('chat.postMessage')) expect(String(call.args.channel)).toMatch(/^(CESCALATIONS|U0ALICE)$/);
  });

  it('points out excuse wording once, and records it as it is on the second submit', async () => {
    const id = await flow.report(REPORT, ALICE);
    const excuse = 'Sorry about the flour, but our policy is to ship to the address on file. As stated in our terms, you should have updated it.';
    const first = await flow.apologize(id, ALICE, { [Inputs.apology]: excuse });
    expect(first.json.response_action).toBe('update');
    const hint = hintOf(first.json.view)!;
    expect(hint).toContain('“but”');
    expect(hint).toContain('“policy”');
    expect(hint).toContain('“As stated”');
    expect(hint).toContain('“you should have”');
    expect(hint).toContain('"But" takes back the apology before it.');
    expect(hint).toContain('This is a hint, not a rule');
    // What they typed is still in the form, and nothing was recorded yet.
    const shown = first.json.view;
    expect(shown.blocks.find((b: any) => b.block_id === Inputs.apology).element.initial_value).toBe(excuse);
    expect(shown.blocks.find((b: any) => b.block_id === Inputs.contactChannel).element.initial_option.value).toBe('call');
    expect((await apologizeStep(id)).status).toBe('pending');
    expect(await h.t.db.customerContact.count()).toBe(0);

    // Submitted again as it is: recorded, not blocked.
    const second = await flow.submitView(shown, {}, ALICE);
    expect(second.json?.response_action).toBeUndefined();
    expect((await apologizeStep(id)).status).toBe('done');
    expect((await h.t.db.customerContact.findFirstOrThrow()).apology).toBe(excuse);
  });

  it('hints again when new excuse wording is added after the hint, and not for words that only look alike', async () => {
    const id = await flow.report(REPORT, ALICE);
    const first = await flow.apologize(id, ALICE, { [Inputs.apology]: 'I am sorry, but it happened.' });
    expect(first.json.response_action).toBe('update');
    const second = await flow.submitView(first.json.view, { [Inputs.apology]: 'I am sorry, but unfortunately you missed the email.' }, ALICE);
    expect(second.json.response_action).toBe('update');
    expect(hintOf(second.json.view)).toContain('“unfortunately you”');
    // "Butter" is not "but", "policyholder" is not "policy": no hint, recorded at once.
    const third = await flow.submitView(second.json.view, { [Inputs.apology]: 'Sorry we got your butter order wrong, dear policyholder.' }, ALICE);
    expect(third.json?.response_action).toBeUndefined();
    expect((await apologizeStep(id)).status).toBe('done');
  });

  it('records the apology with its text cleared', async () => {
    const id = await flow.report(REPORT, ALICE);
    const answer = await flow.apologize(id, ALICE, { [Inputs.apology]: '' });
    expect(answer.json?.response_action).toBeUndefined();
    expect((await h.t.db.customerContact.findFirstOrThrow()).apology).toBeNull();
    const card = await flow.card(id);
    expect(blockText(flow.replies(card.ts).pop()!.args.blocks)).not.toContain('The apology, as sent');
  });

  it('shows every field problem at once and records nothing', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.click(Actions.apologizeForm, await flow.card(id), ALICE);
    const before = await stored(id);
    const answer = await flow.submit(
      { [Inputs.contactSummary]: '   ', [Inputs.nextContact]: '2026-11-20', [Inputs.apology]: 'x'.repeat(3001) },
      ALICE,
    );
    expect(answer.json.response_action).toBe('errors');
    expect(Object.keys(answer.json.errors).sort()).toEqual([Inputs.apology, Inputs.contactChannel, Inputs.contactSummary, Inputs.nextContact].sort());
    expect(answer.json.errors[Inputs.nextContact]).toMatch(/That date has passed/);
    expect(await stored(id)).toEqual(before);
  });

  it('keeps the playbook order and the owner rule: no apology before it is owned, none by a stranger', async () => {
    const id = await flow.report({ ...REPORT, [Inputs.owner]: BOB }, ALICE);
    // Bob has not owned it yet: the card offers Own it, and an apology form is refused.
    const card = await flow.card(id);
    expect(buttonLabels(card.blocks)).toEqual(['Own it', 'Log contact', 'Reassign']);
    const value = JSON.stringify({ m: id, v: (await stored(id)).version });
    await flow.post(buttonClick(Actions.apologizeForm, value, { userId: BOB, channelId: card.channel, messageTs: card.ts }));
    await h.fake.waitFor('chat.postEphemeral', 0);
    expect(flow.told(BOB).pop()).toMatch(/"Own it" comes first/);
    await flow.click(Actions.own, flow.dms(BOB)[0]!, BOB);
    // Alice reported it but does not own it: the apology is the owner's.
    const told = h.fake.called('chat.postEphemeral').length;
    const now = await flow.card(id);
    await flow.post(
      buttonClick(Actions.apologizeForm, JSON.stringify({ m: id, v: (await stored(id)).version }), {
        userId: ALICE,
        channelId: now.channel,
        messageTs: now.ts,
      }),
    );
    await h.fake.waitFor('chat.postEphemeral', told);
    expect(flow.told(ALICE).pop()).toMatch(/Only its owner or an admin can do that/);
    expect((await apologizeStep(id)).status).toBe('pending');
  });

  it('never lets the apology alone count: satisfied is still refused until it is made right', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.apologize(id, ALICE);
    await flow.click(Actions.ask, await flow.card(id), ALICE);
    await flow.submit({ [Inputs.answer]: 'Just an apology, thanks.' }, ALICE);
    expect(buttonLabels((await flow.card(id)).blocks)).not.toContain('Customer satisfied');
    expect((await stored(id)).satisfiedAt).toBeNull();
  });
});

describe('the contact log', () => {
  it('stores each contact, as a timeline event and a thread reply, for the owner and an admin', async () => {
    const id = await flow.report(REPORT, ALICE);
    const answer = await flow.logContact(id, ALICE, {
      [Inputs.contactChannel]: 'in_person',
      [Inputs.contactSummary]: 'Dropped by the bakery with flour.',
    });
    expect(answer.json?.response_action).toBeUndefined();
    expect(h.fake.lastView().title.text).toBe('Log contact');
    await flow.logContact(id, ADMIN, { [Inputs.contactChannel]: 'chat', [Inputs.contactSummary]: 'Followed up on chat.' });
    const contacts = await h.t.db.customerContact.findMany({ orderBy: { id: 'asc' } });
    expect(contacts.map((c) => [c.authorId, c.channel, c.summary])).toEqual([
      [ALICE, 'in_person', 'Dropped by the bakery with flour.'],
      [ADMIN, 'chat', 'Followed up on chat.'],
    ]);
    const events = await h.t.db.timelineEvent.findMany({ where: { mistakeId: id, kind: 'contact_logged' } });
    expect(events).toHaveLength(2);
    const card = await flow.card(id);
    const texts = flow.replies(card.ts).map((r) => String(r.args.text));
    expect(texts).toContain('<@U0ALICE> was in touch with Harbor Bakery (in person).');
    expect(texts).toContain('<@UADMIN0001> was in touch with Harbor Bakery (chat).');
    // A contact does not move the recovery: the apology is still the next step.
    expect((await apologizeStep(id)).status).toBe('pending');
  });

  it('refuses anyone else politely, and changes nothing', async () => {
    const id = await flow.report(REPORT, ALICE);
    const before = await stored(id);
    const card = await flow.card(id);
    const button = card.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === Actions.logContact);
    await flow.post(buttonClick(Actions.logContact, button.value, { userId: 'U0MALLORY', channelId: card.channel, messageTs: card.ts }));
    await h.fake.waitFor('chat.postEphemeral', 0);
    expect(flow.told('U0MALLORY').pop()).toMatch(/Only its owner or an admin can do that\. This recovery belongs to <@U0ALICE>/);
    expect(h.fake.called('views.open').filter((c) => c.args.view?.callback_id === 'mistake_log_contact_modal')).toHaveLength(0);
    expect(await stored(id)).toEqual(before);
  });

  it('answers bad input with field errors and leaves stored data intact', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.logContact(id, ALICE, { [Inputs.contactSummary]: 'First call.' });
    const before = await stored(id);
    for (const [values, field, message] of [
      [{ [Inputs.contactSummary]: '' }, Inputs.contactSummary, /can't be empty/],
      [{ [Inputs.contactSummary]: 'y'.repeat(501) }, Inputs.contactSummary, /too long: 501 characters, the limit is 500/],
      [{ [Inputs.nextContact]: '2026-11-22' }, Inputs.nextContact, /That date has passed/],
      [{ [Inputs.nextContact]: '2026-02-30' }, Inputs.nextContact, /not a date we can read/],
      [{ [Inputs.contactChannel]: 'carrier_pigeon' }, Inputs.contactChannel, /How were you in touch/],
    ] as const) {
      const answer = await flow.logContact(id, ALICE, values as Record<string, string>);
      expect(answer.json.response_action).toBe('errors');
      expect(answer.json.errors[field]).toMatch(message);
    }
    expect(await stored(id)).toEqual(before);
  });
});

describe('a planned next contact', () => {
  it('shows on the card, is reminded that day with [Log contact] and snooze, and stops once logged', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.apologize(id, ALICE, { [Inputs.nextContact]: '2026-11-25' });
    expect(blockText((await flow.card(id)).blocks)).toContain('*Next contact* with the customer: Wed 25 Nov');
    const contact = await h.t.db.customerContact.findFirstOrThrow();
    expect(contact.followUp).toBe('open');

    // Wednesday 10:00 in Berlin: the contact is due, and reminded in the owner's grouped DM.
    clock.set('2026-11-25T09:00:00Z');
    await h.bot.jobs.reminders('reminders:wed-1');
    await h.deliver();
    let reminder = flow.dms(ALICE).pop()!;
    expect(blockText(reminder.blocks)).toContain('*Next contact* with the customer, planned for Wed 25 Nov');
    expect(reminder.text).toMatch(/customer contact you planned is due/);
    expect(buttonLabels(reminder.blocks)).toContain('Log contact');

    // Snoozed for an hour: not reminded again within it.
    await flow.snooze(reminder, (v) => v.k === contact.id && v.s === 60, ALICE);
    expect((await h.t.db.customerContact.findFirstOrThrow()).snoozedUntil).not.toBeNull();
    const dmsBefore = flow.dms(ALICE).length;
    clock.advance(30 * 60_000);
    await h.bot.jobs.reminders('reminders:wed-2');
    await h.deliver();
    const contactItems = (await h.t.db.reminderSent.findMany({ where: { itemKind: 'contact' } })).length;
    expect(contactItems).toBe(1);

    // Logged from the reminder itself: it is settled there and never reminded again.
    reminder = flow.dms(ALICE).find((d) => d.ts === reminder.ts)!;
    await flow.click(Actions.logContact, reminder, ALICE);
    await flow.submit({ [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Called: the new flour arrived.' }, ALICE);
    expect((await h.t.db.customerContact.findUniqueOrThrow({ where: { id: contact.id } })).followUp).toBe('done');
    const edited = flow.dms(ALICE).find((d) => d.ts === reminder.ts)!;
    expect(blockText(edited.blocks)).toContain('*Next contact* logged: it no longer waits on you');
    expect(blockText((await flow.card(id)).blocks)).not.toContain('*Next contact*');
    clock.advance(DAY_MS);
    await h.bot.jobs.reminders('reminders:thu');
    await h.deliver();
    expect(await h.t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(1);
    expect(flow.dms(ALICE).length).toBeGreaterThanOrEqual(dmsBefore);
  });

  it('is not reminded before its day, nor once the mistake is closed', async () => {
    const id = await flow.report(REPORT, ALICE);
    await flow.recover(id, ALICE);
    await flow.logContact(id, ALICE, { [Inputs.nextContact]: '2026-11-24' });
    await h.bot.jobs.reminders('reminders:mon');
    await h.deliver();
    expect(await h.t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(0);
    // Closed before Tuesday: the analysis and its one prevention step done.
    await flow.rootCauseAnalysis(await flow.card(id), ALICE, ALICE);
    const card = await flow.card(id);
    await flow.click(Actions.preventionDone, card, ALICE);
    expect((await stored(id)).state).toBe('closed');
    // The planned contact is dropped with the close, so a reopen does not bring back a stale reminder.
    expect((await h.t.db.customerContact.findFirstOrThrow({ where: { nextContactAt: { not: null } } })).followUp).toBe('closed');
    clock.set('2026-11-24T09:00:00Z');
    await h.bot.jobs.reminders('reminders:tue');
    await h.deliver();
    expect(await h.t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(0);
    expect(blockText((await flow.card(id)).blocks)).not.toContain('*Next contact*');
    // And a closed mistake plans nothing: a next contact date is a field error there.
    const answer = await flow.logContact(id, ALICE, { [Inputs.nextContact]: '2026-11-30' });
    expect(answer.json.errors[Inputs.nextContact]).toMatch(/This mistake is closed/);
    clock.advance(HOUR_MS);
  });
});
