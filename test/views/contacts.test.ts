// The contact log and the apology form as pure views: the forms within Slack's limits, the hint,
// the card's planned next contact, its reminder item, and the thread replies.
import { EXCUSE_RULES, findExcuses } from '../../src/domain/contacts';
import type { TimelineEvent } from '../../src/domain/timeline';
import type { ReminderItem } from '../../src/services/reminderTypes';
import { Actions, decodeValue, Inputs } from '../../src/slack/ids';
import { renderCard } from '../../src/slack/views/card';
import { apologizeModal, logContactModal } from '../../src/slack/views/modals';
import { renderReminder } from '../../src/slack/views/reminders';
import { renderTimelineReply } from '../../src/slack/views/replies';
import { checkLimits } from '../support/limits';
import { allText, at, buttonLabels, CTX, DAY, HOUR, mistake, OWNER } from './fixtures';

const block = (view: { blocks: any[] }, id: string) => view.blocks.find((b: any) => b.block_id === id);

describe('the apology form', () => {
  it('holds the draft, how it was made, and fits Slack’s limits even for the longest report', () => {
    const view = apologizeModal(mistake('recovering', { whatHappened: 'w'.repeat(3000), impact: 'i'.repeat(2000) }), { channelId: 'C1', ts: '1.2' });
    expect(checkLimits('modal', view)).toEqual([]);
    expect(view.callback_id).toBe('mistake_apologize_modal');
    expect(block(view, Inputs.apology).optional).toBe(true);
    expect(block(view, Inputs.apology).element.initial_value.length).toBeLessThanOrEqual(3000);
    expect(block(view, Inputs.contactChannel).element.options.map((o: any) => o.value)).toEqual(['call', 'email', 'chat', 'in_person', 'other']);
    expect(block(view, Inputs.nextContact).optional).toBe(true);
    expect(decodeValue(view.private_metadata)).toMatchObject({ c: 'C1', ts: '1.2' });
  });

  it('shows every phrase found with why, keeps what was typed, and remembers what it pointed out', () => {
    const apology = `Sorry, but ${EXCUSE_RULES.map((r) => r.phrase).join(', ')}.`;
    const hints = findExcuses(apology);
    expect(hints).toHaveLength(EXCUSE_RULES.length);
    const view = apologizeModal(mistake('recovering'), undefined, {
      values: { apology, channel: 'chat', summary: 'On chat', nextContactOn: '2024-03-08' },
      hints,
      hinted: hints.map((h) => h.rule.id),
    });
    expect(checkLimits('modal', view)).toEqual([]);
    const text = allText(view);
    for (const rule of EXCUSE_RULES) expect(text).toContain(rule.why);
    expect(text).toContain('This is a hint, not a rule');
    expect(block(view, Inputs.apology).element.initial_value).toBe(apology);
    expect(block(view, Inputs.contactChannel).element.initial_option.value).toBe('chat');
    expect(block(view, Inputs.contactSummary).element.initial_value).toBe('On chat');
    expect(block(view, Inputs.nextContact).element.initial_date).toBe('2024-03-08');
    expect(decodeValue(view.private_metadata)?.h).toBe(EXCUSE_RULES.map((r) => r.id).join(','));
  });
});

describe('the contact log form', () => {
  it('asks how, what was said and when next, within Slack’s limits', () => {
    const view = logContactModal(mistake('asked'));
    expect(checkLimits('modal', view)).toEqual([]);
    expect(view.title.text).toBe('Log contact');
    expect(block(view, Inputs.contactSummary).element.max_length).toBe(500);
  });
});

describe('the card', () => {
  const planned = { contactId: 5, at: at(2 * DAY), snoozedUntil: null };

  it('shows a planned next contact while the mistake is open, and offers Log contact', () => {
    const card = renderCard(mistake('asked', { nextContact: planned }), CTX);
    expect(allText(card.blocks)).toContain('*Next contact* with the customer: Wed 6 Mar');
    expect(buttonLabels(card.blocks)).toContain('Log contact');
    expect(checkLimits('message', card)).toEqual([]);
    expect(allText(renderCard(mistake('closed', { nextContact: planned }), CTX).blocks)).not.toContain('*Next contact*');
  });
});

describe('the reminder of a planned next contact', () => {
  const item: ReminderItem = {
    kind: 'contact',
    mistakeId: 7,
    mistakeVersion: 3,
    customer: 'Globex',
    severity: 'medium',
    label: 'Next contact with the customer',
    contactId: 12,
    dueAt: at(-HOUR),
    channelId: 'C0ESCALATE',
    threadTs: '1709000000.000100',
    reminderCount: 0,
  };

  it('offers Log contact and a snooze for that contact', () => {
    const dm = renderReminder(OWNER, [item], CTX);
    expect(checkLimits('message', dm)).toEqual([]);
    expect(dm.text).toMatch(/^A customer contact you planned is due: Globex/);
    expect(buttonLabels(dm.blocks)).toEqual(['Log contact']);
    const menu = dm.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === Actions.snooze);
    expect(menu.options.map((o: any) => decodeValue(o.value))).toEqual([
      expect.objectContaining({ m: 7, k: 12, s: 60 }),
      expect.objectContaining({ m: 7, k: 12, s: 240 }),
      expect.objectContaining({ m: 7, k: 12, s: 0 }),
    ]);
    expect(dm.live).toEqual([7]);
  });

  it('says it was logged once it is, without buttons', () => {
    const dm = renderReminder(OWNER, [{ ...item, settled: { how: 'contacted' } }], CTX);
    expect(buttonLabels(dm.blocks)).toEqual([]);
    expect(allText(dm.blocks)).toContain('*Next contact* logged: it no longer waits on you');
  });
});

describe('thread replies', () => {
  const base = { id: 1, mistakeId: 1, actorId: OWNER, at: at(HOUR) };

  it('says how the apology was made and quotes the words kept', () => {
    const event = {
      ...base,
      kind: 'step_done',
      step: 'apologize',
      contactId: 3,
      contactChannel: 'in_person',
      contactSummary: 'Went by the shop.',
      apology: 'I am sorry *we* let you down.',
      nextContactAt: at(3 * DAY),
    } as TimelineEvent;
    const reply = renderTimelineReply(event, mistake('asked'), CTX);
    expect(reply.text).toBe('<@U0OWNER> apologized to Acme Ltd (in person).');
    const text = allText(reply.blocks);
    expect(text).toContain('Went by the shop.');
    expect(text).toContain('I am sorry ∗we∗ let you down.');
    expect(text).toContain('Next contact planned for Thu 7 Mar');
    expect(checkLimits('message', reply)).toEqual([]);
  });

  it('records a contact in the thread', () => {
    const event = { ...base, kind: 'contact_logged', contactId: 4, channel: 'email', summary: 'Sent the tracking link.' } as TimelineEvent;
    const reply = renderTimelineReply(event, mistake('asked'), CTX);
    expect(reply.text).toBe('<@U0OWNER> was in touch with Acme Ltd (email).');
    expect(allText(reply.blocks)).toContain('Sent the tracking link.');
  });
});
