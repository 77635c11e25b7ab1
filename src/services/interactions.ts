import type { Db, Tx } from '../db/client';
import { URGENT } from '../db/sqlite';
import { type Click, clickOf, type ClickKind, decodeInteractionPayload, encodeInteractionPayload } from '../domain/clicks';
import { type Interaction, Prisma } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { Clock } from './clock';

export type { ClickKind } from '../domain/clicks';

/** A click as stored, before or while it is applied. */
export type StoredClick = Click & {
  id: number;
  teamId: string;
  userId: string;
  receivedAt: Date;
  attempts: number;
};

/** The click was applied already (by this process or another): nothing more to do. */
export class ClickAlreadyApplied extends Error {
  constructor(readonly clickId: number) {
    super(`click ${clickId} was already applied`);
    this.name = 'ClickAlreadyApplied';
  }
}

/** The one reader of a stored click; a row it cannot read is not a click this version made. */
export function decodeClick(row: Interaction): StoredClick | null {
  const click = decodeInteractionPayload(row.kind, row.payload);
  if (!click || click.kind === 'form') return null;
  return { ...click, id: row.id, teamId: row.teamId, userId: row.userId, receivedAt: row.receivedAt, attempts: row.attempts };
}

const RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Marks a stored click applied, in the transaction of the change it makes (so it is applied
 * exactly once): whether it was still pending. As SQL: the click's own change waits on it.
 */
export async function markClickApplied(tx: Tx, id: number, now: Date): Promise<boolean> {
  const marked = await tx.$executeRaw`
    UPDATE "Interaction" SET "status" = 'applied', "doneAt" = ${now}, "lockedBy" = NULL, "leaseUntil" = NULL
    WHERE "id" = ${id} AND "status" = 'pending'`;
  return marked === 1;
}

/**
 * The inbox of clicks: each is stored before Slack is told it arrived, then applied. Applying
 * marks it applied in the same transaction as the change it makes (see MistakeService), so a
 * click is applied exactly once however many processes try: the one that answered it, right
 * away, or any other once its lease has run out (the first died before applying it).
 */
export class InteractionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: { owner: string; leaseMs: number; logger: Logger },
  ) {}

  /**
   * Stores a click, leased to this process for applying it right away. Returns null when the
   * same click (same key) was stored before: Slack or a proxy delivered it twice.
   */
  async record(click: { teamId: string; userId: string; key: string; kind: ClickKind } & Parameters<typeof clickOf>[1]): Promise<StoredClick | null> {
    const payload = clickOf(click.kind, click);
    // The listener checks a click carries what its kind needs before it is stored.
    if (!payload) throw new Error(`a ${click.kind} click without what it needs`);
    const now = this.clock.now();
    const stored = {
      teamId: click.teamId,
      key: click.key,
      userId: click.userId,
      kind: click.kind,
      payload: encodeInteractionPayload(payload),
      status: 'pending',
      attempts: 1,
      lockedBy: this.options.owner,
      leaseUntil: new Date(now.getTime() + this.options.leaseMs),
      receivedAt: now,
    };
    // Written as SQL (no query to compile, nothing read back), and marked urgent: Slack's answer
    // waits on it, so on SQLite it goes before the work queued for the connection.
    const rows = await this.db.$queryRaw<Array<{ id: number | bigint }>>`${Prisma.raw(URGENT)}
      INSERT INTO "Interaction" ("teamId", "key", "userId", "kind", "payload", "status", "attempts", "lockedBy", "leaseUntil", "receivedAt")
      VALUES (${stored.teamId}, ${stored.key}, ${stored.userId}, ${stored.kind}, ${stored.payload}, ${stored.status}, ${stored.attempts},
        ${stored.lockedBy}, ${stored.leaseUntil}, ${stored.receivedAt})
      ON CONFLICT ("teamId", "key") DO NOTHING
      RETURNING "id"`;
    const id = rows[0]?.id;
    if (id === undefined) return null;
    return decodeClick({ ...stored, id: Number(id), outcome: null, doneAt: null });
  }

  /**
   * Takes over clicks stored but not applied whose lease ran out: the process that answered them
   * died (or its database failed) before applying them.
   */
  async claimStale(limit = 50): Promise<StoredClick[]> {
    const now = this.clock.now();
    const candidates = await this.db.interaction.findMany({
      where: { status: 'pending', leaseUntil: { lt: now } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    const claimed: StoredClick[] = [];
    for (const row of candidates) {
      const taken = await this.db.interaction.updateMany({
        where: { id: row.id, status: 'pending', leaseUntil: { lt: now } },
        data: { lockedBy: this.options.owner, leaseUntil: new Date(this.clock.now().getTime() + this.options.leaseMs), attempts: { increment: 1 } },
      });
      if (taken.count !== 1) continue;
      const click = decodeClick({ ...row, attempts: row.attempts + 1 });
      if (click) claimed.push(click);
      else {
        this.options.logger.error('a stored click could not be read; it is not applied', {
          id: row.id,
          kind: row.kind,
          payload: row.payload.slice(0, 300),
        });
        await this.finish(row.id, 'failed', 'not a click this version of the bot knows');
      }
    }
    return claimed;
  }

  /** The playbook refused the click (or it could not be applied at all): kept with the reason. */
  async finish(id: number, status: 'refused' | 'failed', outcome: string): Promise<void> {
    await this.db.interaction.updateMany({
      where: { id, status: 'pending' },
      data: { status, outcome: outcome.slice(0, 1000), doneAt: this.clock.now(), lockedBy: null, leaseUntil: null },
    });
  }

  /** Whether a form (by its Slack view id) was saved already: a repeated submission of it is quiet. */
  async formSaved(teamId: string, viewId: string): Promise<boolean> {
    const row = await this.db.interaction.findUnique({ where: { teamId_key: { teamId, key: formKey(viewId) } }, select: { status: true } });
    return row?.status === 'applied';
  }

  /** Counts for /healthz: clicks stored and not yet applied, and clicks that could not be applied. */
  async health(): Promise<{ waiting: number; failed: number }> {
    const [waiting, failed] = await Promise.all([
      this.db.interaction.count({ where: { status: 'pending' } }),
      this.db.interaction.count({ where: { status: 'failed' } }),
    ]);
    return { waiting, failed };
  }

  async prune(): Promise<void> {
    await this.db.interaction.deleteMany({
      where: { status: { not: 'pending' }, doneAt: { lt: new Date(this.clock.now().getTime() - RETENTION_MS) } },
    });
  }
}

/** The key a saved form is recorded under. */
export function formKey(viewId: string): string {
  return `form:${viewId}`;
}
