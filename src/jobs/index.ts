import type { Db } from '../db/client';
import type { Schedules } from '../config';
import { MINUTE_MS } from '../domain/durations';
import { OPEN_STATES, escalationsDue } from '../domain/playbook';
import { latestSlotAtOrBefore, slotKey } from '../domain/schedule';
import type { Logger } from '../logger';
import type { DeliveryStats, DeliveryWorker } from '../notify/deliveries';
import type { Clock } from '../services/clock';
import type { MistakeService } from '../services/mistakes';
import { enqueue } from '../services/outbox';
import { MISTAKE_INCLUDE, toSnapshot } from '../services/records';
import type { ReminderService, TimeZoneOf } from '../services/reminders';
import type { SettingsService } from '../services/settings';
import { claimRun, completeRun } from './claims';

export interface JobDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  settings: SettingsService;
  mistakes: MistakeService;
  reminders: ReminderService;
  worker: DeliveryWorker;
  schedules: Schedules;
  timeZoneOf: TimeZoneOf;
  /** Who claims runs (a process id); shows in the claims table when debugging. */
  owner: string;
  /** How long a claimant may hold a run before another process may take it over. */
  leaseMs: number;
}

/** A digest sent more than this after its slot says it is late (the bot was down). */
const LATE_AFTER_MS = 10 * MINUTE_MS;

export interface DigestOutcome {
  teamId: string;
  slot: string;
  status: 'queued' | 'already-sent' | 'not-due' | 'no-channel';
  late?: boolean;
}

/**
 * The scheduled passes. Each run is claimed in the database before it sends anything, and
 * everything it sends goes through the outbox, so a second replica, a restart or an operator
 * running the same pass by hand never sends anything twice.
 */
export class Jobs {
  constructor(private readonly deps: JobDeps) {}

  /**
   * Sends the latest digest slot's digest if nobody has: on schedule, at start-up (a digest
   * missed while the bot was down goes out once, marked late) and by hand. Only the latest slot
   * is caught up, and never one from before the bot first saw the workspace.
   */
  async digest(): Promise<DigestOutcome[]> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const outcomes: DigestOutcome[] = [];
    for (const policy of await this.deps.settings.allTeams()) {
      const slot = latestSlotAtOrBefore(this.deps.schedules.digest, policy.timezone, now);
      if (!slot || slot < policy.installedAt) {
        outcomes.push({ teamId: policy.teamId, slot: '', status: 'not-due' });
        continue;
      }
      const key = slotKey('digest', slot, policy.timezone, 'day');
      if (!policy.digestChannelId) {
        outcomes.push({ teamId: policy.teamId, slot: key, status: 'no-channel' });
        continue;
      }
      const late = now.getTime() - slot.getTime() > LATE_AFTER_MS;
      const claim = await claimRun(db, {
        teamId: policy.teamId,
        job: 'digest',
        slot: key,
        owner: this.deps.owner,
        now,
        leaseMs: this.deps.leaseMs,
        late,
      });
      if (!claim) {
        outcomes.push({ teamId: policy.teamId, slot: key, status: 'already-sent' });
        continue;
      }
      const previous = await db.scheduledRun.findFirst({
        where: { teamId: policy.teamId, job: 'digest', completedAt: { not: null }, id: { not: claim.id } },
        orderBy: { completedAt: 'desc' },
        select: { completedAt: true },
      });
      const since = previous?.completedAt ?? new Date(now.getTime() - 24 * 60 * MINUTE_MS);
      await db.$transaction((tx) =>
        enqueue(
          tx,
          policy.teamId,
          [
            {
              kind: 'digest',
              slot: key,
              slotAt: slot.toISOString(),
              channel: policy.digestChannelId,
              since: since.toISOString(),
              late,
              ...(previous ? {} : { first: true }),
            },
          ],
          now,
        ),
      );
      await completeRun(db, claim, now);
      outcomes.push({ teamId: policy.teamId, slot: key, status: 'queued', late });
      this.deps.logger.info('digest queued', { teamId: policy.teamId, slot: key, late });
    }
    this.deps.worker.kick();
    return outcomes;
  }

  /** One reminder pass for every workspace (`slot` names a manual run; by default the cron tick). */
  async reminders(slot?: string): Promise<{ owners: number; items: number; waitingForOfficeHours: number }> {
    const total = { owners: 0, items: 0, waitingForOfficeHours: 0 };
    for (const policy of await this.deps.settings.allTeams()) {
      const claim = await this.claimPass(policy.teamId, 'reminders', slot ?? this.tick(this.deps.schedules.reminders, policy.timezone));
      if (!claim) continue;
      const result = await this.deps.reminders.pass(policy.teamId, this.deps.timeZoneOf);
      total.owners += result.owners;
      total.items += result.items;
      total.waitingForOfficeHours += result.waitingForOfficeHours;
      await completeRun(this.deps.db, claim, this.deps.clock.now(), result);
    }
    this.deps.worker.kick();
    return total;
  }

  /**
   * One escalation pass: a step overdue beyond the threshold (the root-cause analysis included),
   * no owner, reminders unanswered.
   */
  async escalations(slot?: string): Promise<{ escalated: number }> {
    const { db, clock } = this.deps;
    let escalated = 0;
    for (const policy of await this.deps.settings.allTeams()) {
      const claim = await this.claimPass(policy.teamId, 'escalations', slot ?? this.tick(this.deps.schedules.escalations, policy.timezone));
      if (!claim) continue;
      const now = clock.now();
      const open = await db.mistake.findMany({
        where: { teamId: policy.teamId, state: { in: [...OPEN_STATES] } },
        include: MISTAKE_INCLUDE,
      });
      const known = await db.escalation.findMany({
        where: { teamId: policy.teamId, mistake: { state: { in: [...OPEN_STATES] } } },
        select: { mistakeId: true, key: true },
      });
      const done = new Set(known.map((e) => `${e.mistakeId}/${e.key}`));
      for (const mistake of open) {
        for (const due of escalationsDue(toSnapshot(mistake), now, policy)) {
          if (done.has(`${mistake.id}/${due.key}`)) continue;
          try {
            if (await this.deps.mistakes.escalate(policy.teamId, mistake.id, due)) escalated++;
          } catch (error) {
            // A mistake changed under us (a click landed mid-pass): the next pass looks again.
            this.deps.logger.warn('escalation skipped this pass', { mistakeId: mistake.id, error: String(error) });
          }
        }
      }
      await completeRun(db, claim, clock.now(), { escalated });
    }
    this.deps.worker.kick();
    return { escalated };
  }

  /**
   * Delivers what is waiting. By hand (`ignoreBackoff`) every pending delivery is tried now,
   * whatever its backoff, and the pass ends when nothing more can be sent.
   */
  async deliveries(options: { ignoreBackoff?: boolean } = {}): Promise<DeliveryStats> {
    return options.ignoreBackoff ? this.deps.worker.tryAllNow() : this.deps.worker.drain();
  }

  /**
   * The scheduled tick a pass belongs to: replicas firing on the same tick share it, so one of
   * them runs the pass. Between ticks (a pass started by hand) it is the latest tick.
   */
  private tick(cron: string, timeZone: string): string {
    const now = this.deps.clock.now();
    const at = latestSlotAtOrBefore(cron, timeZone, now) ?? new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
    return at.toISOString();
  }

  private async claimPass(teamId: string, job: string, slot: string) {
    return claimRun(this.deps.db, {
      teamId,
      job,
      slot,
      owner: this.deps.owner,
      now: this.deps.clock.now(),
      leaseMs: this.deps.leaseMs,
    });
  }
}
