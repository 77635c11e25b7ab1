// What the bot must show in Slack, as it is queued in the outbox (`Delivery.payload`), and what a
// direct message with buttons was rendered from (`DirectMessage.payload`). The kind has a column
// of its own; the rest is JSON text, written and read back only by the functions here.

import { decodeUnion, encodeWithoutKind, type Readers } from './json';
import { type ChasedStep, RCA_STEP, STEP_KINDS } from './playbook';

/**
 * One thing to show in Slack, recorded in the same transaction as the change that caused it (a
 * transactional outbox). The delivery worker sends it, retrying until Slack takes it, so a report
 * is never lost to a Slack outage and a crash never leaves a change without its message.
 */
export type DeliveryRequest =
  /** The mistake's card: posted once as the thread parent, then edited in place. */
  | { kind: 'card'; mistakeId: number }
  /** A thread reply rendering one timeline event (who did what). */
  | { kind: 'reply'; mistakeId: number; eventId: number }
  /** A direct message to a person about one timeline event (for example "you own this"). */
  | { kind: 'dm'; mistakeId: number; eventId: number; userId: string }
  /** An "Escalation" post in the escalation channel. */
  | { kind: 'escalation'; mistakeId: number; escalationId: number }
  /** The edit of an escalation post once it is resolved (it says so, and how). */
  | { kind: 'escalation_update'; mistakeId: number; escalationId: number }
  /**
   * The edit of a DM with buttons after a change to a mistake it is about, from current data:
   * what is done shows as done and loses its buttons.
   */
  | { kind: 'dm_update'; channel: string; ts: string }
  /** Someone's App Home tab, republished from current data. */
  | { kind: 'home'; userId: string }
  /** One owner's reminder DM for one pass, listing the items still outstanding when it is sent. */
  | { kind: 'reminder'; userId: string; pass: string; steps: number[]; prevention: number[]; contacts?: number[] }
  /**
   * The daily digest for one slot, built from the data as it is when it is sent. `first`: the
   * workspace's first digest, so there is no "last digest" to count from.
   */
  | {
      kind: 'digest';
      slot: string;
      slotAt: Date;
      channel: string;
      since: Date;
      late: boolean;
      first?: boolean;
      /** An extra copy asked for by an operator: when the day's digest first went out (null: not known). */
      extraOf?: Date | null;
    }
  /**
   * The weekly insights post for one slot: a chart of the twelve weeks up to `slotAt` uploaded
   * and shared in `channel` with the headline figures, built from the data when it is sent.
   */
  | { kind: 'insights'; slot: string; slotAt: Date; channel: string }
  /**
   * `/mistake export`: a CSV of the mistakes in `window` up to `requestedAt` sent to `userId` in
   * a DM (the team's for an admin, else the ones they reported or own).
   */
  | { kind: 'export'; key: string; userId: string; window: string; requestedAt: Date; admin: boolean }
  /** A message rendered when it was queued. */
  | { kind: 'message'; key: string; channel: string; text: string; blocks?: unknown[] }
  /**
   * One lifecycle event POSTed to the webhook receiver (WEBHOOK_URL), not to Slack: `body` is the
   * JSON sent, built when the event was written, and `webhookId` its id on every attempt.
   */
  | { kind: 'webhook'; mistakeId: number; eventId: number; webhookId: string; type: string; body: string };

export type DeliveryKind = DeliveryRequest['kind'];

const DELIVERY_READERS: Readers<DeliveryRequest> = {
  webhook: (f) => ({
    mistakeId: f.int('mistakeId'),
    eventId: f.int('eventId'),
    webhookId: f.string('webhookId'),
    type: f.string('type'),
    body: f.string('body'),
  }),
  card: (f) => ({ mistakeId: f.int('mistakeId') }),
  reply: (f) => ({ mistakeId: f.int('mistakeId'), eventId: f.int('eventId') }),
  dm: (f) => ({ mistakeId: f.int('mistakeId'), eventId: f.int('eventId'), userId: f.string('userId') }),
  escalation: (f) => ({ mistakeId: f.int('mistakeId'), escalationId: f.int('escalationId') }),
  escalation_update: (f) => ({ mistakeId: f.int('mistakeId'), escalationId: f.int('escalationId') }),
  dm_update: (f) => ({ channel: f.string('channel'), ts: f.string('ts') }),
  home: (f) => ({ userId: f.string('userId') }),
  reminder: (f) => ({
    userId: f.string('userId'),
    pass: f.string('pass'),
    steps: f.ints('steps'),
    prevention: f.ints('prevention'),
    // Planned next contacts (absent from reminders queued before they existed).
    ...(f.has('contacts') ? { contacts: f.ints('contacts') } : {}),
  }),
  digest: (f) => ({
    slot: f.string('slot'),
    slotAt: f.date('slotAt'),
    channel: f.string('channel'),
    since: f.date('since'),
    late: f.boolean('late'),
    ...(f.has('first') ? { first: f.boolean('first') } : {}),
    ...(f.has('extraOf') ? { extraOf: f.nullableDate('extraOf') } : {}),
  }),
  insights: (f) => ({ slot: f.string('slot'), slotAt: f.date('slotAt'), channel: f.string('channel') }),
  export: (f) => ({
    key: f.string('key'),
    userId: f.string('userId'),
    window: f.string('window'),
    requestedAt: f.date('requestedAt'),
    admin: f.boolean('admin'),
  }),
  message: (f) => ({
    key: f.string('key'),
    channel: f.string('channel'),
    text: f.string('text'),
    ...(f.has('blocks') ? { blocks: f.array('blocks') } : {}),
  }),
};

/** The text stored in a delivery's `payload` (its kind goes in its own column). */
export function encodeDeliveryPayload(request: DeliveryRequest): string {
  return encodeWithoutKind(request);
}

/** The one reader of a stored delivery; null when the row is not one this version wrote. */
export function decodeDeliveryPayload(kind: string, payload: string): DeliveryRequest | null {
  return decodeUnion(DELIVERY_READERS, kind, payload);
}

// ---------------------------------------------------------------------------------------------
// Direct messages with buttons.

/**
 * What a DM's buttons were for: a recovery step or the root-cause analysis (the owner's DMs), or
 * the recipient's prevention steps (after the analysis gave them some).
 */
export type Offer = ChasedStep | 'prevention' | 'check_in';

/** What a DM with buttons was rendered from, kept so it can be rendered again once what its buttons were for is done. */
export type DirectMessagePayload =
  /** A DM about one timeline event (you own this, reopened, prevention steps for you). */
  | { kind: 'dm'; mistakeId: number; eventId: number; userId: string; offered: Offer | null }
  /** A reminder DM: the steps and prevention steps it showed. */
  | { kind: 'reminder'; userId: string; steps: number[]; prevention: number[]; contacts?: number[] };

const OFFERS: readonly Offer[] = [...STEP_KINDS, RCA_STEP, 'prevention', 'check_in'];

const DIRECT_MESSAGE_READERS: Readers<DirectMessagePayload> = {
  dm: (f) => ({
    mistakeId: f.int('mistakeId'),
    eventId: f.int('eventId'),
    userId: f.string('userId'),
    offered: f.isNull('offered') ? null : f.oneOf('offered', OFFERS),
  }),
  reminder: (f) => ({
    userId: f.string('userId'),
    steps: f.ints('steps'),
    prevention: f.ints('prevention'),
    ...(f.has('contacts') ? { contacts: f.ints('contacts') } : {}),
  }),
};

export function encodeDirectMessagePayload(payload: DirectMessagePayload): string {
  return encodeWithoutKind(payload);
}

/** The one reader of a recorded DM; null when the row is not one this version wrote. */
export function decodeDirectMessagePayload(kind: string, payload: string): DirectMessagePayload | null {
  return decodeUnion(DIRECT_MESSAGE_READERS, kind, payload);
}
