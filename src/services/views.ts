// The shapes the Slack views are built from: plain data, no database types. Rows become these
// in one place (`mistakeView` in records.ts), so a schema change does not reach the views.

import type { MistakeSnapshot, MistakeState, PreventionStatus, Severity, StepKind, StepStatus } from '../domain/playbook';

/** An earlier mistake for the same customer (same account, or same name when no account). */
export interface EarlierMistakeView {
  id: number;
  channelId: string;
  threadTs: string | null;
  createdAt: Date;
}

/** An amount in minor units (cents) of an ISO 4217 currency. */
export interface MoneyView {
  minor: number;
  currency: string;
}

/** A recovery step as the card, the replies and the forms show it. */
export interface StepView {
  kind: StepKind;
  status: StepStatus;
  dueAt: Date;
  doneById: string | null;
  doneAt: Date | null;
  skipReason: string | null;
  /** "What would you like us to do?" (the ask step). */
  customerAnswer: string | null;
  /** The remedy given (the make-it-right step): one of the playbook's kinds, as stored. */
  remedyKind: string | null;
  remedyValue: string | null;
  note: string | null;
  snoozedUntil: Date | null;
  reminderCount: number;
}

/** The root-cause analysis as a chased step, once the customer is satisfied. */
export interface RcaStepView {
  status: StepStatus;
  dueAt: Date;
  snoozedUntil: Date | null;
  reminderCount: number;
}

export interface RcaView {
  whatHappened: string;
  causes: string;
  whatChanges: string;
  authorId: string;
  createdAt: Date;
}

export interface PreventionView {
  id: number;
  description: string;
  ownerId: string;
  dueAt: Date;
  status: PreventionStatus;
  doneById: string | null;
  doneAt: Date | null;
  snoozedUntil: Date | null;
  reminderCount: number;
}

/** One mistake, whole, as the views show it. */
export interface MistakeView {
  id: number;
  teamId: string;
  /** What a button or a form carries, so a change made meanwhile is caught. */
  version: number;
  customer: string;
  /** The customer's account id or name, an https link to their CRM record or ticket (optional). */
  account: string | null;
  customerLink: string | null;
  /** The value at risk, in minor units of its currency (optional). */
  value: MoneyView | null;
  /**
   * The same customer's mistakes reported in the REPEAT_WINDOW_DAYS before this one, newest
   * first; read only where it is shown (the card, the reporter's confirmation).
   */
  earlier?: EarlierMistakeView[];
  /** What its earlier mistakes share with it (`customerKey` in src/domain/customer.ts); null: none. */
  customerKey: string | null;
  whatHappened: string;
  impact: string;
  severity: Severity;
  /** One of the playbook's categories, as stored ('' when not given). */
  category: string;
  reporterId: string;
  ownerId: string | null;
  state: MistakeState;
  /** Where its card is; `threadTs` is null until the card is posted. */
  channelId: string;
  threadTs: string | null;
  escalationLevel: number;
  escalatedAt: Date | null;
  escalationReason: string | null;
  apologizedAt: Date | null;
  satisfiedAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  /** The next contact with the customer the owner planned, while it waits. */
  nextContact: { contactId: number; at: Date; snoozedUntil: Date | null } | null;
  /** "recovered" once satisfied; the after-close check-in's answer: came_back, not_yet or lost. */
  outcome: string | null;
  /** The after-close check-in: when it is next due, when the open question was sent, how many were. */
  checkInDueAt: Date | null;
  checkInAskedAt: Date | null;
  checkInsSent: number;
  /** The "it won't happen again" note: when it was marked sent to the customer, and by whom. */
  customerNoteSentAt: Date | null;
  customerNoteSentById: string | null;
  /** The recovery steps, in playbook order. */
  steps: StepView[];
  rcaStep: RcaStepView | null;
  rca: RcaView | null;
  prevention: PreventionView[];
}

/** An escalation as its post shows it. */
export interface EscalationView {
  level: number;
  /** One of the playbook's reasons, as stored. */
  reason: string;
  /** The playbook's sentence, or for "not satisfied" what the customer still needs ('' on old rows). */
  text: string;
  at: Date;
  resolvedAt: Date | null;
}

/** The step of `kind`, if the mistake has it. */
export function stepOf(m: Pick<MistakeView, 'steps'>, kind: StepKind): StepView | undefined {
  return m.steps.find((s) => s.kind === kind);
}

/** What the playbook's rules read of a mistake. */
export function snapshotOf(m: MistakeView): MistakeSnapshot {
  return {
    id: m.id,
    state: m.state,
    severity: m.severity,
    ownerId: m.ownerId,
    reporterId: m.reporterId,
    createdAt: m.createdAt,
    hasRca: m.rca !== null,
    rcaStep: m.rcaStep,
    steps: m.steps,
    prevention: m.prevention,
  };
}
