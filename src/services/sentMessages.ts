import type { Db, Tx } from '../db/client';
import { decodeDirectMessagePayload, type DirectMessagePayload, encodeDirectMessagePayload } from '../domain/deliveries';
import type { Logger } from '../logger';

/** A DM with buttons as recorded: who got it, and what it was rendered from. */
export interface RecordedDirectMessage {
  teamId: string;
  userId: string;
  payload: DirectMessagePayload;
  mistakeIds: number[];
}

/** The DMs with buttons still live for a mistake: each is edited when the mistake changes. */
export async function liveDirectMessages(tx: Tx, mistakeId: number): Promise<Array<{ channelId: string; ts: string }>> {
  // As SQL: every change of a mistake (a click's included) reads it in its transaction.
  const rows = await tx.$queryRaw<Array<{ channelId: string; ts: string }>>`
    SELECT "channelId", "ts" FROM "DirectMessage" WHERE "mistakeId" = ${mistakeId} AND "settledAt" IS NULL ORDER BY "id"`;
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.channelId}/${r.ts}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Where the messages that are edited after they are sent landed: the card on its mistake, an
 * escalation post on its escalation, a DM with buttons in its own record (one row per mistake it
 * is about). The delivery worker notes them as Slack answers, and reads them to edit.
 */
export class SentMessages {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** The card was posted: it is the thread's parent from now on (the first post wins). */
  async cardPosted(mistakeId: number, channelId: string, ts: string | null): Promise<void> {
    await this.db.mistake.updateMany({ where: { id: mistakeId, threadTs: null }, data: { threadTs: ts, channelId } });
  }

  /** The card's message was deleted in Slack: the next attempt posts a fresh one. */
  async cardGone(mistakeId: number): Promise<void> {
    await this.db.mistake.updateMany({ where: { id: mistakeId }, data: { threadTs: null } });
  }

  /** The escalation was posted here, so it can be edited once it is resolved. */
  async escalationPosted(escalationId: number, channelId: string, ts: string | null): Promise<void> {
    await this.db.escalation.updateMany({ where: { id: escalationId }, data: { channelId, messageTs: ts } });
  }

  /**
   * Records a DM that was just sent with live buttons, one row per mistake they are for, so a
   * change to any of them edits it. Sending it again (a retry that found it already in Slack)
   * records nothing new.
   */
  async recordDirectMessage(message: {
    teamId: string;
    userId: string;
    channelId: string;
    ts: string;
    payload: DirectMessagePayload;
    mistakeIds: number[];
  }): Promise<void> {
    for (const mistakeId of [...new Set(message.mistakeIds)]) {
      await this.db.directMessage.upsert({
        where: { channelId_ts_mistakeId: { channelId: message.channelId, ts: message.ts, mistakeId } },
        create: {
          teamId: message.teamId,
          userId: message.userId,
          mistakeId,
          kind: message.payload.kind,
          payload: encodeDirectMessagePayload(message.payload),
          channelId: message.channelId,
          ts: message.ts,
        },
        update: {},
      });
    }
  }

  /** A DM's rows, to render it again (they share its payload); null when there is none, or it cannot be read. */
  async directMessageAt(channelId: string, ts: string): Promise<RecordedDirectMessage | null> {
    const rows = await this.db.directMessage.findMany({ where: { channelId, ts }, orderBy: { id: 'asc' } });
    const first = rows[0];
    if (!first) return null;
    const payload = decodeDirectMessagePayload(first.kind, first.payload);
    if (!payload) {
      this.logger.error('a recorded direct message could not be read; it is not edited', { id: first.id, kind: first.kind });
      return null;
    }
    return { teamId: first.teamId, userId: first.userId, payload, mistakeIds: rows.map((r) => r.mistakeId) };
  }

  /** Once nothing on a DM is left to do for a mistake, changes to it no longer edit the DM. */
  async settleDirectMessage(channelId: string, ts: string, stillLive: number[], now: Date): Promise<void> {
    await this.db.directMessage.updateMany({
      where: { channelId, ts, settledAt: null, mistakeId: { notIn: stillLive } },
      data: { settledAt: now },
    });
  }

  /** Whether any of these mistakes changed since it was rendered at `version` (a change raced its DM). */
  async movedSince(rendered: Array<{ mistakeId: number; version: number }>): Promise<boolean> {
    const versions = await this.db.mistake.findMany({
      where: { id: { in: rendered.map((r) => r.mistakeId) } },
      select: { id: true, version: true },
    });
    return versions.some((v) => rendered.some((r) => r.mistakeId === v.id && r.version !== v.version));
  }
}
