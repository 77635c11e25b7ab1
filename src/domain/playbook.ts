// The recovery playbook: the product's rules in one place, with no Slack and no database.
//
// A mistake's life: reported → recovering (own → apologize → ask → make right → satisfied)
// → root-cause analysis → prevention steps done → closed. Side exits: escalated (not
// satisfied, overdue, unowned) and reopened. The numbers in comments ("rule 4") refer to the
// playbook table in the product description.

import { DAY_MS, MINUTE_MS } from './durations';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = ['order', 'billing', 'delivery', 'quality', 'communication', 'service', 'technical', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  order: 'Order',
  billing: 'Billing',
  delivery: 'Delivery / shipping',
  quality: 'Product quality',
  communication: 'Communication',
  service: 'Service',
  technical: 'Technical / outage',
  other: 'Other',
};

/**
 * Every label people meet (a button, a modal's title, a checklist line, a state), in one table
 * and in the playbook's words, so the same thing is called the same everywhere.
 */
export const LABELS = {
  own: 'Own it',
  apologize: 'Apologize',
  ask: 'Ask what they want',
  makeRight: 'Make it right',
  satisfied: 'Customer satisfied',
  satisfiedQuestion: 'Customer satisfied?',
  notSatisfied: 'Not satisfied',
  nothingMore: 'Nothing more needed',
  rootCauseAnalysis: 'Root-cause analysis',
  prevention: 'Prevention steps',
  done: 'Done',
  reassign: 'Reassign',
  reopen: 'Reopen',
  openThread: 'Open thread',
  logContact: 'Log contact',
  nextContact: 'Next contact',
  settings: 'Settings',
  owned: 'Owned',
  apologized: 'Apologized',
  asked: 'Asked what they want',
  madeRight: 'Made it right',
  rcaWritten: 'Root-cause analysis written',
  reported: 'Reported',
  recovering: 'Recovering',
  escalated: 'Escalated',
  awaitingRca: 'Awaiting root-cause analysis',
  preventing: 'Prevention steps in progress',
  closed: 'Closed',
  cameBack: 'Came back',
  notYet: 'Not yet',
  lostThem: 'Lost them',
  markSent: 'Mark sent',
} as const;

/** The recovery steps, in playbook order (rules 1–5). */
export const STEP_KINDS = ['own', 'apologize', 'ask', 'make_right', 'confirm_satisfied'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const STEP_LABELS: Record<StepKind, string> = {
  own: LABELS.own,
  apologize: LABELS.apologize,
  ask: LABELS.ask,
  make_right: LABELS.makeRight,
  confirm_satisfied: LABELS.satisfied,
};

/** How a finished step reads in a checklist or a thread reply. */
export const STEP_DONE_LABELS: Record<StepKind, string> = {
  own: LABELS.owned,
  apologize: LABELS.apologized,
  ask: LABELS.asked,
  make_right: LABELS.madeRight,
  confirm_satisfied: LABELS.satisfied,
};

/** How a chased step reads once it is done. */
export const CHASED_STEP_DONE_LABELS: Record<ChasedStep, string> = {
  ...STEP_DONE_LABELS,
  root_cause_analysis: LABELS.rcaWritten,
};

/** How a step reads when it is the one to do now. */
export const STEP_TODO_LABELS: Record<StepKind, string> = {
  ...STEP_LABELS,
  confirm_satisfied: LABELS.satisfiedQuestion,
};

/**
 * Once the customer is satisfied, the root-cause analysis is chased like the recovery steps
 * (rules 6 and 7): due to the owner within the severity's time, reminded, escalated when late.
 * It is stored beside them as one more step, created when the customer is marked satisfied.
 */
export const RCA_STEP = 'root_cause_analysis' as const;
export const RCA_STEP_POSITION = STEP_KINDS.length;

/** What the bot chases an owner for: a recovery step or the root-cause analysis. */
export type ChasedStep = StepKind | typeof RCA_STEP;

export const CHASED_STEP_LABELS: Record<ChasedStep, string> = { ...STEP_LABELS, [RCA_STEP]: LABELS.rootCauseAnalysis };

export function isChasedStep(kind: unknown): kind is ChasedStep {
  return kind === RCA_STEP || STEP_KINDS.includes(kind as StepKind);
}

export const STATES = ['reported', 'recovering', 'escalated', 'awaiting_rca', 'preventing', 'closed'] as const;
export type MistakeState = (typeof STATES)[number];

export const STATE_LABELS: Record<MistakeState, string> = {
  reported: LABELS.reported,
  recovering: LABELS.recovering,
  escalated: LABELS.escalated,
  awaiting_rca: LABELS.awaitingRca,
  preventing: LABELS.preventing,
  closed: LABELS.closed,
};

export const STEP_STATUSES = ['pending', 'done', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const REMEDY_KINDS = ['credit', 'refund', 'replacement', 'free_item', 'expedite', 'discount', 'other'] as const;
export type RemedyKind = (typeof REMEDY_KINDS)[number];

export const REMEDY_LABELS: Record<RemedyKind, string> = {
  credit: 'Credit',
  refund: 'Refund',
  replacement: 'Replacement',
  free_item: 'Free item',
  expedite: 'Expedited',
  discount: 'Discount',
  other: 'Other',
};

export type PreventionStatus = 'open' | 'done';

/** Mistakes still owed something: to the customer, or to the team's learning. */
export const OPEN_STATES: readonly MistakeState[] = ['reported', 'recovering', 'escalated', 'awaiting_rca', 'preventing'];
/** Mistakes whose customer is still waiting for the recovery. */
export const RECOVERING_STATES: readonly MistakeState[] = ['reported', 'recovering', 'escalated'];

/** Severities most urgent first: App Home ranks by this after escalation. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * When what the owner is chased for now falls due, as App Home ranks an open mistake by it: the
 * first pending recovery step while the customer waits, the pending root-cause analysis while it
 * is awaited, else nothing. Stored with every change (Mistake.nextDueAt).
 */
export function rankingDueAt(state: string, steps: ReadonlyArray<{ kind: string; status: string; position: number; dueAt: Date }>): Date | null {
  const pending = (kinds: readonly string[]) =>
    steps.filter((s) => s.status === 'pending' && kinds.includes(s.kind)).sort((a, b) => a.position - b.position)[0]?.dueAt ?? null;
  if (RECOVERING_STATES.includes(state as MistakeState)) return pending(STEP_KINDS);
  if (state === 'awaiting_rca') return pending([RCA_STEP]);
  return null;
}

/**
 * An open mistake's place in App Home's ranking before its due time (Mistake.urgency), null once
 * closed: escalated ones first (0-9, then 10-19), then by severity (2 apart), then the ones with
 * something due before the ones with nothing due (+1). Read in index order with the due time and
 * the id, it is exactly `byUrgency` (src/services/queries.ts).
 */
export function urgencyOf(state: string, severity: string, nextDueAt: Date | null): number | null {
  if (!OPEN_STATES.includes(state as MistakeState)) return null;
  const rank = SEVERITY_RANK[severity as Severity] ?? Object.keys(SEVERITY_RANK).length;
  return (state === 'escalated' ? 0 : 10) + 2 * rank + (nextDueAt === null ? 1 : 0);
}

export type PlaybookErrorCode =
  | 'not_allowed'
  | 'wrong_order'
  | 'already_done'
  | 'rca_before_satisfied'
  | 'apology_alone'
  | 'invalid_state'
  | 'invalid_input'
  | 'not_skippable'
  | 'conflict'
  | 'not_found';

/**
 * A refused action. The message is a sentence written for the person who tried it; it is shown
 * to them as it is (ephemeral message or modal error).
 */
export class PlaybookError extends Error {
  constructor(
    readonly code: PlaybookErrorCode,
    message: string,
    /** For modal submissions: the field the message belongs to. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PlaybookError';
  }
}

/** Several problems with a form at once, by field, so each shows under its own input. */
export class FieldErrors extends PlaybookError {
  constructor(readonly errors: Readonly<Record<string, string>>) {
    const [field, message] = Object.entries(errors)[0] ?? ['', 'Some fields need another look.'];
    super('invalid_input', message, field);
    this.name = 'FieldErrors';
  }
}

export const CONFLICT_MESSAGE = 'This mistake changed while you were looking at it. Nothing was saved; have a look at the latest card and try again.';

// ---------------------------------------------------------------------------------------------
// The shape the rules read. Services map database rows onto it.

export interface StepSnapshot {
  kind: StepKind;
  status: StepStatus;
  dueAt: Date;
  doneAt?: Date | null;
  doneById?: string | null;
  skipReason?: string | null;
  customerAnswer?: string | null;
  remedyKind?: string | null;
  remedyValue?: string | null;
  note?: string | null;
  snoozedUntil?: Date | null;
  reminderCount?: number;
}

export interface PreventionSnapshot {
  id: number;
  description: string;
  ownerId: string;
  dueAt: Date;
  status: PreventionStatus;
  snoozedUntil?: Date | null;
  reminderCount?: number;
}

/** The root-cause analysis as a chased step: due, snoozed and reminded like a recovery step. */
export interface RcaStepSnapshot {
  status: StepStatus;
  dueAt: Date;
  snoozedUntil?: Date | null;
  reminderCount?: number;
}

export interface MistakeSnapshot {
  id: number;
  state: MistakeState;
  severity: Severity;
  ownerId: string | null;
  reporterId: string;
  createdAt: Date;
  /** The recovery steps (rules 1–5). */
  steps: StepSnapshot[];
  prevention?: PreventionSnapshot[];
  hasRca?: boolean;
  /** Present once the customer has been marked satisfied without an analysis written. */
  rcaStep?: RcaStepSnapshot | null;
}

export interface Actor {
  userId: string;
  isAdmin?: boolean;
  /** The workspace's escalation contact: escalations go to them, so they may hand a recovery on. */
  isEscalationContact?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Urgency (rule 8): severity sets how fast each step is due.

export interface SlaPolicy {
  /** How long one recovery step may take, per severity, in milliseconds. */
  stepMs: Record<Severity, number>;
}

export const DEFAULT_SLA: SlaPolicy = {
  stepMs: {
    critical: 30 * MINUTE_MS,
    high: 4 * 60 * MINUTE_MS,
    medium: DAY_MS,
    low: 3 * DAY_MS,
  },
};

/**
 * Due times for the pending steps, counted from `from`: each step gets one SLA period after the
 * one before it, so a critical mistake is owned in 30 minutes and apologized for 30 after that.
 */
export function scheduleSteps(severity: Severity, sla: SlaPolicy, from: Date, kinds: readonly StepKind[] = STEP_KINDS): Map<StepKind, Date> {
  const period = sla.stepMs[severity];
  const due = new Map<StepKind, Date>();
  for (const [index, kind] of kinds.entries()) due.set(kind, new Date(from.getTime() + period * (index + 1)));
  return due;
}

/** The steps that come after `kind` in playbook order. */
export function stepsAfter(kind: StepKind): StepKind[] {
  return STEP_KINDS.slice(STEP_KINDS.indexOf(kind) + 1);
}

// ---------------------------------------------------------------------------------------------
// Who may act (rule 1: the owner owns it; an admin or the reporter where that makes sense).

export type Action =
  | 'completeStep'
  | 'skipStep'
  | 'markSatisfied'
  | 'markNotSatisfied'
  | 'reassign'
  | 'reopen'
  | 'submitRca'
  | 'completePrevention'
  | 'logContact'
  | 'close';

/** The reporter may hand a mistake to someone else, reopen it and write its RCA. */
const REPORTER_MAY: readonly Action[] = ['reassign', 'reopen', 'submitRca'];

/** An escalation reaches the escalation contact, who can move it on by handing it to someone (rule 1). */
const ESCALATION_CONTACT_MAY: readonly Action[] = ['reassign'];

export function mayAct(m: MistakeSnapshot, actor: Actor, action: Action): boolean {
  if (actor.isAdmin) return true;
  if (m.ownerId !== null && actor.userId === m.ownerId) return true;
  if (actor.isEscalationContact && ESCALATION_CONTACT_MAY.includes(action)) return true;
  return actor.userId === m.reporterId && REPORTER_MAY.includes(action);
}

function requireAllowed(m: MistakeSnapshot, actor: Actor, action: Action): void {
  if (mayAct(m, actor, action)) return;
  const owner = m.ownerId ? `<@${m.ownerId}>` : 'its owner (it has none yet: ask the reporter or an admin to assign one)';
  const what = ESCALATION_CONTACT_MAY.includes(action)
    ? 'its owner, its reporter, the escalation contact or an admin'
    : REPORTER_MAY.includes(action)
      ? 'its owner, its reporter or an admin'
      : 'its owner or an admin';
  throw new PlaybookError('not_allowed', `Only ${what} can do that. This recovery belongs to ${owner}; nothing was changed.`);
}

// ---------------------------------------------------------------------------------------------
// Reading a mistake.

export function step(m: MistakeSnapshot, kind: StepKind): StepSnapshot {
  const found = m.steps.find((s) => s.kind === kind);
  if (!found) throw new PlaybookError('not_found', `This mistake has no "${STEP_LABELS[kind]}" step.`);
  return found;
}

const finished = (s: StepSnapshot | undefined): boolean => s !== undefined && s.status !== 'pending';

/** The step the owner should do next, in playbook order, or null when the recovery is done. */
export function nextStep(m: MistakeSnapshot): StepSnapshot | null {
  if (!RECOVERING_STATES.includes(m.state)) return null;
  for (const kind of STEP_KINDS) {
    const s = m.steps.find((x) => x.kind === kind);
    if (s && s.status === 'pending') return s;
  }
  return null;
}

/** Whether the root-cause analysis is what the owner is chased for now (rule 6: only once satisfied). */
export function rcaIsDue(m: MistakeSnapshot): boolean {
  return m.state === 'awaiting_rca' && !m.hasRca && m.rcaStep?.status === 'pending';
}

/** The one thing the owner is chased for now: the next recovery step, or the root-cause analysis. */
export function currentChasedStep(m: MistakeSnapshot): { kind: ChasedStep; dueAt: Date; snoozedUntil: Date | null; reminderCount: number } | null {
  const next = nextStep(m);
  if (next) {
    return { kind: next.kind, dueAt: next.dueAt, snoozedUntil: next.snoozedUntil ?? null, reminderCount: next.reminderCount ?? 0 };
  }
  if (rcaIsDue(m)) {
    const r = m.rcaStep!;
    return { kind: RCA_STEP, dueAt: r.dueAt, snoozedUntil: r.snoozedUntil ?? null, reminderCount: r.reminderCount ?? 0 };
  }
  return null;
}

export function isOpen(state: MistakeState): boolean {
  return state !== 'closed';
}

// ---------------------------------------------------------------------------------------------
// The transitions. Each guard throws a PlaybookError or returns what the service should write.

export const TEXT_LIMITS = {
  customer: 200,
  whatHappened: 3000,
  impact: 2000,
  answer: 2000,
  remedyValue: 500,
  reason: 1000,
  rcaField: 3000,
  prevention: 500,
  comment: 1000,
} as const;

// Zero-width spaces, joiners, direction marks and the like: text made only of them looks empty.
const INVISIBLE_ONLY = /^[\s\p{Cf}]*$/u;

/** Trims user text and refuses empty, whitespace-only or oversized values with a readable reason. */
export function cleanText(value: unknown, label: string, max: number, field?: string, options: { optional?: boolean } = {}): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '' || INVISIBLE_ONLY.test(text)) {
    if (options.optional) return '';
    throw new PlaybookError('invalid_input', `${label} can't be empty.`, field);
  }
  if ([...text].length > max) {
    throw new PlaybookError('invalid_input', `${label} is too long: ${[...text].length} characters, the limit is ${max}.`, field);
  }
  return text;
}

function requireRecovering(m: MistakeSnapshot): void {
  if (RECOVERING_STATES.includes(m.state)) return;
  if (m.state === 'closed') {
    throw new PlaybookError('invalid_state', 'This mistake is closed. Reopen it first if the customer needs more.');
  }
  throw new PlaybookError(
    'already_done',
    'The customer is already marked satisfied, so the recovery steps are done. Reopen it if the customer needs more.',
  );
}

/** Rules 1–4: steps happen in order; a done step stays done. */
export function assertCanCompleteStep(m: MistakeSnapshot, actor: Actor, kind: StepKind): void {
  if (kind === 'confirm_satisfied') {
    // Satisfaction has its own transitions (markSatisfied / markNotSatisfied).
    assertCanMarkSatisfied(m, actor);
    return;
  }
  requireRecovering(m);
  const target = step(m, kind);
  if (finished(target)) {
    throw new PlaybookError('already_done', `"${STEP_LABELS[kind]}" is already done${target.doneById ? ` (by <@${target.doneById}>)` : ''}.`);
  }
  requireAllowed(m, actor, 'completeStep');
  if (kind === 'own' && m.ownerId !== actor.userId) {
    throw new PlaybookError('not_allowed', `Only the owner can own it. To hand this recovery to someone, use Reassign.`);
  }
  for (const earlier of STEP_KINDS.slice(0, STEP_KINDS.indexOf(kind))) {
    const s = m.steps.find((x) => x.kind === earlier);
    if (s && !finished(s)) {
      throw new PlaybookError(
        'wrong_order',
        `"${STEP_LABELS[earlier]}" comes first: the playbook goes own it → apologize → ask what they want → make it right → customer satisfied.`,
      );
    }
  }
}

/**
 * Rule 12: the owner (or an admin) logs each contact with the customer, at any point of the
 * mistake's life; a closed mistake's contacts are logged too, but nothing is planned after it.
 */
export function assertCanLogContact(m: MistakeSnapshot, actor: Actor, options: { planningNext?: boolean } = {}): void {
  requireAllowed(m, actor, 'logContact');
  if (options.planningNext && m.state === 'closed') {
    throw new PlaybookError(
      'invalid_state',
      'This mistake is closed, so nothing would remind you of a next contact. Leave the date empty, or reopen the mistake.',
      'next_contact',
    );
  }
}

/** Every prevention step of the analysis is done: the "it won't happen again" note can be drafted and sent. */
export function preventionComplete(m: { rca: unknown; prevention: ReadonlyArray<{ status: string }> }): boolean {
  return m.rca !== null && m.rca !== undefined && m.prevention.length > 0 && m.prevention.every((p) => p.status === 'done');
}

/**
 * Rule 13: the "it won't happen again" note is drafted once every prevention step is done, and is
 * marked sent once, by the owner, the reporter or an admin. Closing never waits for it.
 */
export function assertCanMarkCustomerNoteSent(
  note: { ownerId: string | null; reporterId: string; preventionDone: boolean; alreadySent: boolean },
  actor: Actor,
): void {
  if (!note.preventionDone) throw new PlaybookError('invalid_state', 'The note is drafted once every prevention step is done. Nothing was changed.');
  if (note.alreadySent) throw new PlaybookError('already_done', 'The note was already marked sent. Nothing was changed.');
  if (!actor.isAdmin && actor.userId !== note.ownerId && actor.userId !== note.reporterId) {
    throw new PlaybookError('not_allowed', 'Only the owner, the reporter or an admin can mark the note sent.');
  }
}

/** Rule 14: the after-close check-in is answered once per question, by the owner or an admin. */
export function assertCanAnswerCheckIn(checkIn: { ownerId: string | null; asked: boolean }, actor: Actor): void {
  if (!checkIn.asked) throw new PlaybookError('already_done', 'That check-in was already answered. Nothing was changed.');
  const owner = checkIn.ownerId;
  if (!actor.isAdmin && actor.userId !== owner) {
    throw new PlaybookError('not_allowed', `Only the owner (${owner ? `<@${owner}>` : 'nobody yet'}) or an admin can answer this check-in.`);
  }
}

/** Only "make it right" may be skipped, and only with the customer's reason (rule 4). */
export const SKIPPABLE_STEPS: readonly StepKind[] = ['make_right'];

/**
 * Whether "nothing more needed" still fits: not once the customer has told us they need more.
 * Making it right was then done or skipped before and is to do again ("not satisfied" or a
 * reopen), and what was given or their reason is still recorded on the step.
 */
export function customerAskedForMore(m: MistakeSnapshot): boolean {
  const makeRight = m.steps.find((s) => s.kind === 'make_right');
  return makeRight !== undefined && makeRight.status === 'pending' && (!!makeRight.remedyKind || !!makeRight.skipReason);
}

export function assertCanSkipStep(m: MistakeSnapshot, actor: Actor, kind: StepKind, reason: string): string {
  if (!SKIPPABLE_STEPS.includes(kind)) {
    throw new PlaybookError(
      'not_skippable',
      `"${STEP_LABELS[kind]}" can't be skipped: every customer gets an owner, an apology and the question "what would you like us to do?".`,
    );
  }
  assertCanCompleteStep(m, actor, kind);
  if (customerAskedForMore(m)) {
    throw new PlaybookError(
      'invalid_state',
      `The customer told us they need more, so "${LABELS.nothingMore}" no longer fits. Record how you make it right.`,
    );
  }
  return cleanText(reason, 'The reason', TEXT_LIMITS.reason, 'reason');
}

/** Rule 4: an apology alone is hollow. Rule 5: confirmation comes after the remedy. */
export function assertCanMarkSatisfied(m: MistakeSnapshot, actor: Actor): void {
  requireRecovering(m);
  requireAllowed(m, actor, 'markSatisfied');
  for (const kind of ['own', 'apologize', 'ask'] as const) {
    if (!finished(m.steps.find((s) => s.kind === kind))) {
      throw new PlaybookError(
        'wrong_order',
        `"${STEP_LABELS[kind]}" comes first: the customer can be marked satisfied once they have an owner, an apology, and were asked what they want.`,
      );
    }
  }
  // Skipped counts only with the customer's reason recorded: otherwise it is an apology alone.
  const makeRight = m.steps.find((s) => s.kind === 'make_right');
  const madeRight = makeRight !== undefined && (makeRight.status === 'done' || (makeRight.status === 'skipped' && !!makeRight.skipReason?.trim()));
  if (!madeRight) {
    throw new PlaybookError(
      'apology_alone',
      "A recovery can't be marked satisfied on an apology alone. Record how you made it right, or that the customer asked for nothing more (with their reason).",
    );
  }
}

/** Rule 5: a customer who is not satisfied is escalated, never silently closed. */
export function assertCanMarkNotSatisfied(m: MistakeSnapshot, actor: Actor): void {
  try {
    assertCanMarkSatisfied(m, actor);
  } catch (error) {
    if (error instanceof PlaybookError && error.code === 'apology_alone') {
      throw new PlaybookError(
        'wrong_order',
        'Record how you made it right first; then tell us whether the customer is satisfied. If they want more, record the remedy you are offering.',
      );
    }
    throw error;
  }
}

/** Rule 6: the root-cause analysis is held back until the customer is satisfied. */
export const RCA_BEFORE_SATISFIED =
  'The root-cause analysis opens once the customer is marked satisfied. Recover the customer first; the why comes after.';

export function assertCanStartRca(m: MistakeSnapshot, actor: Actor): void {
  if (RECOVERING_STATES.includes(m.state)) {
    throw new PlaybookError('rca_before_satisfied', RCA_BEFORE_SATISFIED);
  }
  if (m.state !== 'awaiting_rca' || m.hasRca) {
    throw new PlaybookError('already_done', 'The root-cause analysis for this mistake is already written.');
  }
  requireAllowed(m, actor, 'submitRca');
}

export interface PreventionInput {
  description: string;
  ownerId: string;
  dueAt: Date;
}

export interface RcaInput {
  whatHappened: string;
  causes: string;
  whatChanges: string;
  prevention: PreventionInput[];
}

/** Rule 7: the RCA commits to at least one prevention step with an owner and a due date. */
export function validateRca(input: RcaInput, now: Date): RcaInput {
  const whatHappened = cleanText(input.whatHappened, 'What happened', TEXT_LIMITS.rcaField, 'what_happened');
  const causes = cleanText(input.causes, 'The causes', TEXT_LIMITS.rcaField, 'causes');
  const whatChanges = cleanText(input.whatChanges, 'What changes', TEXT_LIMITS.rcaField, 'what_changes');
  if (input.prevention.length === 0) {
    throw new PlaybookError(
      'invalid_input',
      'Add at least one prevention step, with an owner and a due date, so the customer can be told it will not happen again.',
      'prevention_1',
    );
  }
  const prevention = input.prevention.map((p, index) => {
    const field = `prevention_${index + 1}`;
    const description = cleanText(p.description, 'The prevention step', TEXT_LIMITS.prevention, field);
    if (!p.ownerId) throw new PlaybookError('invalid_input', 'Each prevention step needs an owner.', `${field}_owner`);
    if (!(p.dueAt instanceof Date) || Number.isNaN(p.dueAt.getTime())) {
      throw new PlaybookError('invalid_input', 'Each prevention step needs a due date.', `${field}_due`);
    }
    // A date picked for "today" is midnight in the picker's timezone: allow a day's slack.
    if (p.dueAt.getTime() < now.getTime() - DAY_MS) {
      throw new PlaybookError('invalid_input', 'A prevention step is due today or later, not in the past.', `${field}_due`);
    }
    return { description, ownerId: p.ownerId, dueAt: p.dueAt };
  });
  return { whatHappened, causes, whatChanges, prevention };
}

export function assertCanCompletePrevention(m: MistakeSnapshot, actor: Actor, action: PreventionSnapshot): void {
  if (m.state !== 'preventing') {
    throw new PlaybookError('invalid_state', 'This prevention step is no longer open.');
  }
  if (action.status === 'done') {
    throw new PlaybookError('already_done', 'This prevention step is already done.');
  }
  if (actor.userId !== action.ownerId && !mayAct(m, actor, 'completePrevention')) {
    throw new PlaybookError(
      'not_allowed',
      `Only <@${action.ownerId}> (who owns this prevention step), the mistake's owner or an admin can mark it done. Nothing was changed.`,
    );
  }
}

/** A mistake closes once its RCA is written and every prevention step is done. */
export function assertCanClose(m: MistakeSnapshot, actor: Actor): void {
  if (m.state === 'closed') throw new PlaybookError('already_done', 'This mistake is already closed.');
  if (m.state !== 'preventing' || !m.hasRca) {
    throw new PlaybookError(
      'invalid_state',
      'A mistake closes once the customer is satisfied, the root-cause analysis is written and every prevention step is done.',
    );
  }
  const open = (m.prevention ?? []).filter((p) => p.status !== 'done');
  if (open.length > 0) {
    throw new PlaybookError('invalid_state', `${open.length} prevention step${open.length === 1 ? ' is' : 's are'} still open.`);
  }
  requireAllowed(m, actor, 'close');
}

export function isReadyToClose(m: MistakeSnapshot): boolean {
  return m.state === 'preventing' && !!m.hasRca && (m.prevention ?? []).every((p) => p.status === 'done');
}

/** Without `newOwnerId`, only whether this person may hand the recovery on at all. */
export function assertCanReassign(m: MistakeSnapshot, actor: Actor, newOwnerId?: string): void {
  if (m.state === 'closed') {
    throw new PlaybookError('invalid_state', 'This mistake is closed. Reopen it first to change its owner.');
  }
  requireAllowed(m, actor, 'reassign');
  if (newOwnerId === undefined) return;
  if (!newOwnerId) throw new PlaybookError('invalid_input', 'Choose who owns the recovery.', 'owner');
  if (newOwnerId === m.ownerId) {
    throw new PlaybookError('invalid_input', `<@${newOwnerId}> already owns this recovery.`, 'owner');
  }
}

/** Reopening puts the customer back at the centre: make it right and confirm again. */
export const STEPS_REOPENED: readonly StepKind[] = ['make_right', 'confirm_satisfied'];

export function assertCanReopen(m: MistakeSnapshot, actor: Actor): string[] {
  if (RECOVERING_STATES.includes(m.state)) {
    throw new PlaybookError('invalid_state', 'This recovery is still open; there is nothing to reopen.');
  }
  requireAllowed(m, actor, 'reopen');
  return [...STEPS_REOPENED];
}

/** The state after a recovery step is done: owning it starts the recovery. */
export function stateAfterStep(m: MistakeSnapshot, kind: StepKind): MistakeState {
  if (kind === 'own' && m.state === 'reported') return 'recovering';
  return m.state;
}

// ---------------------------------------------------------------------------------------------
// What is outstanding and what is escalated.

export interface OutstandingItem {
  kind: 'step' | 'prevention';
  step?: ChasedStep;
  preventionId?: number;
  label: string;
  ownerId: string | null;
  dueAt: Date;
  overdue: boolean;
  /** How long past due, in ms (0 when not overdue). */
  overdueByMs: number;
  snoozedUntil: Date | null;
  reminderCount: number;
}

/**
 * The current recovery step (only one at a time: the playbook is done in order) or, once the
 * customer is satisfied, the root-cause analysis; and every open prevention step, with whether
 * each is overdue at `now`.
 */
export function outstanding(m: MistakeSnapshot, now: Date): OutstandingItem[] {
  const items: OutstandingItem[] = [];
  const current = currentChasedStep(m);
  if (current) {
    const overdueBy = now.getTime() - current.dueAt.getTime();
    items.push({
      kind: 'step',
      step: current.kind,
      label: CHASED_STEP_LABELS[current.kind],
      ownerId: m.ownerId,
      dueAt: current.dueAt,
      overdue: overdueBy > 0,
      overdueByMs: Math.max(0, overdueBy),
      snoozedUntil: current.snoozedUntil,
      reminderCount: current.reminderCount,
    });
  }
  if (m.state === 'preventing') {
    for (const p of m.prevention ?? []) {
      if (p.status === 'done') continue;
      const overdueBy = now.getTime() - p.dueAt.getTime();
      items.push({
        kind: 'prevention',
        preventionId: p.id,
        label: p.description,
        ownerId: p.ownerId,
        dueAt: p.dueAt,
        overdue: overdueBy > 0,
        overdueByMs: Math.max(0, overdueBy),
        snoozedUntil: p.snoozedUntil ?? null,
        reminderCount: p.reminderCount ?? 0,
      });
    }
  }
  return items;
}

export interface EscalationPolicy {
  /** How long past due before an outstanding step is escalated. */
  escalateAfterMs: number;
  /** How many reminders an item gets before it is escalated instead. */
  reminderCap: number;
}

export type EscalationReason = 'unowned' | 'overdue' | 'not_satisfied' | 'reminder_cap';

export interface EscalationDue {
  /** Unique per mistake: each key is escalated once. */
  key: string;
  reason: EscalationReason;
  text: string;
}

export const ESCALATION_REASON_LABELS: Record<EscalationReason, string> = {
  unowned: 'no owner',
  overdue: 'overdue',
  not_satisfied: 'customer not satisfied',
  reminder_cap: 'reminders unanswered',
};

/**
 * The escalations a mistake is due at `now` (rules 1 and 5): no owner, a step overdue beyond the
 * threshold, reminders unanswered. "Not satisfied" is escalated by the transition itself.
 */
export function escalationsDue(m: MistakeSnapshot, now: Date, policy: EscalationPolicy): EscalationDue[] {
  if (!isOpen(m.state)) return [];
  const due: EscalationDue[] = [];
  if (m.ownerId === null && RECOVERING_STATES.includes(m.state)) {
    due.push({ key: 'unowned', reason: 'unowned', text: 'Nobody owns this recovery.' });
  }
  for (const item of outstanding(m, now)) {
    // The due time is part of the key: a step rescheduled by a reopen or "not satisfied" is a
    // new promise to the customer and may be escalated again.
    const ref = `${item.kind === 'step' ? item.step! : `prevention-${item.preventionId}`}@${item.dueAt.toISOString()}`;
    if (item.overdue && item.overdueByMs >= policy.escalateAfterMs) {
      due.push({
        key: `overdue:${ref}`,
        reason: 'overdue',
        text: `"${item.label}" is overdue${item.ownerId ? ` (owner <@${item.ownerId}>)` : ''}.`,
      });
    }
    if (item.reminderCount >= policy.reminderCap) {
      due.push({
        key: `reminder_cap:${ref}`,
        reason: 'reminder_cap',
        text: `"${item.label}" has been reminded ${item.reminderCount} times without an answer.`,
      });
    }
  }
  return due;
}

// ---------------------------------------------------------------------------------------------
// When an escalation is resolved: the mistake moved on past what was escalated.

/** A change that moves a mistake on, as far as its escalations are concerned. */
export type MovedOn =
  | { kind: 'satisfied' }
  | { kind: 'reassigned' }
  | { kind: 'closed' }
  /** A recovery step done or skipped, or the root-cause analysis written. */
  | { kind: 'step'; step: ChasedStep }
  | { kind: 'prevention'; preventionId: number };

/** What an escalation's key names: the late step or prevention step (keys come from `escalationsDue`). */
export function escalationSubject(key: string): { step?: ChasedStep; preventionId?: number } {
  const ref = /^(?:overdue|reminder_cap):([^@]+)@/.exec(key)?.[1];
  if (!ref) return {};
  const prevention = /^prevention-(\d+)$/.exec(ref);
  if (prevention) return { preventionId: Number(prevention[1]) };
  return isChasedStep(ref) ? { step: ref } : {};
}

/**
 * Whether `moved` resolves an escalation (rules 1 and 5: an escalation stands until the mistake
 * moves past what was escalated). Closing resolves everything. A satisfied customer resolves what
 * was about the recovery; handing the mistake to someone resolves what was about its owner (the
 * recovery and the root-cause analysis, not a prevention step, which has its own owner). A late
 * step resolves once it is done, and "nobody owns it" once someone owns it.
 */
export function resolvesEscalation(escalation: { key: string; reason: string }, moved: MovedOn): boolean {
  if (moved.kind === 'closed') return true;
  const subject = escalationSubject(escalation.key);
  const aboutRecovery =
    escalation.reason === 'not_satisfied' || escalation.reason === 'unowned' || (subject.step !== undefined && subject.step !== RCA_STEP);
  switch (moved.kind) {
    case 'satisfied':
      return aboutRecovery;
    case 'reassigned':
      return aboutRecovery || subject.step === RCA_STEP;
    case 'step':
      return subject.step === moved.step || (escalation.reason === 'unowned' && moved.step === 'own');
    case 'prevention':
      return subject.preventionId === moved.preventionId;
  }
}

// ---------------------------------------------------------------------------------------------
// Outcome (rule 10).

/** What counts as the customer's answer about the recovery: satisfied, or that they need more. */
export const ANSWER_KINDS = ['satisfied', 'not_satisfied', 'reopened'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export function isAnswerKind(kind: string): kind is AnswerKind {
  return (ANSWER_KINDS as readonly string[]).includes(kind);
}

/**
 * The recovery rate, defined once (README, "Recovery rate"): of the customers (mistakes) who gave
 * an answer in a period, the share whose latest answer was "satisfied". A customer counts once
 * however many times they answered; "not satisfied" and a reopen (they needed more) are the other
 * answers. Null when nobody answered.
 */
export function recoveryRate(recovered: number, notSatisfied: number): number | null {
  const answered = recovered + notSatisfied;
  return answered === 0 ? null : recovered / answered;
}
