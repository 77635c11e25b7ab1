import type { Db, Tx } from '../db/client';
import { inTransaction } from '../db/transaction';
import { decodeDeliveryPayload, type DeliveryKind, type DeliveryRequest, encodeDeliveryPayload } from '../domain/deliveries';
import { Prisma } from '../generated/prisma/client';
import type { Logger } from '../logger';

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
    case 'insights':
      return `insights:${request.slot}`;
    case 'export':
      return `export:${request.key}`;
    case 'message':
      return `message:${request.key}`;
    case 'webhook':
      return `webhook:${request.eventId}`;
  }
}

/** Which kinds of delivery a worker handles: Slack's worker and the webhook worker each take their own. */
export type DeliveryKinds = { only: readonly DeliveryKind[] } | { except: readonly DeliveryKind[] };

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
export async function enqueue(tx: Tx, teamId: string, requests: DeliveryRequest[], now: Date, options: EnqueueOptions = {}): Promise<void> {
  // One statement for all of them. A key asked for twice here is queued once (the first; a second
  // row with the same key would make the statement update one row twice).
  const seen = new Set<string>();
  const rows: Prisma.Sql[] = [];
  for (const request of requests) {
    const dedupeKey = dedupeKeyOf(request);
    if (seen.has(dedupeKey)) continue;
    seen.add(dedupeKey);
    const mistakeId = 'mistakeId' in request ? request.mistakeId : null;
    const delayMs = request.kind === 'home' ? (options.homeDelayMs ?? 0) : 0;
    const due = delayMs > 0 ? new Date(now.getTime() + delayMs) : now;
    rows.push(Prisma.sql`(${teamId}, ${dedupeKey}, ${request.kind}, ${mistakeId}, ${encodeDeliveryPayload(request)}, ${due}, ${now})`);
  }
  if (rows.length === 0) return;
  // On a key already queued, a non-coalescing kind is left as it is. A coalescing one gets its
  // generation bumped (one being sent right now stays with its sender, who sees the new generation
  // and sends again; flipping it back to pending here would let a second worker post it twice);
  // one that was sent (or failed) is pending again from now; a refresh waiting out its delay is
  // brought forward if this one is due sooner (a retry keeps its backoff).
  const coalescing = Prisma.raw(`excluded."kind" IN (${[...COALESCING].map((k) => `'${k}'`).join(', ')})`);
  const done = Prisma.sql`(${coalescing} AND "Delivery"."status" IN ('sent', 'failed'))`;
  await tx.$executeRaw`
    INSERT INTO "Delivery" ("teamId", "dedupeKey", "kind", "mistakeId", "payload", "nextAttemptAt", "createdAt")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("teamId", "dedupeKey") DO UPDATE SET
      "generation" = CASE WHEN ${coalescing} THEN "Delivery"."generation" + 1 ELSE "Delivery"."generation" END,
      "status" = CASE WHEN ${done} THEN 'pending' ELSE "Delivery"."status" END,
      "attempts" = CASE WHEN ${done} THEN 0 ELSE "Delivery"."attempts" END,
      "lastError" = CASE WHEN ${done} THEN NULL ELSE "Delivery"."lastError" END,
      "nextAttemptAt" = CASE
        WHEN ${done} THEN excluded."nextAttemptAt"
        WHEN ${coalescing} AND "Delivery"."status" = 'pending' AND "Delivery"."attempts" = 0
          AND "Delivery"."nextAttemptAt" > excluded."nextAttemptAt" THEN excluded."nextAttemptAt"
        ELSE "Delivery"."nextAttemptAt"
      END`;
}

/** A delivery as the worker handles it. */
export interface OutboxDelivery {
  id: number;
  teamId: string;
  kind: string;
  mistakeId: number | null;
  /** What to show; null when the stored payload could not be read (it is logged, and skipped). */
  request: DeliveryRequest | null;
  status: string;
  /** Bumped when a coalescing delivery is asked for again while it is being sent. */
  generation: number;
  attempts: number;
  /** An earlier attempt's outcome is unknown: look for its post before posting again. */
  uncertain: boolean;
  /** Until when Slack may still act on an unanswered attempt. */
  lookUntil: Date | null;
  /** When the current attempt was claimed (`claimDue`), or its post noted as going out (`take`, `noteCalled`). */
  calledAt: Date | null;
  lockedBy: string | null;
  createdAt: Date;
  /** Set by `claimDue` when this claim took the delivery over from a worker whose lease ran out. */
  takenOverFrom?: string;
}

/** How one queued post went: sent (with its ts), waiting, or refused. */
export interface DeliveryRecord {
  status: string;
  channel: string | null;
  ts: string | null;
  postedAt: Date | null;
  lastError: string | null;
}

const LET_GO = { lockedBy: null, leaseUntil: null };

/** What a claim writes in `lastError` when it takes a delivery over, followed by the worker it was taken from. */
export const TAKEN_OVER = 'taken over after the lease ran out of worker ';

/**
 * A row of "Delivery" as `RETURNING *` gives it: SQLite's booleans come back as 0 or 1, and a
 * driver may give a time as text.
 */
function deliveryRow(row: Record<string, unknown>): Prisma.DeliveryGetPayload<object> {
  const time = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    ...(row as Prisma.DeliveryGetPayload<object>),
    id: Number(row.id),
    mistakeId: row.mistakeId === null || row.mistakeId === undefined ? null : Number(row.mistakeId),
    generation: Number(row.generation),
    attempts: Number(row.attempts),
    uncertain: row.uncertain === true || Number(row.uncertain) === 1,
    lookUntil: time(row.lookUntil),
    calledAt: time(row.calledAt),
    leaseUntil: time(row.leaseUntil),
    sentAt: time(row.sentAt),
    nextAttemptAt: time(row.nextAttemptAt) ?? new Date(0),
    createdAt: time(row.createdAt) ?? new Date(0),
  };
}

/**
 * The outbox as the delivery worker and the operator see it: what is due, claims with leases
 * that count from when they are taken, and what became of each attempt. Every write names the
 * worker holding the delivery, so a worker whose lease was taken over changes nothing.
 */
export class Outbox {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Queues deliveries in a transaction of their own (what a send learned needs sending too). */
  async queue(teamId: string, requests: DeliveryRequest[], now: Date, options: EnqueueOptions = {}): Promise<void> {
    await inTransaction(this.db, (tx) => enqueue(tx, teamId, requests, now, options));
  }

  /**
   * Deliveries due now, oldest first: pending or failed ones whose backoff has passed (all of
   * them with `ignoreBackoff`), and ones whose worker's lease ran out mid-send.
   */
  async due(options: { now: Date; afterId: number; ignoreBackoff: boolean; limit: number; kinds?: DeliveryKinds }): Promise<OutboxDelivery[]> {
    const kinds = options.kinds;
    const rows = await this.db.delivery.findMany({
      where: {
        id: { gt: options.afterId },
        ...(kinds ? { kind: 'only' in kinds ? { in: [...kinds.only] } : { notIn: [...kinds.except] } } : {}),
        OR: [
          { status: { in: ['pending', 'failed'] }, ...(options.ignoreBackoff ? {} : { nextAttemptAt: { lte: options.now } }) },
          { status: 'sending', leaseUntil: { lt: options.now } },
        ],
      },
      orderBy: { id: 'asc' },
      take: options.limit,
    });
    return rows.map((row) => this.toDelivery(row));
  }

  private toDelivery(row: Prisma.DeliveryGetPayload<object>): OutboxDelivery {
    const request = decodeDeliveryPayload(row.kind, row.payload);
    if (!request) {
      this.logger.error('a queued delivery could not be read; it is skipped', { id: row.id, kind: row.kind, payload: row.payload.slice(0, 300) });
    }
    return {
      id: row.id,
      teamId: row.teamId,
      kind: row.kind,
      mistakeId: row.mistakeId,
      request,
      status: row.status,
      generation: row.generation,
      attempts: row.attempts,
      uncertain: row.uncertain,
      lookUntil: row.lookUntil,
      calledAt: row.calledAt,
      lockedBy: row.lockedBy,
      createdAt: row.createdAt,
      ...(row.status === 'sending' && row.lastError?.startsWith(TAKEN_OVER) ? { takenOverFrom: row.lastError.slice(TAKEN_OVER.length) } : {}),
    };
  }

  /**
   * Takes the deliveries due now for `workerId`, oldest first, at most `limit`, in one statement
   * (what `due` finds, each taken as `take` takes it). Each is noted as called at once
   * (`calledAt`): whoever takes one over after this worker's lease runs out treats its post as
   * possibly in Slack and looks before posting, which costs a wait only after a crash. One taken
   * over from a worker whose lease ran out comes back `uncertain`, looked for until `lookUntil`,
   * with `lastError` saying whose it was. The due conditions are asked again of each row as it is
   * updated: two replicas claiming at once never both take one (PostgreSQL checks them again on a
   * row another claim changed first; SQLite runs one write at a time).
   */
  async claimDue(options: {
    now: Date;
    afterId: number;
    ignoreBackoff: boolean;
    limit: number;
    kinds?: DeliveryKinds;
    workerId: string;
    leaseUntil: Date;
    lookUntil: Date;
  }): Promise<OutboxDelivery[]> {
    const { now, kinds } = options;
    const list = (values: readonly string[]) => Prisma.join(values.map((v) => Prisma.sql`${v}`));
    const kindIs = !kinds
      ? Prisma.empty
      : 'only' in kinds
        ? Prisma.sql`AND "kind" IN (${list(kinds.only)})`
        : Prisma.sql`AND "kind" NOT IN (${list(kinds.except)})`;
    const backoff = options.ignoreBackoff ? Prisma.empty : Prisma.sql`AND "nextAttemptAt" <= ${now}`;
    const due = Prisma.sql`"id" > ${options.afterId} ${kindIs}
      AND (("status" IN ('pending', 'failed') ${backoff}) OR ("status" = 'sending' AND "leaseUntil" < ${now}))`;
    const takenOver = Prisma.sql`"status" = 'sending' AND "calledAt" IS NOT NULL`;
    const rows = await this.db.$queryRaw<Array<Record<string, unknown>>>`
      UPDATE "Delivery" SET
        "uncertain" = CASE WHEN ${takenOver} THEN TRUE ELSE "uncertain" END,
        "lookUntil" = CASE WHEN ${takenOver} THEN ${options.lookUntil} ELSE "lookUntil" END,
        "lastError" = CASE WHEN "status" = 'sending' THEN ${TAKEN_OVER} || COALESCE("lockedBy", '') ELSE "lastError" END,
        "status" = 'sending',
        "lockedBy" = ${options.workerId},
        "leaseUntil" = ${options.leaseUntil},
        "calledAt" = ${now},
        "attempts" = "attempts" + 1
      WHERE "id" IN (SELECT "id" FROM "Delivery" WHERE ${due} ORDER BY "id" LIMIT ${options.limit}) AND ${due}
      RETURNING *`;
    return rows.map((row) => this.toDelivery(deliveryRow(row))).sort((a, b) => a.id - b.id);
  }

  /**
   * Keeps the leases of `ids` alive for `workerId` in one statement; returns the ids still held
   * (one missing was taken over, or finished meanwhile).
   */
  async renewLeases(ids: number[], workerId: string, leaseUntil: Date): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.$queryRaw<Array<{ id: unknown }>>`
      UPDATE "Delivery" SET "leaseUntil" = ${leaseUntil}
      WHERE "id" IN (${Prisma.join(ids)}) AND "lockedBy" = ${workerId} AND "status" = 'sending'
      RETURNING "id"`;
    return rows.map((r) => Number(r.id));
  }

  /** Gives deliveries claimed but not started back, due now (a worker that is stopping). */
  async giveBack(ids: number[], workerId: string, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.delivery.updateMany({
      where: { id: { in: ids }, lockedBy: workerId, status: 'sending' },
      data: {
        ...LET_GO,
        status: 'pending',
        calledAt: null,
        nextAttemptAt: now,
        attempts: { decrement: 1 },
        lastError: 'given back unsent by a worker that stopped',
      },
    });
  }

  /**
   * Takes a due delivery for `workerId`, if nobody took it since it was read: one still in its
   * previous worker's hands only if that lease ran out (the webhook worker's claim; the Slack
   * worker claims a pass at once with `claimDue`).
   */
  async take(candidate: OutboxDelivery, claim: { workerId: string; now: Date; leaseUntil: Date }): Promise<boolean> {
    const claimed = await this.db.delivery.updateMany({
      where:
        candidate.status === 'sending'
          ? { id: candidate.id, status: 'sending', leaseUntil: { lt: claim.now }, lockedBy: candidate.lockedBy }
          : { id: candidate.id, status: candidate.status },
      data: {
        status: 'sending',
        lockedBy: claim.workerId,
        leaseUntil: claim.leaseUntil,
        calledAt: null,
        attempts: { increment: 1 },
      },
    });
    return claimed.count === 1;
  }

  /**
   * Whether a delivery of the same kind about the same mistake, queued before this one, is still
   * to be sent: a receiver then gets a mistake's events in the order they happened.
   */
  async waitsBehind(delivery: OutboxDelivery): Promise<boolean> {
    if (delivery.mistakeId === null) return false;
    const earlier = await this.db.delivery.findFirst({
      where: {
        teamId: delivery.teamId,
        kind: delivery.kind,
        mistakeId: delivery.mistakeId,
        id: { lt: delivery.id },
        status: { in: ['pending', 'sending', 'failed'] },
      },
      select: { id: true },
    });
    return earlier !== null;
  }

  /**
   * Notes that the post is going out now, renewing the lease; false when another worker took the
   * delivery meanwhile (asked when the worker cannot be sure of its lease any more).
   */
  async noteCalled(id: number, workerId: string, calledAt: Date, leaseUntil: Date): Promise<boolean> {
    const noted = await this.db.delivery.updateMany({
      where: { id, lockedBy: workerId, status: 'sending' },
      data: { calledAt, leaseUntil },
    });
    return noted.count === 1;
  }

  /** The attempt's outcome is unknown; with `lookUntil`, Slack may still act on it until then. */
  async noteUncertain(id: number, workerId: string, lookUntil: Date | null): Promise<void> {
    await this.db.delivery.updateMany({
      where: { id, lockedBy: workerId },
      data: { uncertain: true, ...(lookUntil ? { lookUntil } : {}) },
    });
  }

  /** Sent; unless it was asked for again while it was being sent, then it is sent once more now. */
  async markSent(delivery: OutboxDelivery, workerId: string, ts: string | undefined, note: string | undefined, now: Date): Promise<void> {
    const done = await this.db.delivery.updateMany({
      where: { id: delivery.id, lockedBy: workerId, generation: delivery.generation },
      data: { ...LET_GO, status: 'sent', sentAt: now, resultTs: ts ?? null, lastError: note ?? null, uncertain: false, lookUntil: null },
    });
    if (done.count === 0) {
      await this.letGo(delivery.id, workerId, { status: 'pending', attempts: 0, nextAttemptAt: now, uncertain: false, lookUntil: null });
    }
  }

  /**
   * `markSent` for several deliveries, in one statement: the ones asked for again while they were
   * being sent (their generation moved) are pending again from now, as there.
   */
  async markAllSent(
    marks: Array<{ delivery: OutboxDelivery; ts: string | undefined; note: string | undefined }>,
    workerId: string,
    now: Date,
  ): Promise<void> {
    if (marks.length <= 1) {
      for (const m of marks) await this.markSent(m.delivery, workerId, m.ts, m.note, now);
      return;
    }
    const byId = (value: (m: (typeof marks)[number]) => string | null) =>
      Prisma.join(
        marks.map((m) => Prisma.sql`WHEN ${m.delivery.id} THEN ${value(m)}`),
        ' ',
      );
    const which = Prisma.join(
      marks.map((m) => Prisma.sql`("id" = ${m.delivery.id} AND "generation" = ${m.delivery.generation})`),
      ' OR ',
    );
    const done = await this.db.$queryRaw<Array<{ id: unknown }>>`
      UPDATE "Delivery" SET
        "status" = 'sent', "sentAt" = ${now}, "lockedBy" = NULL, "leaseUntil" = NULL, "uncertain" = FALSE, "lookUntil" = NULL,
        "resultTs" = CASE "id" ${byId((m) => m.ts ?? null)} END,
        "lastError" = CASE "id" ${byId((m) => m.note ?? null)} END
      WHERE "lockedBy" = ${workerId} AND (${which})
      RETURNING "id"`;
    const sent = new Set(done.map((r) => Number(r.id)));
    for (const m of marks) {
      if (!sent.has(m.delivery.id)) {
        await this.letGo(m.delivery.id, workerId, { status: 'pending', attempts: 0, nextAttemptAt: now, uncertain: false, lookUntil: null });
      }
    }
  }

  /** A post found already in Slack (`ts`): sent again now as an edit of that post. */
  async editNow(id: number, workerId: string, ts: string | null, now: Date): Promise<void> {
    await this.letGo(id, workerId, { status: 'pending', uncertain: false, lookUntil: null, resultTs: ts, nextAttemptAt: now });
  }

  /**
   * Gives a delivery back to be tried at `nextAttemptAt` (`failed`: kept visible as needing a
   * person). `keepAttempts`: this was no real attempt (it only waited or looked), so its
   * backoff stays as it was.
   */
  async release(
    id: number,
    workerId: string,
    outcome: { status: 'pending' | 'failed'; nextAttemptAt: Date; error: string; keepAttempts?: boolean },
  ): Promise<void> {
    await this.letGo(id, workerId, {
      ...(outcome.keepAttempts ? { attempts: { decrement: 1 } } : {}),
      status: outcome.status,
      nextAttemptAt: outcome.nextAttemptAt,
      lastError: outcome.error,
    });
  }

  /** The app is not installed in the delivery's workspace now: it waits, paused, for a reinstall. */
  async pause(id: number, workerId: string, reason: string): Promise<void> {
    await this.letGo(id, workerId, { status: 'paused', lastError: reason });
  }

  private async letGo(id: number, workerId: string, data: Prisma.DeliveryUpdateManyMutationInput): Promise<void> {
    await this.db.delivery.updateMany({ where: { id, lockedBy: workerId }, data: { ...data, ...LET_GO } });
  }

  /** Forgets what was sent before `before`. */
  async prune(before: Date): Promise<void> {
    await this.db.delivery.deleteMany({ where: { status: 'sent', sentAt: { lt: before } } });
  }

  /** Counts for /healthz and the logs: nothing that keeps failing is silent. */
  async health(): Promise<{ pending: number; failed: number; oldestPendingAt: Date | null }> {
    const [pending, failed, oldest] = await Promise.all([
      this.db.delivery.count({ where: { status: { in: ['pending', 'sending'] } } }),
      this.db.delivery.count({ where: { status: 'failed' } }),
      this.db.delivery.findFirst({ where: { status: { in: ['pending', 'sending'] } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } }),
    ]);
    return { pending, failed, oldestPendingAt: oldest?.createdAt ?? null };
  }

  /** How the post queued under `dedupeKey` went, if there is one. */
  async record(teamId: string, dedupeKey: string): Promise<DeliveryRecord | null> {
    const row = await this.db.delivery.findUnique({
      where: { teamId_dedupeKey: { teamId, dedupeKey } },
      select: { id: true, kind: true, status: true, payload: true, resultTs: true, sentAt: true, lastError: true },
    });
    if (!row) return null;
    const request = decodeDeliveryPayload(row.kind, row.payload);
    if (!request) {
      this.logger.error('a queued delivery could not be read; its channel is not known', { id: row.id, kind: row.kind });
    }
    return {
      status: row.status,
      channel: request && 'channel' in request ? request.channel : null,
      ts: row.resultTs,
      postedAt: row.status === 'sent' ? row.sentAt : null,
      lastError: row.lastError,
    };
  }
}
