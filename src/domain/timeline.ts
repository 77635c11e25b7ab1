// The timeline's vocabulary: every change to a mistake is one of these events, with who did it,
// when, and what it says. The kind has a column of its own; the rest is stored as JSON text in
// `details`, written by `encodeTimelineDetails` and read back only by `decodeTimelineDetails`.

import { CONTACT_CHANNELS, type ContactChannel } from './contacts';
import { CHECK_IN_ANSWERS, type CheckInAnswer } from './checkIn';
import { decodeUnion, encodeWithoutKind, type Readers } from './json';
import {
  type ChasedStep,
  ESCALATION_REASON_LABELS,
  type EscalationReason,
  type MovedOn,
  RCA_STEP,
  REMEDY_KINDS,
  type RemedyKind,
  SEVERITIES,
  type Severity,
  STEP_KINDS,
  type StepKind,
} from './playbook';

/** What a timeline event says, by kind. */
export type TimelineDetails =
  /** `ownedAtReport`: the reporter kept it, so they own it from that moment. */
  | { kind: 'reported'; ownerId: string; severity: Severity; ownedAtReport: boolean }
  | { kind: 'owned'; step: 'own'; note?: string }
  | {
      kind: 'step_done';
      step: StepKind;
      /** The ask step: what the customer would like. */
      customerAnswer?: string;
      /** The make-it-right step: what was given. */
      remedyKind?: RemedyKind;
      remedyValue?: string;
      note?: string;
      /** The apology step: how it was made (a logged contact), and the apology as the owner kept it. */
      contactId?: number;
      contactChannel?: ContactChannel;
      contactSummary?: string;
      apology?: string;
      nextContactAt?: Date;
    }
  | { kind: 'step_skipped'; step: StepKind; reason: string }
  | { kind: 'satisfied'; comment?: string }
  | { kind: 'not_satisfied'; comment: string }
  | { kind: 'escalated'; level: number; reason: EscalationReason; text: string; key: string }
  | { kind: 'reassigned'; from: string | null; to: string }
  | { kind: 'reopened'; reason: string }
  | { kind: 'rca_submitted'; preventionCount: number }
  | { kind: 'prevention_done'; preventionId: number; description: string }
  | { kind: 'closed' }
  /** A contact with the customer the owner logged, and when they plan the next one. */
  | { kind: 'contact_logged'; contactId: number; channel: ContactChannel; summary: string; nextContactAt?: Date }
  /** The after-close check-in: the owner is asked (the `number`th time) whether the customer came back. */
  | { kind: 'check_in_asked'; number: number }
  | { kind: 'check_in_answered'; answer: CheckInAnswer }
  /** Every prevention step is done: the thread gets a draft "it won't happen again" note. */
  | { kind: 'customer_note_drafted' }
  | { kind: 'customer_note_sent' }
  /** Reminders put off for the current step, or for one prevention step. */
  | { kind: 'snoozed'; step?: ChasedStep; preventionId?: number; contactId?: number; until: Date };

export type TimelineKind = TimelineDetails['kind'];

/** A stored timeline event, as its readers see it. */
export type TimelineEvent = TimelineDetails & {
  id: number;
  mistakeId: number;
  /** Null: the bot's own scheduled checks. */
  actorId: string | null;
  at: Date;
};

const ESCALATION_REASONS = Object.keys(ESCALATION_REASON_LABELS) as EscalationReason[];

const READERS: Readers<TimelineDetails> = {
  reported: (f) => ({ ownerId: f.string('ownerId'), severity: f.oneOf('severity', SEVERITIES), ownedAtReport: f.boolean('ownedAtReport') }),
  owned: (f) => ({ step: f.oneOf('step', ['own'] as const), note: f.optionalString('note') }),
  step_done: (f) => ({
    step: f.oneOf('step', STEP_KINDS),
    customerAnswer: f.optionalString('customerAnswer'),
    remedyKind: f.optionalOneOf('remedyKind', REMEDY_KINDS),
    remedyValue: f.optionalString('remedyValue'),
    note: f.optionalString('note'),
    contactId: f.optionalInt('contactId'),
    contactChannel: f.optionalOneOf('contactChannel', CONTACT_CHANNELS),
    contactSummary: f.optionalString('contactSummary'),
    apology: f.optionalString('apology'),
    nextContactAt: f.has('nextContactAt') ? f.date('nextContactAt') : undefined,
  }),
  step_skipped: (f) => ({ step: f.oneOf('step', STEP_KINDS), reason: f.string('reason') }),
  satisfied: (f) => ({ comment: f.optionalString('comment') }),
  not_satisfied: (f) => ({ comment: f.string('comment') }),
  escalated: (f) => ({
    level: f.int('level'),
    reason: f.oneOf('reason', ESCALATION_REASONS),
    text: f.string('text'),
    key: f.string('key'),
  }),
  reassigned: (f) => ({ from: f.nullableString('from'), to: f.string('to') }),
  reopened: (f) => ({ reason: f.string('reason') }),
  rca_submitted: (f) => ({ preventionCount: f.int('preventionCount') }),
  prevention_done: (f) => ({ preventionId: f.int('preventionId'), description: f.string('description') }),
  closed: () => ({}),
  contact_logged: (f) => ({
    contactId: f.int('contactId'),
    channel: f.oneOf('channel', CONTACT_CHANNELS),
    summary: f.string('summary'),
    nextContactAt: f.has('nextContactAt') ? f.date('nextContactAt') : undefined,
  }),
  check_in_asked: (f) => ({ number: f.int('number') }),
  check_in_answered: (f) => ({ answer: f.oneOf('answer', CHECK_IN_ANSWERS) }),
  customer_note_drafted: () => ({}),
  customer_note_sent: () => ({}),
  snoozed: (f) => ({
    step: f.optionalOneOf('step', [...STEP_KINDS, RCA_STEP]),
    preventionId: f.optionalInt('preventionId'),
    contactId: f.optionalInt('contactId'),
    until: f.date('until'),
  }),
};

/** The text stored in `details` for an event (its kind goes in its own column). */
export function encodeTimelineDetails(details: TimelineDetails): string {
  return encodeWithoutKind(details);
}

/** The one reader of a stored event's details; null when the row is not one this version wrote. */
export function decodeTimelineDetails(kind: string, details: string): TimelineDetails | null {
  return decodeUnion(READERS, kind, details);
}

/** What an event moved the mistake past, for its escalations. */
export function movedOn(event: TimelineDetails): MovedOn[] {
  switch (event.kind) {
    case 'owned':
      return [{ kind: 'step', step: 'own' }];
    case 'step_done':
    case 'step_skipped':
      return [{ kind: 'step', step: event.step }];
    case 'satisfied':
      return [{ kind: 'satisfied' }, { kind: 'step', step: 'confirm_satisfied' }];
    case 'rca_submitted':
      return [{ kind: 'step', step: RCA_STEP }];
    case 'prevention_done':
      return [{ kind: 'prevention', preventionId: event.preventionId }];
    case 'reassigned':
      return [{ kind: 'reassigned' }];
    case 'closed':
      return [{ kind: 'closed' }];
    default:
      return [];
  }
}
