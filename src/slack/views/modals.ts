// The forms: reporting a mistake, and each step that needs words (the customer's answer, the
// remedy, a reason, the root-cause analysis). Each step modal carries the mistake and the version
// it was opened on, so a change made meanwhile is caught instead of overwritten. The parse
// functions read a submission back into what the services take.

import type { ViewStateValue } from '@slack/bolt';
import type { ContextBlock, InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  cleanText,
  PlaybookError,
  type PreventionInput,
  type RcaInput,
  REMEDY_KINDS,
  REMEDY_LABELS,
  SEVERITIES,
  TEXT_LIMITS,
} from '../../domain/playbook';
import { CONTACT_CHANNEL_LABELS, CONTACT_CHANNELS, CONTACT_LIMITS, draftApology, type ExcuseFound, type RawContact } from '../../domain/contacts';
import { CUSTOMER_LIMITS } from '../../domain/customer';
import type { RawReport } from '../../domain/report';
import { endOfLocalDay, isValidTimeZone, parseLocalDate } from '../../domain/time';
import { type MistakeView, stepOf } from '../../services/views';
import { decodeValue, encodeValue, Inputs, PREVENTION_SLOTS, Views } from '../ids';
import { context, divider, LABELS, plain, section, SEVERITY_HINTS, SEVERITY_LABELS, severityShort } from './blocks';
import { inputValue, mention, quote, SLACK_LIMITS, truncate, userText } from './text';

/** Where a step button was clicked (the card or a DM), so the submission can refresh that message. */
export interface ModalOrigin {
  channelId?: string;
  ts?: string;
}

/** A submitted view's `state.values`: block id → action id → value. */
export type StateValues = Record<string, Record<string, ViewStateValue> | undefined>;

// ---------------------------------------------------------------------------------------------
// Building blocks.

function modal(callbackId: string, title: string, submit: string, blocks: KnownBlock[], privateMetadata?: string): ModalView {
  const view: ModalView = {
    type: 'modal',
    callback_id: callbackId,
    // Slack cuts nothing itself: a modal title, submit or close label over 24 characters is refused.
    title: plain(truncate(title, SLACK_LIMITS.modalTitle)),
    submit: plain(truncate(submit, SLACK_LIMITS.modalTitle)),
    close: plain('Cancel'),
    blocks,
  };
  if (privateMetadata !== undefined) view.private_metadata = privateMetadata;
  return view;
}

function metadata(m: MistakeView, origin?: ModalOrigin): string {
  return encodeValue({
    m: m.id,
    v: m.version,
    ...(origin?.channelId ? { c: origin.channelId } : {}),
    ...(origin?.ts ? { ts: origin.ts } : {}),
  });
}

/** Which mistake a form is about, so nobody answers for the wrong customer. */
function about(m: MistakeView): ContextBlock {
  return context(`Mistake #${m.id} · *${userText(m.customer, 150)}* · ${severityShort(m.severity)} · owner ${mention(m.ownerId)}`);
}

interface TextInputOptions {
  max: number;
  multiline?: boolean;
  initial?: string;
  placeholder?: string;
  hint?: string;
  optional?: boolean;
}

function textInput(id: string, label: string, o: TextInputOptions): InputBlock {
  const max = Math.min(o.max, SLACK_LIMITS.inputValue);
  const block: InputBlock = {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: o.optional ?? false,
    element: {
      type: 'plain_text_input',
      action_id: id,
      multiline: o.multiline ?? false,
      max_length: max,
      ...(o.initial ? { initial_value: inputValue(o.initial, max) } : {}),
      ...(o.placeholder ? { placeholder: plain(truncate(o.placeholder, SLACK_LIMITS.placeholder)) } : {}),
    },
  };
  if (o.hint) block.hint = plain(o.hint);
  return block;
}

const option = (value: string, text: string, description?: string): PlainTextOption => ({
  text: plain(truncate(text, SLACK_LIMITS.optionText)),
  value,
  ...(description ? { description: plain(truncate(description, SLACK_LIMITS.optionText)) } : {}),
});

function selectInput(
  id: string,
  label: string,
  options: PlainTextOption[],
  o: { placeholder: string; optional?: boolean; hint?: string },
): InputBlock {
  const block: InputBlock = {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: o.optional ?? false,
    element: { type: 'static_select', action_id: id, placeholder: plain(o.placeholder), options },
  };
  if (o.hint) block.hint = plain(o.hint);
  return block;
}

function userInput(id: string, label: string, o: { initialUser?: string | null; optional?: boolean; hint?: string }): InputBlock {
  const block: InputBlock = {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: o.optional ?? false,
    element: {
      type: 'users_select',
      action_id: id,
      placeholder: plain('Choose a person'),
      ...(o.initialUser ? { initial_user: o.initialUser } : {}),
    },
  };
  if (o.hint) block.hint = plain(o.hint);
  return block;
}

function dateInput(id: string, label: string, o: { optional?: boolean; initial?: string; hint?: string }): InputBlock {
  const block: InputBlock = {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: o.optional ?? false,
    element: { type: 'datepicker', action_id: id, placeholder: plain('Pick a date'), ...(o.initial ? { initial_date: o.initial } : {}) },
  };
  if (o.hint) block.hint = plain(o.hint);
  return block;
}

// ---------------------------------------------------------------------------------------------
// The report.

const SEVERITY_OPTIONS = SEVERITIES.map((s) => option(s, `${SEVERITY_LABELS[s]} — ${SEVERITY_HINTS[s]}`));
const CATEGORY_OPTIONS = CATEGORIES.map((c) => option(c, CATEGORY_LABELS[c]));
const REMEDY_OPTIONS = REMEDY_KINDS.map((r) => option(r, REMEDY_LABELS[r]));

/**
 * What a submitted form becomes when it could not be saved for a reason the person cannot fix in
 * it (an old version's form, a workspace the bot is not installed in): the reason, and a close.
 */
export function nothingSavedModal(reason: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Nothing was saved' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: reason } }],
  };
}

/**
 * The `/mistake` form. The owner defaults to the reporter: whoever reports a mistake owns its
 * recovery unless they hand it to someone, who then takes it with *Own it*.
 */
export function reportModal(options: { prefill?: string; reporterId: string; defaultCurrency?: string }): ModalView {
  const prefill = options.prefill?.trim();
  return modal(Views.report, 'Report a mistake', 'Report', [
    context(
      'Owning a mistake is how a customer gets recovered. This opens a thread with the playbook: own it, apologize, ask what they want, make it right.',
    ),
    textInput(Inputs.customer, 'Customer', {
      max: TEXT_LIMITS.customer,
      placeholder: 'A name or an account',
    }),
    textInput(Inputs.whatHappened, 'What happened', {
      max: TEXT_LIMITS.whatHappened,
      multiline: true,
      initial: prefill,
      placeholder: 'What went wrong, in plain words',
    }),
    textInput(Inputs.impact, 'Impact on the customer', {
      max: TEXT_LIMITS.impact,
      multiline: true,
      placeholder: 'What it cost them: time, money, trust, a missed deadline…',
    }),
    selectInput(Inputs.severity, 'Severity', SEVERITY_OPTIONS, {
      placeholder: 'How urgent is it for them?',
      hint: 'Severity sets how fast each step is due.',
    }),
    selectInput(Inputs.category, 'Category', CATEGORY_OPTIONS, { placeholder: 'Choose a category', optional: true }),
    userInput(Inputs.owner, 'Who owns the recovery', {
      initialUser: options.reporterId,
      hint: 'You, unless you hand it to someone. They take it with Own it.',
    }),
    context('*The customer as a record* (optional): an earlier mistake for the same account or name is pointed out on the card.'),
    textInput(Inputs.account, 'Account', {
      max: CUSTOMER_LIMITS.account,
      optional: true,
      placeholder: 'Their account id or account name',
    }),
    textInput(Inputs.customerLink, 'CRM record or ticket', {
      max: CUSTOMER_LIMITS.link,
      optional: true,
      placeholder: 'https://…',
    }),
    textInput(Inputs.valueAmount, 'Value at risk', {
      max: 30,
      optional: true,
      placeholder: 'What the customer is worth to us, like 1,250.00',
    }),
    textInput(Inputs.valueCurrency, 'Currency', {
      max: 3,
      optional: true,
      initial: options.defaultCurrency ?? 'USD',
      hint: 'ISO 4217 code, like USD, EUR, GBP or JPY.',
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The step modals.

const CONTACT_OPTIONS = CONTACT_CHANNELS.map((c) => option(c, CONTACT_CHANNEL_LABELS[c]));

/** What a contact form showed, to show it again (the apology form after a wording hint). */
export interface ContactFormValues {
  channel?: string;
  summary?: string;
  nextContactOn?: string;
  apology?: string;
}

/** How the owner was in touch, what was said, and when they will be again: the contact log's fields. */
function contactInputs(values: ContactFormValues, o: { summaryLabel: string; summaryPlaceholder: string }): InputBlock[] {
  const channel = selectInput(Inputs.contactChannel, 'How', CONTACT_OPTIONS, { placeholder: 'Call, email, chat…' });
  const picked = CONTACT_OPTIONS.find((c) => c.value === values.channel);
  if (picked && channel.element.type === 'static_select') channel.element.initial_option = picked;
  return [
    channel,
    textInput(Inputs.contactSummary, o.summaryLabel, {
      max: CONTACT_LIMITS.summary,
      multiline: true,
      initial: values.summary,
      placeholder: o.summaryPlaceholder,
    }),
    dateInput(Inputs.nextContact, 'Next contact', {
      optional: true,
      initial: values.nextContactOn,
      hint: 'When you will be in touch again. You are reminded that day, like a step, until you log it.',
    }),
  ];
}

/** Rule 12: a contact with the customer, logged by the owner or an admin. */
export function logContactModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  const planned = m.nextContact ? [context(`A next contact is planned: logging this one settles it.`)] : [];
  return modal(
    Views.logContact,
    LABELS.logContact,
    'Save',
    [
      about(m),
      ...planned,
      ...contactInputs({}, { summaryLabel: 'What was said', summaryPlaceholder: 'In a line or two: what you told them, what they said' }),
    ],
    metadata(m, origin),
  );
}

/**
 * Rules 2 and 12: the apology. A draft built from the report, which the owner edits (or clears)
 * and sends themselves; then how they made it. `hints`: excuse or blame wording found in what
 * they kept, pointed out once. Submitting again as it is records it: a hint never blocks.
 */
export function apologizeModal(
  m: MistakeView,
  origin?: ModalOrigin,
  again?: { values: ContactFormValues; hints: ExcuseFound[]; hinted: string[] },
): ModalView {
  const values = again?.values ?? { apology: draftApology(m) };
  const blocks: KnownBlock[] = [
    about(m),
    context(
      'Apologize sincerely, for *their* inconvenience: own the mistake, no excuses, and ask what they would like. The bot sends nothing to the customer: send it yourself, then record here how you did.',
    ),
  ];
  if (again && again.hints.length > 0) {
    const lines = again.hints.map((h) => `• “${userText(h.found, 60)}”: ${h.rule.why}`);
    blocks.push(
      section(
        truncate(
          `:bulb: *A word on the wording.* Your apology says:\n${lines.join('\n')}\nThis is a hint, not a rule: edit it, or press *${APOLOGY_SUBMIT}* again to record it as it is.`,
          SLACK_LIMITS.sectionText,
        ),
      ),
    );
  }
  blocks.push(
    textInput(Inputs.apology, 'The apology', {
      max: CONTACT_LIMITS.apology,
      multiline: true,
      optional: true,
      initial: values.apology,
      hint: 'A draft from the report: reword it in your own voice before you send it, or clear it.',
    }),
    ...contactInputs(values, { summaryLabel: 'How it went', summaryPlaceholder: 'In a line or two: how they took it, anything they said' }),
  );
  const meta = again ? encodeValue({ ...decodeValue(metadata(m, origin))!, h: again.hinted.join(',') }) : metadata(m, origin);
  return modal(Views.apologize, LABELS.apologize, APOLOGY_SUBMIT, blocks, meta);
}

const APOLOGY_SUBMIT = 'I apologized';

/** Rule 3: ask the customer what they would like, and write down their answer. */
export function askModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  return modal(
    Views.ask,
    LABELS.ask,
    'Save answer',
    [
      about(m),
      section('Ask the customer: _“What would you like us to do?”_ Then write down their answer, in their words.'),
      textInput(Inputs.answer, 'Their answer', {
        max: TEXT_LIMITS.answer,
        multiline: true,
        placeholder: 'e.g. a refund of the delivery fee, and the order by Friday',
      }),
    ],
    metadata(m, origin),
  );
}

/** Rule 4: a concrete remedy, recorded with what was given. */
export function makeRightModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  const answer = stepOf(m, 'ask')?.customerAnswer;
  const blocks: KnownBlock[] = [about(m)];
  if (answer) blocks.push(section(`*They asked for*\n${quote(userText(answer, 1000))}`));
  blocks.push(
    selectInput(Inputs.remedyKind, 'What did you give?', REMEDY_OPTIONS, { placeholder: 'Choose a remedy' }),
    textInput(Inputs.remedyValue, 'What exactly', {
      max: TEXT_LIMITS.remedyValue,
      placeholder: 'e.g. €40 back to their card; replacement sent by express',
    }),
  );
  return modal(Views.makeRight, LABELS.makeRight, 'Save', blocks, metadata(m, origin));
}

/** Rule 4: an apology alone is hollow, unless the customer asked for nothing more (and why). */
export function skipMakeRightModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  return modal(
    Views.skipMakeRight,
    LABELS.nothingMore,
    'Save',
    [
      about(m),
      section('Use this only when the customer told you the apology is all they want. Otherwise, make it right: an apology alone is hollow.'),
      textInput(Inputs.reason, 'The customer asked for nothing more because…', {
        max: TEXT_LIMITS.reason,
        multiline: true,
        placeholder: 'In their words, if you can',
      }),
    ],
    metadata(m, origin),
  );
}

/** Rule 5: the customer is satisfied; rule 6: that opens the root-cause analysis. */
export function satisfiedModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  const then = m.rca
    ? 'The prevention steps from the root-cause analysis carry on.'
    : 'Next comes the root-cause analysis: what in our process let this happen?';
  return modal(
    Views.satisfied,
    LABELS.satisfied,
    'Confirm',
    [
      about(m),
      section(`Good news. Confirm that *${userText(m.customer, 150)}* is satisfied with how it was put right. ${then}`),
      textInput(Inputs.comment, 'Anything worth remembering?', {
        max: TEXT_LIMITS.comment,
        multiline: true,
        optional: true,
        placeholder: 'e.g. what they said when it was sorted',
      }),
    ],
    metadata(m, origin),
  );
}

/** Rule 5: a customer who is not satisfied is escalated, never silently closed. */
export function notSatisfiedModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  return modal(
    Views.notSatisfied,
    LABELS.notSatisfied,
    'Escalate',
    [
      about(m),
      section('Thank you for saying so. This recovery will be escalated and goes back to *Make it right*.'),
      textInput(Inputs.comment, 'What does the customer still need?', {
        max: TEXT_LIMITS.comment,
        multiline: true,
      }),
    ],
    metadata(m, origin),
  );
}

/** Ownership is handed over here, never claimed by whoever clicks first. */
export function reassignModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  return modal(
    Views.reassign,
    LABELS.reassign,
    LABELS.reassign,
    [
      about(m),
      section(`${mention(m.ownerId)} owns this recovery now. The new owner is told, and takes it with *Own it*.`),
      userInput(Inputs.owner, 'New owner', {}),
    ],
    metadata(m, origin),
  );
}

/** The customer needs more after all: back to making it right and confirming. */
export function reopenModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  return modal(
    Views.reopen,
    LABELS.reopen,
    LABELS.reopen,
    [
      about(m),
      section('Reopening puts the customer back at the centre: make it right again, then confirm they are satisfied.'),
      textInput(Inputs.reason, 'Why reopen it?', { max: TEXT_LIMITS.reason, multiline: true }),
    ],
    metadata(m, origin),
  );
}

/**
 * Rules 6 and 7: the blameless root-cause analysis, and the prevention steps it commits to. The
 * first prevention step is required; the others are there for when one is not enough.
 */
export function rcaModal(m: MistakeView, origin?: ModalOrigin): ModalView {
  const blocks: KnownBlock[] = [
    about(m),
    context('*Causes, not culprits:* what in our process let this happen? This analysis is blameless: it names no one.'),
    textInput(Inputs.rcaWhatHappened, 'What happened', {
      max: TEXT_LIMITS.rcaField,
      multiline: true,
      initial: m.whatHappened,
      hint: 'The facts, in order, as the customer met them. Describe what happened, not who did it.',
    }),
    textInput(Inputs.causes, 'Why it happened', {
      max: TEXT_LIMITS.rcaField,
      multiline: true,
      placeholder: 'The gaps in tools, handovers, checks or training, not who slipped',
      hint: 'Causes, not culprits: what in our tools, handovers, checks or training let it happen. Anyone could have slipped there.',
    }),
    textInput(Inputs.whatChanges, 'What changes', {
      max: TEXT_LIMITS.rcaField,
      multiline: true,
      placeholder: 'So that it does not happen again',
      hint: 'Changes to how we work (a check, a tool, a handover), not to who does it.',
    }),
    divider(),
    section('*Prevention steps*, each with an owner and a due date, so the customer can be told it will not happen again.'),
  ];
  for (let n = 1; n <= PREVENTION_SLOTS; n += 1) {
    const optional = n > 1;
    blocks.push(
      textInput(Inputs.prevention(n), `Prevention step ${n}`, {
        max: TEXT_LIMITS.prevention,
        optional,
        placeholder: n === 1 ? 'e.g. add the address check to the dispatch list' : 'Another step, if one is not enough',
      }),
      userInput(Inputs.preventionOwner(n), 'Owner', { initialUser: m.ownerId, optional }),
      dateInput(Inputs.preventionDue(n), 'Due date', { optional }),
    );
  }
  return modal(Views.rootCauseAnalysis, LABELS.rootCauseAnalysis, 'Submit', blocks, metadata(m, origin));
}

// ---------------------------------------------------------------------------------------------
// Reading submissions back. Slack sends what the person entered; anything can be missing.

function element(values: StateValues, id: string): ViewStateValue | undefined {
  const block = Object.hasOwn(values ?? {}, id) ? values[id] : undefined;
  const el = block && Object.hasOwn(block, id) ? block[id] : undefined;
  return typeof el === 'object' && el !== null ? el : undefined;
}

function textOf(values: StateValues, id: string): string {
  const value = element(values, id)?.value;
  return typeof value === 'string' ? value : '';
}

function selectedOf(values: StateValues, id: string): string | undefined {
  const value = element(values, id)?.selected_option?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function userOf(values: StateValues, id: string): string | undefined {
  const value = element(values, id)?.selected_user;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dateOf(values: StateValues, id: string): string | undefined {
  const value = element(values, id)?.selected_date;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A contact (and, on the apology form, the apology) as typed; `validateContact` checks it. */
export function parseContactSubmission(values: StateValues): RawContact {
  return {
    channel: selectedOf(values, Inputs.contactChannel),
    summary: textOf(values, Inputs.contactSummary),
    nextContactOn: dateOf(values, Inputs.nextContact),
    apology: textOf(values, Inputs.apology),
  };
}

/** The report as typed; `validateReport` decides whether it is complete. */
export function parseReportSubmission(values: StateValues): RawReport {
  return {
    customer: textOf(values, Inputs.customer),
    whatHappened: textOf(values, Inputs.whatHappened),
    impact: textOf(values, Inputs.impact),
    severity: selectedOf(values, Inputs.severity),
    category: selectedOf(values, Inputs.category),
    ownerId: userOf(values, Inputs.owner),
    account: textOf(values, Inputs.account),
    link: textOf(values, Inputs.customerLink),
    valueAmount: textOf(values, Inputs.valueAmount),
    valueCurrency: textOf(values, Inputs.valueCurrency),
  };
}

/** The report's field names (as `validateReport` reports them) → the modal's block ids. */
export const REPORT_FIELD_BLOCKS: Record<keyof RawReport, string> = {
  customer: Inputs.customer,
  whatHappened: Inputs.whatHappened,
  impact: Inputs.impact,
  severity: Inputs.severity,
  category: Inputs.category,
  ownerId: Inputs.owner,
  account: Inputs.account,
  link: Inputs.customerLink,
  valueAmount: Inputs.valueAmount,
  valueCurrency: Inputs.valueCurrency,
};

export function parseAskSubmission(values: StateValues): { customerAnswer: string } {
  return { customerAnswer: textOf(values, Inputs.answer) };
}

export function parseMakeRightSubmission(values: StateValues): { remedyKind: string; remedyValue: string } {
  return { remedyKind: selectedOf(values, Inputs.remedyKind) ?? '', remedyValue: textOf(values, Inputs.remedyValue) };
}

export function parseSkipMakeRightSubmission(values: StateValues): { reason: string } {
  return { reason: textOf(values, Inputs.reason) };
}

export function parseSatisfiedSubmission(values: StateValues): { comment: string } {
  return { comment: textOf(values, Inputs.comment) };
}

export function parseNotSatisfiedSubmission(values: StateValues): { comment: string } {
  return { comment: textOf(values, Inputs.comment) };
}

export function parseReassignSubmission(values: StateValues): { ownerId: string } {
  return { ownerId: userOf(values, Inputs.owner) ?? '' };
}

export function parseReopenSubmission(values: StateValues): { reason: string } {
  return { reason: textOf(values, Inputs.reason) };
}

/** The RCA's field names (as `validateRca` reports them) → the modal's block ids, where they differ. */
export const RCA_FIELD_BLOCKS: Record<string, string> = {
  what_happened: Inputs.rcaWhatHappened,
};

export interface RcaSubmission {
  /** Prevention entries only for the slots that were filled in. */
  input: RcaInput;
  /** block id → what to fix there; empty when the form is complete. */
  errors: Record<string, string>;
  /** The modal slot (1-based) of each entry in `input.prevention`. */
  slots: number[];
}

/**
 * The RCA as typed. A slot counts as filled once it has a description or a due date (its owner is
 * preselected, so an owner alone means nothing); a half-filled slot is an error on the input that
 * is missing, so nothing the person meant to commit to is silently dropped. `now`, when given,
 * also refuses due dates before today.
 */
export function parseRcaSubmission(values: StateValues, timeZone: string, now?: Date): RcaSubmission {
  const errors: Record<string, string> = {};
  const checked = (id: string, label: string, max: number): string => {
    const raw = textOf(values, id);
    try {
      return cleanText(raw, label, max, id);
    } catch (e) {
      if (e instanceof PlaybookError) errors[id] = e.message;
      return raw.trim();
    }
  };
  const whatHappened = checked(Inputs.rcaWhatHappened, 'What happened', TEXT_LIMITS.rcaField);
  const causes = checked(Inputs.causes, 'The causes', TEXT_LIMITS.rcaField);
  const whatChanges = checked(Inputs.whatChanges, 'What changes', TEXT_LIMITS.rcaField);

  const prevention: PreventionInput[] = [];
  const slots: number[] = [];
  for (let n = 1; n <= PREVENTION_SLOTS; n += 1) {
    const descriptionId = Inputs.prevention(n);
    const ownerId = Inputs.preventionOwner(n);
    const dueId = Inputs.preventionDue(n);
    const description = textOf(values, descriptionId).trim();
    const owner = userOf(values, ownerId);
    const date = dateOf(values, dueId);
    if (!description && !date) continue;
    if (!description) {
      errors[descriptionId] = 'Describe this prevention step, or clear its due date.';
      continue;
    }
    let ok = true;
    try {
      cleanText(description, 'The prevention step', TEXT_LIMITS.prevention, descriptionId);
    } catch (e) {
      if (e instanceof PlaybookError) errors[descriptionId] = e.message;
      ok = false;
    }
    if (!owner) {
      errors[ownerId] = 'Who will do it? Choose an owner.';
      ok = false;
    }
    const dueAt = date ? endOfDay(date, timeZone) : null;
    if (!date) {
      errors[dueId] = 'When will it be done? Pick a due date.';
      ok = false;
    } else if (!dueAt) {
      errors[dueId] = 'That is not a date we can read. Pick one from the calendar.';
      ok = false;
    } else if (now && dueAt.getTime() < now.getTime()) {
      errors[dueId] = 'Pick today or a later date.';
      ok = false;
    }
    if (ok && owner && dueAt) {
      prevention.push({ description, ownerId: owner, dueAt });
      slots.push(n);
    }
  }
  const anyPreventionError = Object.keys(errors).some((id) => id.startsWith('prevention_'));
  if (prevention.length === 0 && !anyPreventionError) {
    errors[Inputs.prevention(1)] =
      'Add at least one prevention step, with an owner and a due date, so the customer can be told it will not happen again.';
  }
  return { input: { whatHappened, causes, whatChanges, prevention }, errors, slots };
}

/**
 * A date picker's "YYYY-MM-DD" as the end of that day in the team's time zone: "due on Friday"
 * means by the end of Friday where the team works, so it is not overdue (and reminded) on Friday
 * morning. Null for anything that is not a real calendar date. An unknown zone reads as UTC.
 */
export function endOfDay(date: string, timeZone: string): Date | null {
  const day = parseLocalDate(date);
  if (!day || day.year < 1970) return null;
  return endOfLocalDay(day, isValidTimeZone(timeZone) ? timeZone : 'UTC');
}
