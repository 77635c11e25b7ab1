import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';

export interface Claim {
  id: number;
  /** True when a previous claimant died holding it and this one took over. */
  tookOver: boolean;
}

/**
 * Claims one run of a scheduled job (for example `digest` / `2026-11-23`) before it sends
 * anything. The unique key lets exactly one process or replica in; a claimant that dies keeps it
 * only until its lease runs out, and then the next pass takes it over.
 */
export async function claimRun(
  db: Db,
  run: { teamId: string; job: string; slot: string; owner: string; now: Date; leaseMs: number; late?: boolean; details?: object },
): Promise<Claim | null> {
  const leaseUntil = new Date(run.now.getTime() + run.leaseMs);
  try {
    const row = await db.scheduledRun.create({
      data: {
        teamId: run.teamId,
        job: run.job,
        slot: run.slot,
        claimedBy: run.owner,
        claimedAt: run.now,
        leaseUntil,
        late: run.late ?? false,
        details: JSON.stringify(run.details ?? {}),
      },
    });
    return { id: row.id, tookOver: false };
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
  }
  const existing = await db.scheduledRun.findUnique({
    where: { teamId_job_slot: { teamId: run.teamId, job: run.job, slot: run.slot } },
  });
  if (!existing || existing.completedAt || existing.leaseUntil > run.now) return null;
  const taken = await db.scheduledRun.updateMany({
    where: { id: existing.id, claimedBy: existing.claimedBy, completedAt: null, leaseUntil: { lte: run.now } },
    data: { claimedBy: run.owner, leaseUntil, claimedAt: run.now },
  });
  return taken.count === 1 ? { id: existing.id, tookOver: true } : null;
}

export async function completeRun(db: Db, claim: Claim, now: Date, details?: object): Promise<void> {
  await db.scheduledRun.update({
    where: { id: claim.id },
    data: { completedAt: now, ...(details ? { details: JSON.stringify(details) } : {}) },
  });
}
