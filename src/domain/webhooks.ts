// What the bot tells a webhook receiver: one JSON message per lifecycle event of a mistake, built
// from the timeline event in the same transaction that wrote it, and queued in the outbox.

import type { TimelineDetails, TimelineKind } from './timeline';

/**
 * The webhook event type each timeline event is sent as; null: not sent. Every timeline kind must
 * be named here (the compiler says so), so a new lifecycle event is sent once it is given a type
 * on one line.
 */
export const WEBHOOK_TYPES: Record<TimelineKind, string | null> = {
  reported: 'mistake.reported',
  owned: 'mistake.step_completed',
  step_done: 'mistake.step_completed',
  step_skipped: 'mistake.step_skipped',
  satisfied: 'mistake.satisfied',
  not_satisfied: 'mistake.not_satisfied',
  escalated: 'mistake.escalated',
  reassigned: 'mistake.reassigned',
  reopened: 'mistake.reopened',
  rca_submitted: 'mistake.rca_submitted',
  prevention_done: 'mistake.prevention_done',
  closed: 'mistake.closed',
  contact_logged: 'mistake.contact_logged',
  check_in_answered: 'mistake.check_in_answered',
  customer_note_sent: 'mistake.customer_note_sent',
  // The bot's own bookkeeping: the question it asked, the draft it put in the thread.
  check_in_asked: null,
  customer_note_drafted: null,
  // A reminder put off changes nothing a receiver needs to know.
  snoozed: null,
};

/** Fields of an event's details that are the bot's own bookkeeping, not news for a receiver. */
const INTERNAL_FIELDS: Partial<Record<TimelineKind, readonly string[]>> = {
  escalated: ['key'],
};

/** The mistake as it stands right after the event. */
export interface WebhookMistake {
  id: number;
  customer: string;
  severity: string;
  /** Null when none was given. */
  category: string | null;
  state: string;
  ownerId: string | null;
  reporterId: string;
  /** The mistake's Slack thread, once its card is posted. */
  thread: { channelId: string; ts: string } | null;
}

export interface WebhookSource {
  teamId: string;
  eventId: number;
  at: Date;
  /** Null: the bot's own scheduled checks (an escalation, for example). */
  actorId: string | null;
  details: TimelineDetails;
  mistake: WebhookMistake;
}

/**
 * The webhook id of a timeline event: the same on every attempt, so a receiver that gets an
 * event twice (at least once means sometimes twice) can tell.
 */
export function webhookId(teamId: string, eventId: number): string {
  return `evt_${teamId}_${eventId}`;
}

/** A link that opens the thread in any workspace (Slack's app_redirect), known without asking Slack. */
export function threadLink(channelId: string, ts: string): string {
  return `https://slack.com/app_redirect?channel=${encodeURIComponent(channelId)}&message_ts=${encodeURIComponent(ts)}`;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The message for one timeline event, or null when its kind is not sent. Built once, when the
 * event is written: every attempt sends the same bytes, describing the mistake as it was then.
 */
export function webhookMessage(source: WebhookSource): { id: string; type: string; body: string } | null {
  const type = WEBHOOK_TYPES[source.details.kind];
  if (!type) return null;
  const id = webhookId(source.teamId, source.eventId);
  const internal = INTERNAL_FIELDS[source.details.kind] ?? [];
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source.details)) {
    if (key === 'kind' || internal.includes(key) || value === undefined) continue;
    data[snake(key)] = value instanceof Date ? value.toISOString() : value;
  }
  const { mistake } = source;
  const body = {
    id,
    type,
    occurred_at: source.at.toISOString(),
    team_id: source.teamId,
    mistake: {
      id: mistake.id,
      customer: mistake.customer,
      severity: mistake.severity,
      category: mistake.category,
      state: mistake.state,
      owner_id: mistake.ownerId,
      reporter_id: mistake.reporterId,
      thread_url: mistake.thread ? threadLink(mistake.thread.channelId, mistake.thread.ts) : null,
    },
    actor: source.actorId ? { type: 'user', user_id: source.actorId } : { type: 'bot', user_id: null },
    data,
  };
  return { id, type, body: JSON.stringify(body) };
}
