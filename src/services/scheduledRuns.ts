import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { decodeRunDetails, encodeRunDetails, type Job, type RunDetails } from '../domain/runs';
import type { Logger } from '../logger';
import type { DeliveryRecord, Outbox } from './outbox';

export interface Claim {
  id: number;
  /** True when a previous claimant died holding it and this one took over. */
  tookOver: boolean;
}

/** Where a day's digest is: claimed by a run, and (once Slack took it) posted. */
export interface DigestRecord {
  claimedAt: Date;
  /** Done: the digest was queued (it may still be waiting for Slack). */
  completed: boolean;
  /** The run only stood in for a slot that a fresher on-demand digest made pointless. */
  supersededBy?: string;
  delivery?: DeliveryRecord;
  postedAt?: Date | null;
}

/**
 * Scheduled runs (a digest, a reminder pass, ...) claimed before they send anything, keyed by job
 * and slot: exactly one process or replica runs each slot, and a restart never runs it twice.
 */
export class ScheduledRuns {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  /**
   * Claims one run of a job (for example `digest` / `2026-11-23`) before it sends anything. The
   * unique key lets exactly one process or replica in; a claimant that dies keeps it only until
   * its lease runs out, and then the next pass takes it over.
   */
  async claim(run: {
    teamId: string;
    slot: string;
    owner: string;
    now: Date;
    leaseMs: number;
    late?: boolean;
    /** The job, with what the run says about itself from the start. */
    details: RunDetails;
  }): Promise<Claim | null> {
    const job = run.details.job;
    const leaseUntil = new Date(run.now.getTime() + run.leaseMs);
    try {
      const row = await this.db.scheduledRun.create({
        data: {
          teamId: run.teamId,
          job,
          slot: run.slot,
          claimedBy: run.owner,
          claimedAt: run.now,
          leaseUntil,
          late: run.late ?? false,
          details: encodeRunDetails(run.details),
        },
      });
      return { id: row.id, tookOver: false };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const existing = await this.db.scheduledRun.findUnique({
      where: { teamId_job_slot: { teamId: run.teamId, job, slot: run.slot } },
    });
    if (!existing || existing.completedAt || existing.leaseUntil > run.now) return null;
    const taken = await this.db.scheduledRun.updateMany({
      where: { id: existing.id, claimedBy: existing.claimedBy, completedAt: null, leaseUntil: { lte: run.now } },
      data: { claimedBy: run.owner, leaseUntil, claimedAt: run.now },
    });
    return taken.count === 1 ? { id: existing.id, tookOver: true } : null;
  }

  /** The run is done; `details`, when given, replace what it said about itself. */
  async complete(claim: Claim, now: Date, details?: RunDetails): Promise<void> {
    await this.db.scheduledRun.update({
      where: { id: claim.id },
      data: { completedAt: now, ...(details ? { details: encodeRunDetails(details) } : {}) },
    });
  }

  /** Whether a run of this slot was claimed (done or on its way). */
  async isClaimed(teamId: string, job: Job, slot: string): Promise<boolean> {
    const claimed = await this.db.scheduledRun.findUnique({
      where: { teamId_job_slot: { teamId, job, slot } },
      select: { id: true },
    });
    return claimed !== null;
  }

  /** When a run of this slot was claimed (null: never). */
  async claimedAt(teamId: string, job: Job, slot: string): Promise<Date | null> {
    const run = await this.db.scheduledRun.findUnique({ where: { teamId_job_slot: { teamId, job, slot } }, select: { claimedAt: true } });
    return run?.claimedAt ?? null;
  }

  /** The claim and outbox rows behind one day's digest (`digest:2026-11-23`), if there is one. */
  async digestRecord(teamId: string, key: string): Promise<DigestRecord | null> {
    const run = await this.db.scheduledRun.findUnique({
      where: { teamId_job_slot: { teamId, job: 'digest', slot: key } },
      select: { id: true, job: true, claimedAt: true, completedAt: true, details: true },
    });
    if (!run) return null;
    const delivery = await this.outbox.record(teamId, `digest:${key}`);
    const details = decodeRunDetails(run.job, run.details);
    if (!details) {
      this.logger.error('a scheduled run could not be read; what it says about itself is left out', { id: run.id, job: run.job });
    }
    const supersededBy = details?.job === 'digest' ? details.supersededBy : undefined;
    return {
      claimedAt: run.claimedAt,
      completed: run.completedAt !== null,
      ...(supersededBy !== undefined ? { supersededBy } : {}),
      ...(delivery ? { delivery, postedAt: delivery.postedAt } : {}),
    };
  }

  /**
   * When the digest before the day `key` went out: the next one lists what changed since. Runs
   * that only stood in for a superseded slot count too, since the digest that superseded them
   * covered that time.
   */
  async previousDigestAt(teamId: string, key: string): Promise<Date | null> {
    const previous = await this.db.scheduledRun.findFirst({
      where: { teamId, job: 'digest', completedAt: { not: null }, slot: { not: key } },
      orderBy: { completedAt: 'desc' },
      select: { completedAt: true },
    });
    return previous?.completedAt ?? null;
  }
}
