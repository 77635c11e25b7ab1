import type { Db, Tx } from '../db/client';
import { type ChasedStep, isChasedStep } from '../domain/playbook';

/**
 * What a DM's buttons were for: a recovery step or the root-cause analysis (the owner's DMs), or
 * the recipient's prevention steps (after the analysis gave them some).
 */
export type Offer = ChasedStep | 'prevention';

/**
 * What a DM with buttons was rendered from, kept so it can be rendered again once what its
 * buttons were for is done. One decoder, used by the writer and every reader.
 */
export type DirectMessagePayload =
  /** A DM about one timeline event (you own this, reopened, prevention steps for you). */
  | { kind: 'dm'; mistakeId: number; eventId: number; userId: string; offered: Offer | null }
  /** A reminder DM: the steps and prevention steps it showed. */
  | { kind: 'reminder'; userId: string; steps: number[]; prevention: number[] };

const ids = (x: unknown): number[] | null =>
  Array.isArray(x) && x.every((n) => Number.isSafeInteger(n)) ? (x as number[]) : null;

export function decodeDirectMessage(kind: string, raw: string): DirectMessagePayload | null {
  let p: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    p = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  if (kind === 'dm') {
    const offered = p.offered === 'prevention' || isChasedStep(p.offered) ? (p.offered as Offer) : null;
    if (!Number.isSafeInteger(p.mistakeId) || !Number.isSafeInteger(p.eventId) || typeof p.userId !== 'string') return null;
    return { kind: 'dm', mistakeId: p.mistakeId as number, eventId: p.eventId as number, userId: p.userId, offered };
  }
  if (kind === 'reminder') {
    const steps = ids(p.steps);
    const prevention = ids(p.prevention);
    if (typeof p.userId !== 'string' || !steps || !prevention) return null;
    return { kind: 'reminder', userId: p.userId, steps, prevention };
  }
  return null;
}

/**
 * Records a DM that was just sent with live buttons, one row per mistake they are for, so a
 * change to any of them edits it. Sending it again (a retry that found it already in Slack)
 * records nothing new.
 */
export async function recordDirectMessage(
  db: Db,
  message: { teamId: string; userId: string; channelId: string; ts: string; payload: DirectMessagePayload; mistakeIds: number[] },
): Promise<void> {
  const { kind, ...rest } = message.payload;
  for (const mistakeId of [...new Set(message.mistakeIds)]) {
    await db.directMessage.upsert({
      where: { channelId_ts_mistakeId: { channelId: message.channelId, ts: message.ts, mistakeId } },
      create: {
        teamId: message.teamId,
        userId: message.userId,
        mistakeId,
        kind,
        payload: JSON.stringify(rest),
        channelId: message.channelId,
        ts: message.ts,
      },
      update: {},
    });
  }
}

/** The DMs with buttons still live for a mistake: each is edited when the mistake changes. */
export async function liveDirectMessages(tx: Tx, mistakeId: number): Promise<Array<{ channelId: string; ts: string }>> {
  const rows = await tx.directMessage.findMany({
    where: { mistakeId, settledAt: null },
    select: { channelId: true, ts: true },
    orderBy: { id: 'asc' },
  });
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.channelId}/${r.ts}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A DM's rows, to render it again (they share its payload). */
export async function directMessageAt(db: Db, channelId: string, ts: string) {
  const rows = await db.directMessage.findMany({ where: { channelId, ts }, orderBy: { id: 'asc' } });
  const first = rows[0];
  if (!first) return null;
  const payload = decodeDirectMessage(first.kind, first.payload);
  return payload ? { teamId: first.teamId, userId: first.userId, payload, mistakeIds: rows.map((r) => r.mistakeId) } : null;
}

/** Once nothing on a DM is left to do for a mistake, changes to it no longer edit the DM. */
export async function settleDirectMessage(db: Db, channelId: string, ts: string, stillLive: number[], now: Date): Promise<void> {
  await db.directMessage.updateMany({
    where: { channelId, ts, settledAt: null, mistakeId: { notIn: stillLive } },
    data: { settledAt: now },
  });
}
