import type { ModalView } from '@slack/types';
import { validateRca } from '../../src/domain/playbook';
import { validateReport } from '../../src/domain/report';
import { decodeValue, Inputs, PREVENTION_SLOTS, Views } from '../../src/slack/ids';
import {
  askModal,
  endOfDay,
  makeRightModal,
  notSatisfiedModal,
  parseAskSubmission,
  parseMakeRightSubmission,
  parseNotSatisfiedSubmission,
  parseRcaSubmission,
  parseReassignSubmission,
  parseReopenSubmission,
  parseReportSubmission,
  parseSatisfiedSubmission,
  parseSkipMakeRightSubmission,
  rcaModal,
  reassignModal,
  reopenModal,
  reportModal,
  satisfiedModal,
  skipMakeRightModal,
  type StateValues,
} from '../../src/slack/views/modals';
import { codePointLength } from '../../src/slack/views/text';
import { checkLimits } from '../support/limits';
import { allText, mistake, OTHER, OWNER, REPORTER } from './fixtures';

type Input = { type: 'input'; block_id: string; optional?: boolean; label: { text: string }; element: Record<string, unknown> };
const inputs = (view: ModalView): Input[] => view.blocks.filter((b) => b.type === 'input') as unknown as Input[];
const input = (view: ModalView, id: string): Input => inputs(view).find((i) => i.block_id === id)!;

const text = (value: string) => ({ type: 'plain_text_input', value });
const select = (value: string) => ({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } });
const user = (id: string | null) => ({ type: 'users_select', selected_user: id });
const date = (d: string | null) => ({ type: 'datepicker', selected_date: d });
const values = (entries: Record<string, object>): StateValues =>
  Object.fromEntries(Object.entries(entries).map(([id, v]) => [id, { [id]: v as never }]));

const STEP_MODALS = [askModal, makeRightModal, skipMakeRightModal, satisfiedModal, notSatisfiedModal, reassignModal, reopenModal, rcaModal];

describe('the report modal', () => {
  it('asks for customer, what happened, impact, severity, category and owner, then the optional customer record', () => {
    const view = reportModal({ reporterId: REPORTER, defaultCurrency: 'EUR' });
    expect(view.callback_id).toBe(Views.report);
    expect(view.title.text).toBe('Report a mistake');
    expect(view.submit?.text).toBe('Report');
    expect(view.close?.text).toBe('Cancel');
    expect(inputs(view).map((i) => i.block_id)).toEqual([
      Inputs.customer,
      Inputs.whatHappened,
      Inputs.impact,
      Inputs.severity,
      Inputs.category,
      Inputs.owner,
      Inputs.account,
      Inputs.customerLink,
      Inputs.valueAmount,
      Inputs.valueCurrency,
    ]);
    for (const id of [Inputs.account, Inputs.customerLink, Inputs.valueAmount, Inputs.valueCurrency]) expect(input(view, id).optional).toBe(true);
    expect(input(view, Inputs.valueCurrency).element.initial_value).toBe('EUR');
    expect(input(view, Inputs.owner).element).toMatchObject({ type: 'users_select', initial_user: REPORTER, action_id: Inputs.owner });
    expect(input(view, Inputs.customer).element).toMatchObject({ max_length: 200 });
    expect(input(view, Inputs.category).optional).toBe(true);
    const severity = input(view, Inputs.severity).element as { options: { value: string; text: { text: string } }[] };
    expect(severity.options.map((o) => o.value)).toEqual(['low', 'medium', 'high', 'critical']);
    expect(severity.options[3]!.text.text).toBe('Critical — on the fly: minutes, not days');
    expect(checkLimits('modal', view)).toEqual([]);
  });

  it('prefills what happened from /mistake <text>, as typed and within its limit', () => {
    const view = reportModal({ reporterId: REPORTER, prefill: '  Sent <!channel> the wrong invoice  ' });
    expect(input(view, Inputs.whatHappened).element.initial_value).toBe('Sent <!channel> the wrong invoice');
    const long = reportModal({ reporterId: REPORTER, prefill: '🧾'.repeat(5000) });
    const initial = input(long, Inputs.whatHappened).element.initial_value as string;
    expect(codePointLength(initial)).toBe(3000);
    expect(initial.endsWith('…')).toBe(true);
    expect(checkLimits('modal', long)).toEqual([]);
    expect(input(reportModal({ reporterId: REPORTER, prefill: '   ' }), Inputs.whatHappened).element.initial_value).toBeUndefined();
  });

  it('parses a submission into what validateReport takes', () => {
    const raw = parseReportSubmission(
      values({
        [Inputs.customer]: text('Acme'),
        [Inputs.whatHappened]: text('Wrong invoice'),
        [Inputs.impact]: text('They paid twice'),
        [Inputs.severity]: select('high'),
        [Inputs.category]: { type: 'static_select', selected_option: null },
        [Inputs.owner]: user(OTHER),
      }),
    );
    expect(raw).toEqual({
      customer: 'Acme',
      whatHappened: 'Wrong invoice',
      impact: 'They paid twice',
      severity: 'high',
      category: undefined,
      ownerId: OTHER,
      account: '',
      link: '',
      valueAmount: '',
      valueCurrency: '',
    });
    // An optional category left empty stays empty: it is not "other".
    expect(validateReport(raw, REPORTER)).toMatchObject({ ok: true, value: { category: null, ownerId: OTHER } });
  });

  it('parses empty or malformed submissions without throwing', () => {
    expect(parseReportSubmission({})).toEqual({
      customer: '',
      whatHappened: '',
      impact: '',
      severity: undefined,
      category: undefined,
      ownerId: undefined,
      account: '',
      link: '',
      valueAmount: '',
      valueCurrency: '',
    });
    const junk = { [Inputs.customer]: { [Inputs.customer]: { type: 'x', value: 42 } }, [Inputs.severity]: undefined } as unknown as StateValues;
    expect(parseReportSubmission(junk).customer).toBe('');
    expect(validateReport(parseReportSubmission({}), REPORTER).ok).toBe(false);
  });
});

describe('the step modals', () => {
  const m = mistake('asked');

  it('carry the mistake, its version and where the click came from', () => {
    for (const modal of STEP_MODALS) {
      const view = modal(m, { channelId: 'D0DM', ts: '1709542800.000200' });
      expect(decodeValue(view.private_metadata)).toEqual({ m: 42, v: 5, c: 'D0DM', ts: '1709542800.000200' });
      expect(decodeValue(modal(m).private_metadata)).toEqual({ m: 42, v: 5 });
    }
  });

  it('have short titles, a line saying which customer it is about, and stay within limits', () => {
    const callbacks = new Set<string>();
    for (const modal of STEP_MODALS) {
      const view = modal(m);
      expect(codePointLength(view.title.text)).toBeLessThanOrEqual(24);
      expect(allText(view.blocks[0])).toContain('Mistake #42 · *Acme Ltd*');
      expect(checkLimits('modal', view)).toEqual([]);
      callbacks.add(view.callback_id!);
    }
    expect(callbacks.size).toBe(STEP_MODALS.length);
  });

  it('escape the customer in the context line', () => {
    const view = askModal(mistake('recovering', { customer: '<!channel>' }));
    expect(JSON.stringify(view)).not.toContain('<!channel>');
  });

  it('show what the customer asked for when making it right, with the remedy kinds', () => {
    const view = makeRightModal(m);
    expect(allText(view.blocks)).toContain('*They asked for*\n>A refund of the delivery fee, and the order by Friday.');
    const kinds = input(view, Inputs.remedyKind).element as { options: { value: string }[] };
    expect(kinds.options.map((o) => o.value)).toEqual(['credit', 'refund', 'replacement', 'free_item', 'expedite', 'discount', 'other']);
  });

  it('ask why the customer needs nothing more, and keep the satisfied comment optional', () => {
    expect(input(skipMakeRightModal(m), Inputs.reason).label.text).toBe('The customer asked for nothing more because…');
    expect(input(satisfiedModal(m), Inputs.comment).optional).toBe(true);
    expect(input(notSatisfiedModal(m), Inputs.comment).optional).toBe(false);
    expect(input(reassignModal(m), Inputs.owner).element.type).toBe('users_select');
    expect(input(reopenModal(m), Inputs.reason).optional).toBe(false);
  });

  it('read their submissions', () => {
    expect(parseAskSubmission(values({ [Inputs.answer]: text('A call back') }))).toEqual({ customerAnswer: 'A call back' });
    expect(parseMakeRightSubmission(values({ [Inputs.remedyKind]: select('refund'), [Inputs.remedyValue]: text('€12') }))).toEqual({
      remedyKind: 'refund',
      remedyValue: '€12',
    });
    expect(parseMakeRightSubmission({})).toEqual({ remedyKind: '', remedyValue: '' });
    expect(parseSkipMakeRightSubmission(values({ [Inputs.reason]: text('Only the apology') }))).toEqual({ reason: 'Only the apology' });
    expect(parseSatisfiedSubmission(values({ [Inputs.comment]: { type: 'plain_text_input', value: null } }))).toEqual({ comment: '' });
    expect(parseNotSatisfiedSubmission(values({ [Inputs.comment]: text('More') }))).toEqual({ comment: 'More' });
    expect(parseReassignSubmission(values({ [Inputs.owner]: user(OTHER) }))).toEqual({ ownerId: OTHER });
    expect(parseReassignSubmission(values({ [Inputs.owner]: user(null) }))).toEqual({ ownerId: '' });
    expect(parseReopenSubmission(values({ [Inputs.reason]: text('Broke again') }))).toEqual({ reason: 'Broke again' });
  });
});

describe('the root-cause analysis modal', () => {
  const m = mistake('awaiting_rca');
  const view = rcaModal(m);

  it('is blameless, prefilled, and offers the prevention slots', () => {
    expect(view.callback_id).toBe(Views.rootCauseAnalysis);
    expect(view.title.text).toBe('Root-cause analysis');
    expect(allText(view.blocks)).toContain('*Causes, not culprits:* what in our process let this happen?');
    expect(input(view, Inputs.rcaWhatHappened).element.initial_value).toBe(m.whatHappened);
    for (let n = 1; n <= PREVENTION_SLOTS; n += 1) {
      expect(input(view, Inputs.prevention(n)).optional).toBe(n > 1);
      expect(input(view, Inputs.preventionOwner(n)).element).toMatchObject({ type: 'users_select', initial_user: OWNER });
      expect(input(view, Inputs.preventionDue(n)).element.type).toBe('datepicker');
      expect(input(view, Inputs.preventionDue(n)).optional).toBe(n > 1);
    }
    expect(checkLimits('modal', view)).toEqual([]);
  });

  const base = {
    [Inputs.rcaWhatHappened]: text('Shipped to the old address.'),
    [Inputs.causes]: text('The CRM change never reached dispatch.'),
    [Inputs.whatChanges]: text('Dispatch reads from the CRM.'),
  };

  it('keeps only filled slots, with end-of-day due dates in the team time zone', () => {
    const parsed = parseRcaSubmission(
      values({
        ...base,
        [Inputs.prevention(1)]: text('  Sync addresses nightly  '),
        [Inputs.preventionOwner(1)]: user(OTHER),
        [Inputs.preventionDue(1)]: date('2024-03-15'),
        [Inputs.prevention(2)]: text(''),
        [Inputs.preventionOwner(2)]: user(OWNER),
        [Inputs.preventionDue(2)]: date(null),
        [Inputs.prevention(3)]: text('Check addresses at packing'),
        [Inputs.preventionOwner(3)]: user(OWNER),
        [Inputs.preventionDue(3)]: date('2024-03-20'),
      }),
      'Europe/Paris',
    );
    expect(parsed.errors).toEqual({});
    expect(parsed.slots).toEqual([1, 3]);
    expect(parsed.input).toEqual({
      whatHappened: 'Shipped to the old address.',
      causes: 'The CRM change never reached dispatch.',
      whatChanges: 'Dispatch reads from the CRM.',
      prevention: [
        { description: 'Sync addresses nightly', ownerId: OTHER, dueAt: new Date('2024-03-15T22:59:59Z') },
        { description: 'Check addresses at packing', ownerId: OWNER, dueAt: new Date('2024-03-20T22:59:59Z') },
      ],
    });
    expect(() => validateRca(parsed.input, new Date('2024-03-05T00:00:00Z'))).not.toThrow();
  });

  it('flags half-filled slots on the input that is missing', () => {
    const parsed = parseRcaSubmission(
      values({
        ...base,
        [Inputs.prevention(1)]: text('Sync addresses'),
        [Inputs.preventionOwner(1)]: user(OWNER),
        [Inputs.preventionDue(1)]: date(null),
        [Inputs.prevention(2)]: text(''),
        [Inputs.preventionDue(2)]: date('2024-03-20'),
        [Inputs.prevention(3)]: text('Train the team'),
        [Inputs.preventionOwner(3)]: user(null),
        [Inputs.preventionDue(3)]: date('2024-02-30'),
      }),
      'UTC',
    );
    expect(parsed.errors).toEqual({
      [Inputs.preventionDue(1)]: 'When will it be done? Pick a due date.',
      [Inputs.prevention(2)]: 'Describe this prevention step, or clear its due date.',
      [Inputs.preventionOwner(3)]: 'Who will do it? Choose an owner.',
      [Inputs.preventionDue(3)]: 'That is not a date we can read. Pick one from the calendar.',
    });
    expect(parsed.input.prevention).toEqual([]);
  });

  it('asks for at least one prevention step and for the three answers', () => {
    const parsed = parseRcaSubmission(values({ [Inputs.causes]: text('   ') }), 'UTC');
    expect(Object.keys(parsed.errors).sort()).toEqual([Inputs.causes, Inputs.prevention(1), Inputs.rcaWhatHappened, Inputs.whatChanges].sort());
    expect(parsed.errors[Inputs.prevention(1)]).toMatch(/at least one prevention step/);
  });

  it('refuses oversized text and, given now, dates in the past', () => {
    const parsed = parseRcaSubmission(
      values({
        ...base,
        [Inputs.prevention(1)]: text('x'.repeat(501)),
        [Inputs.preventionOwner(1)]: user(OWNER),
        [Inputs.preventionDue(1)]: date('2024-03-15'),
        [Inputs.prevention(2)]: text('Fine'),
        [Inputs.preventionOwner(2)]: user(OWNER),
        [Inputs.preventionDue(2)]: date('2024-03-01'),
      }),
      'UTC',
      new Date('2024-03-04T09:00:00Z'),
    );
    expect(parsed.errors[Inputs.prevention(1)]).toMatch(/too long: 501 characters, the limit is 500/);
    expect(parsed.errors[Inputs.preventionDue(2)]).toBe('Pick today or a later date.');
    // Today is still fine: it is due by the end of the day.
    const today = parseRcaSubmission(
      values({
        ...base,
        [Inputs.prevention(1)]: text('Now'),
        [Inputs.preventionOwner(1)]: user(OWNER),
        [Inputs.preventionDue(1)]: date('2024-03-04'),
      }),
      'UTC',
      new Date('2024-03-04T17:00:00Z'),
    );
    expect(today.errors).toEqual({});
  });
});

describe('endOfDay', () => {
  it('is the last second of that day where the team is, across clock changes', () => {
    expect(endOfDay('2024-03-04', 'UTC')).toEqual(new Date('2024-03-04T23:59:59Z'));
    expect(endOfDay('2024-07-04', 'Europe/Paris')).toEqual(new Date('2024-07-04T21:59:59Z'));
    expect(endOfDay('2024-03-31', 'Europe/Paris')).toEqual(new Date('2024-03-31T21:59:59Z'));
    expect(endOfDay('2024-03-04', 'America/New_York')).toEqual(new Date('2024-03-05T04:59:59Z'));
    expect(endOfDay('2024-03-04', 'Not/AZone')).toEqual(new Date('2024-03-04T23:59:59Z'));
  });

  it('refuses what is not a calendar date', () => {
    for (const bad of ['2024-02-30', '2024-13-01', '04/03/2024', '', '2024-3-4', '0024-03-04', '2024-03-04T10:00']) {
      expect(endOfDay(bad, 'UTC')).toBeNull();
    }
  });
});
