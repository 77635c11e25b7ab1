import type { Tx } from '../db/client';

/**
 * What the bot must show in Slack, recorded in the same transaction as the change that caused
 * it (a transactional outbox). The delivery worker sends it, retrying until Slack takes it, so a
 * report is never lost to a Slack outage and a crash never leaves a change without its message.
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
  | { kind: 'reminder'; userId: string; pass: string; steps: number[]; prevention: number[] }
  /**
   * The daily digest for one slot, built from the data as it is when it is sent. `first`: the
   * workspace's first digest, so there is no "last digest" to count from.
   */
  | {
      kind: 'digest';
      slot: string;
      slotAt: string;
      channel: string;
      since: string;
      late: boolean;
      first?: boolean;
      /** An extra copy asked for by an operator: when the day's digest first went out. */
      extraOf?: string | null;
    }
  /** A message rendered when it was queued. */
  | { kind: 'message'; key: string; channel: string; text: string; blocks?: unknown[] };

export type DeliveryKind = DeliveryRequest['kind'];

/** Kinds rendered from current data when sent: asking again while one waits changes nothing. */
const COALESCING: ReadonlySet<DeliveryKind> = new Set(['card', 'home', 'dm_update']);

export function dedupeKeyOf(request: DeliveryRequest): string {
  switch (request.kind) {
    case 'card':
      return `card:${request.mistakeId}`;
    case 'reply':
      return `reply:${request.eventId}`;
    case 'dm':
      return `dm:${request.eventId}:${request.userId}`;
    case 'escalation':
      return `escalation:${request.escalationId}`;
    case 'escalation_update':
      return `escalation-update:${request.escalationId}`;
    case 'home':
      return `home:${request.userId}`;
    case 'dm_update':
      return `dm-update:${request.channel}:${request.ts}`;
    case 'reminder':
      return `reminder:${request.userId}:${request.pass}`;
    case 'digest':
      return `digest:${request.slot}`;
    case 'message':
      return `message:${request.key}`;
  }
}

function payloadOf(request: DeliveryRequest): string {
  const { kind: _kind, ...rest } = request;
  return JSON.stringify(rest);
}

export interface EnqueueOptions {
  /**
   * How long App Home refreshes wait before they are sent. Every change refreshes the Home of its
   * owner and reporter; waiting a moment lets a burst of changes (someone working through their
   * steps, a busy morning) publish each Home once, from the latest data. 0 sends at once (someone
   * just opened the tab).
   */
  homeDelayMs?: number;
}

/**
 * Queues deliveries inside the caller's transaction. Queuing the same thing twice keeps one: a
 * card or Home refresh that is already waiting is left as it is (brought forward if this one is
 * due sooner), one that was sent is queued again, and one being sent has its generation bumped
 * so its sender sends once more.
 */
export async function enqueue(
  tx: Tx,
  teamId: string,
  requests: DeliveryRequest[],
  now: Date,
  options: EnqueueOptions = {},
): Promise<void> {
  for (const request of requests) {
    const dedupeKey = dedupeKeyOf(request);
    const mistakeId = 'mistakeId' in request ? request.mistakeId : null;
    const delayMs = request.kind === 'home' ? (options.homeDelayMs ?? 0) : 0;
    const due = delayMs > 0 ? new Date(now.getTime() + delayMs) : now;
    const create = {
      teamId,
      dedupeKey,
      kind: request.kind,
      mistakeId,
      payload: payloadOf(request),
      nextAttemptAt: due,
    };
    if (COALESCING.has(request.kind)) {
      const row = await tx.delivery.upsert({
        where: { teamId_dedupeKey: { teamId, dedupeKey } },
        create,
        update: { generation: { increment: 1 } },
      });
      // One being sent right now stays with its sender, who sees the new generation and sends
      // again; flipping it back to pending here would let a second worker post it twice.
      if (row.status === 'sent' || row.status === 'failed') {
        await tx.delivery.update({
          where: { id: row.id },
          data: { status: 'pending', attempts: 0, lastError: null, nextAttemptAt: due },
        });
      } else if (row.status === 'pending' && row.nextAttemptAt.getTime() > due.getTime() && row.attempts === 0) {
        // A refresh that was waiting out its delay is wanted now (a retry keeps its backoff).
        await tx.delivery.updateMany({ where: { id: row.id, status: 'pending' }, data: { nextAttemptAt: due } });
      }
    } else {
      // Upsert rather than insert-and-catch: on PostgreSQL a failed insert aborts the transaction.
      await tx.delivery.upsert({ where: { teamId_dedupeKey: { teamId, dedupeKey } }, create, update: {} });
    }
  }
}
