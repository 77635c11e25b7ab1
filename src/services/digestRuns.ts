import type { Db } from '../db/client';

/** Where a day's digest is: claimed by a run, and (once Slack took it) posted. */
export interface DigestRecord {
  claimedAt: Date;
  /** Done: the digest was queued (it may still be waiting for Slack). */
  completed: boolean;
  /** The run only stood in for a slot that a fresher on-demand digest made pointless. */
  supersededBy?: string;
  delivery?: {
    status: string;
    channel: string | null;
    ts: string | null;
    postedAt: Date | null;
    lastError: string | null;
  };
  postedAt?: Date | null;
}

/** The claim and outbox rows behind one day's digest (`digest:2026-11-23`), if there is one. */
export async function digestRecord(db: Db, teamId: string, key: string): Promise<DigestRecord | null> {
  const run = await db.scheduledRun.findUnique({
    where: { teamId_job_slot: { teamId, job: 'digest', slot: key } },
    select: { claimedAt: true, completedAt: true, details: true },
  });
  if (!run) return null;
  const delivery = await deliveryRecord(db, teamId, `digest:${key}`);
  const supersededBy = parseDetails(run.details).supersededBy;
  return {
    claimedAt: run.claimedAt,
    completed: run.completedAt !== null,
    ...(typeof supersededBy === 'string' ? { supersededBy } : {}),
    ...(delivery ? { delivery, postedAt: delivery.postedAt } : {}),
  };
}

/** How one queued post went: sent (with its ts), waiting, or refused. */
export async function deliveryRecord(db: Db, teamId: string, dedupeKey: string): Promise<DigestRecord['delivery'] | null> {
  const row = await db.delivery.findUnique({
    where: { teamId_dedupeKey: { teamId, dedupeKey } },
    select: { status: true, payload: true, resultTs: true, sentAt: true, lastError: true },
  });
  if (!row) return null;
  const channel = parseDetails(row.payload).channel;
  return {
    status: row.status,
    channel: typeof channel === 'string' ? channel : null,
    ts: row.resultTs,
    postedAt: row.status === 'sent' ? row.sentAt : null,
    lastError: row.lastError,
  };
}

/**
 * When the digest before the day `key` went out: the next one lists what changed since. Runs
 * that only stood in for a superseded slot count too, since the digest that superseded them
 * covered that time.
 */
export async function previousDigestAt(db: Db, teamId: string, key: string): Promise<Date | null> {
  const previous = await db.scheduledRun.findFirst({
    where: { teamId, job: 'digest', completedAt: { not: null }, slot: { not: key } },
    orderBy: { completedAt: 'desc' },
    select: { completedAt: true },
  });
  return previous?.completedAt ?? null;
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
