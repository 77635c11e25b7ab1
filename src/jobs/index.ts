import type { Schedules } from '../config';
import { MINUTE_MS } from '../domain/durations';
import { isWithinOfficeHours } from '../domain/officeHours';
import { escalationsDue } from '../domain/playbook';
import { DAY_MS } from '../domain/durations';
import type { Job } from '../domain/runs';
import { latestSlotAtOrBefore, nextSlotAfter, slotKey } from '../domain/schedule';
import type { Logger } from '../logger';
import type { DeliveryStats, DeliveryWorker } from '../notify/deliveries';
import type { Clock } from '../services/clock';
import type { MistakeService } from '../services/mistakes';
import type { Outbox } from '../services/outbox';
import type { MistakeQueries } from '../services/queries';
import type { ReminderService, TimeZoneOf } from '../services/reminders';
import type { DigestRecord, ScheduledRuns } from '../services/scheduledRuns';
import type { SettingsService, WorkspacePolicy } from '../services/settings';

export interface JobDeps {
  clock: Clock;
  logger: Logger;
  settings: SettingsService;
  mistakes: MistakeService;
  queries: MistakeQueries;
  reminders: ReminderService;
  runs: ScheduledRuns;
  outbox: Outbox;
  worker: DeliveryWorker;
  schedules: Schedules;
  timeZoneOf: TimeZoneOf;
  /** Who claims runs (a process id); shows in the claims table when debugging. */
  owner: string;
  /** How long a claimant may hold a run before another process may take it over. */
  leaseMs: number;
}

/**
 * A workspace's digest schedule: DIGEST_CRON, or the time its admins set in Slack on DIGEST_CRON's
 * days. The digest pass also runs with every reminder pass, so a time on the quarter hour goes
 * out on time with the default REMINDER_CRON.
 */
export function digestSchedule(digestCron: string, policy: Pick<WorkspacePolicy, 'digestTime'>): string {
  const time = policy.digestTime ? /^(\d{2}):(\d{2})$/.exec(policy.digestTime) : null;
  if (!time) return digestCron;
  const fields = digestCron.trim().split(/\s+/);
  const days = fields.length === 6 ? fields.slice(3) : fields.slice(2);
  return `${Number(time[2])} ${Number(time[1])} ${days.join(' ')}`;
}

/** A digest sent more than this after its slot says it is late (the bot was down). */
const LATE_AFTER_MS = 10 * MINUTE_MS;

export interface DigestOptions {
  /**
   * Asked for by an operator (`npm run job -- digest`): today's digest goes out now if it has not,
   * whether or not today's slot has come, and claims today's slot so the schedule skips it.
   */
  onDemand?: boolean;
  /** With onDemand: when today's digest already went out, post an extra copy, marked as such. */
  again?: boolean;
}

export interface DigestOutcome {
  teamId: string;
  /** The run's key, `digest:2026-11-23` (the team's local day). */
  slot: string;
  status: 'queued' | 'already-sent' | 'not-due' | 'no-channel';
  late?: boolean;
  /** An extra copy of a digest that already went out today (`--again`). */
  extra?: boolean;
  /** Where the day's digest is, when it already went out (or is on its way). */
  existing?: DigestRecord;
  /** The next scheduled digest that is still to be sent; null when the schedule has none ahead. */
  next: Date | null;
  timeZone: string;
  channel?: string;
  /** The outbox key of what this run queued, to look up how its post went. */
  deliveryKey?: string;
}

export interface InsightsOutcome {
  teamId: string;
  /** The run's key, `insights:2026-11-23` (the local day of the week's slot). */
  slot: string;
  status: 'queued' | 'already-sent' | 'not-due' | 'no-channel' | 'off';
  /** An extra copy of a post that already went out this week (`--again`). */
  extra?: boolean;
  /** When the week's post was claimed, when it already went out (or is on its way). */
  claimedAt?: Date;
  /** The next scheduled post; null when INSIGHTS_CRON is off. */
  next: Date | null;
  timeZone: string;
  channel?: string;
  /** The outbox key of what this run queued, to look up how its post went. */
  deliveryKey?: string;
}

/**
 * The scheduled passes. Each run is claimed in the database before it sends anything, and
 * everything it sends goes through the outbox, so a second replica, a restart or an operator
 * running the same pass by hand never sends anything twice.
 */
export class Jobs {
  constructor(private readonly deps: JobDeps) {}

  /**
   * Sends the latest digest slot's digest if nobody has: on schedule and at start-up (a digest
   * missed while the bot was down goes out once, marked late). Only the latest slot is caught
   * up, and never one from before the bot first saw the workspace. On demand (`onDemand`), it
   * sends today's digest now, see DigestOptions.
   */
  async digest(options: DigestOptions = {}): Promise<DigestOutcome[]> {
    const outcomes: DigestOutcome[] = [];
    for (const policy of await this.deps.settings.allTeams()) {
      const outcome = options.onDemand ? await this.digestOnDemand(policy, options) : await this.scheduledDigest(policy);
      outcomes.push({ ...outcome, next: await this.nextDigest(policy), timeZone: policy.timezone });
    }
    this.deps.worker.kick();
    return outcomes;
  }

  private async scheduledDigest(policy: WorkspacePolicy): Promise<Omit<DigestOutcome, 'next' | 'timeZone'>> {
    const now = this.deps.clock.now();
    const slot = latestSlotAtOrBefore(digestSchedule(this.deps.schedules.digest, policy), policy.timezone, now);
    if (!slot || slot < policy.installedAt) return { teamId: policy.teamId, slot: '', status: 'not-due' };
    const key = slotKey('digest', slot, policy.timezone, 'day');
    if (!policy.digestChannelId) return { teamId: policy.teamId, slot: key, status: 'no-channel' };
    const late = now.getTime() - slot.getTime() > LATE_AFTER_MS;
    return this.sendDigest(policy, key, slot, late);
  }

  private async digestOnDemand(policy: WorkspacePolicy, options: DigestOptions): Promise<Omit<DigestOutcome, 'next' | 'timeZone'>> {
    const { runs, outbox, clock } = this.deps;
    const now = clock.now();
    const key = slotKey('digest', now, policy.timezone, 'day');
    if (!policy.digestChannelId) return { teamId: policy.teamId, slot: key, status: 'no-channel' };
    // Today's slot when it has come (a run after it that the schedule missed is late), else now.
    const latest = latestSlotAtOrBefore(digestSchedule(this.deps.schedules.digest, policy), policy.timezone, now);
    const todays = latest && slotKey('digest', latest, policy.timezone, 'day') === key ? latest : null;
    // Late only if the schedule should have sent it: not when the workspace was new at its time.
    const late = todays !== null && todays >= policy.installedAt && now.getTime() - todays.getTime() > LATE_AFTER_MS;
    const sent = await this.sendDigest(policy, key, todays ?? now, late);
    if (sent.status === 'queued') {
      // A slot before today that the schedule missed (the bot was down) is not caught up after
      // this: the team has just had a fresher digest. Claiming it is what stops the catch-up, and
      // if the catch-up claimed it first, it was already on its way.
      if (latest && !todays && latest >= policy.installedAt) {
        const superseded = { job: 'digest', supersededBy: key } as const;
        const missed = await runs.claim({
          teamId: policy.teamId,
          slot: slotKey('digest', latest, policy.timezone, 'day'),
          owner: this.deps.owner,
          now,
          leaseMs: this.deps.leaseMs,
          details: superseded,
        });
        if (missed) await runs.complete(missed, now, superseded);
      }
      return sent;
    }
    if (!options.again) return sent;
    const extraKey = `${key}:extra:${now.toISOString()}`;
    const since = await runs.previousDigestAt(policy.teamId, key);
    await outbox.queue(
      policy.teamId,
      [
        {
          kind: 'digest',
          slot: extraKey,
          slotAt: now,
          channel: policy.digestChannelId,
          since: since ?? new Date(now.getTime() - DAY_MS),
          late: false,
          ...(since ? {} : { first: true }),
          extraOf: sent.existing?.postedAt ?? sent.existing?.claimedAt ?? null,
        },
      ],
      now,
    );
    this.deps.logger.info('extra digest queued', { teamId: policy.teamId, slot: key });
    return { ...sent, status: 'queued', extra: true, channel: policy.digestChannelId, deliveryKey: `digest:${extraKey}` };
  }

  /** Claims the day's run and queues its digest; or says where the day's digest already is. */
  private async sendDigest(policy: WorkspacePolicy, key: string, slot: Date, late: boolean): Promise<Omit<DigestOutcome, 'next' | 'timeZone'>> {
    const { runs, outbox, clock } = this.deps;
    const now = clock.now();
    const claim = await runs.claim({
      teamId: policy.teamId,
      slot: key,
      owner: this.deps.owner,
      now,
      leaseMs: this.deps.leaseMs,
      late,
      details: { job: 'digest' },
    });
    if (!claim) {
      const existing = await runs.digestRecord(policy.teamId, key);
      return { teamId: policy.teamId, slot: key, status: 'already-sent', ...(existing ? { existing } : {}) };
    }
    const previous = await runs.previousDigestAt(policy.teamId, key);
    const since = previous ?? new Date(now.getTime() - DAY_MS);
    await outbox.queue(
      policy.teamId,
      [
        {
          kind: 'digest',
          slot: key,
          slotAt: slot,
          channel: policy.digestChannelId,
          since,
          late,
          ...(previous ? {} : { first: true }),
        },
      ],
      now,
    );
    await runs.complete(claim, now);
    this.deps.logger.info('digest queued', { teamId: policy.teamId, slot: key, late });
    return { teamId: policy.teamId, slot: key, status: 'queued', late, channel: policy.digestChannelId, deliveryKey: `digest:${key}` };
  }

  /** The next scheduled digest whose day has not had its digest yet (one sent on demand counts). */
  private async nextDigest(policy: WorkspacePolicy): Promise<Date | null> {
    let after = this.deps.clock.now();
    // A day whose digest went out on demand is skipped by the schedule; a few steps find the next.
    for (let i = 0; i < 3; i++) {
      let slot: Date;
      try {
        slot = nextSlotAfter(digestSchedule(this.deps.schedules.digest, policy), policy.timezone, after);
      } catch {
        return null;
      }
      if (!(await this.deps.runs.isClaimed(policy.teamId, 'digest', slotKey('digest', slot, policy.timezone, 'day')))) return slot;
      after = slot;
    }
    return null;
  }

  /**
   * The weekly insights post: at each INSIGHTS_CRON slot (the latest one caught up at start-up,
   * never one from before the bot first saw the workspace), claimed like the digest so it goes
   * out once across restarts and replicas. On demand (`npm run job -- insights`) it posts the
   * week's now unless it already went out (then `again` posts an extra copy), and that counts as
   * the week's: the schedule does not post it again.
   */
  async insights(options: DigestOptions = {}): Promise<InsightsOutcome[]> {
    const { runs, outbox, clock, schedules } = this.deps;
    const outcomes: InsightsOutcome[] = [];
    for (const policy of await this.deps.settings.allTeams()) {
      const now = clock.now();
      const cron = schedules.insights;
      let next: Date | null = null;
      try {
        next = cron ? nextSlotAfter(cron, policy.timezone, now) : null;
      } catch {
        next = null;
      }
      const base = { teamId: policy.teamId, next, timeZone: policy.timezone };
      const latest = cron ? latestSlotAtOrBefore(cron, policy.timezone, now) : null;
      if (!options.onDemand) {
        if (!cron) {
          outcomes.push({ ...base, slot: '', status: 'off' });
          continue;
        }
        if (!latest || latest < policy.installedAt) {
          outcomes.push({ ...base, slot: '', status: 'not-due' });
          continue;
        }
      }
      // The week's slot: the latest scheduled one (a weekly schedule's is within the week), or
      // today when there is no schedule.
      const slotAt = latest ?? now;
      const key = slotKey('insights', slotAt, policy.timezone, 'day');
      if (!policy.digestChannelId) {
        outcomes.push({ ...base, slot: key, status: 'no-channel' });
        continue;
      }
      const channel = policy.digestChannelId;
      const claim = await runs.claim({
        teamId: policy.teamId,
        slot: key,
        owner: this.deps.owner,
        now,
        leaseMs: this.deps.leaseMs,
        details: { job: 'insights' },
      });
      if (claim) {
        await outbox.queue(policy.teamId, [{ kind: 'insights', slot: key, slotAt: options.onDemand ? now : slotAt, channel }], now);
        await runs.complete(claim, now, { job: 'insights' });
        this.deps.logger.info('insights post queued', { teamId: policy.teamId, slot: key });
        outcomes.push({ ...base, slot: key, status: 'queued', channel, deliveryKey: `insights:${key}` });
        continue;
      }
      const claimedAt = (await runs.claimedAt(policy.teamId, 'insights', key)) ?? undefined;
      if (!options.onDemand || !options.again) {
        outcomes.push({ ...base, slot: key, status: 'already-sent', ...(claimedAt ? { claimedAt } : {}) });
        continue;
      }
      const extraKey = `${key}:extra:${now.toISOString()}`;
      await outbox.queue(policy.teamId, [{ kind: 'insights', slot: extraKey, slotAt: now, channel }], now);
      outcomes.push({ ...base, slot: key, status: 'queued', extra: true, channel, deliveryKey: `insights:${extraKey}` });
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
      await this.deps.runs.complete(claim, this.deps.clock.now(), { job: 'reminders', ...result });
    }
    this.deps.worker.kick();
    return total;
  }

  /**
   * One escalation pass: a step overdue beyond the threshold (the root-cause analysis included),
   * no owner, reminders unanswered.
   */
  async escalations(slot?: string): Promise<{ escalated: number }> {
    const { runs, clock } = this.deps;
    let escalated = 0;
    for (const policy of await this.deps.settings.allTeams()) {
      const claim = await this.claimPass(policy.teamId, 'escalations', slot ?? this.tick(this.deps.schedules.escalations, policy.timezone));
      if (!claim) continue;
      const now = clock.now();
      for (const { mistake, escalated: done } of await this.deps.queries.openForEscalation(policy.teamId)) {
        for (const due of escalationsDue(mistake, now, policy)) {
          if (done.has(due.key)) continue;
          try {
            if (await this.deps.mistakes.escalate(policy.teamId, mistake.id, due)) escalated++;
          } catch (error) {
            // A mistake changed under us (a click landed mid-pass): the next pass looks again.
            this.deps.logger.warn('escalation skipped this pass', { mistakeId: mistake.id, error: String(error) });
          }
        }
      }
      await runs.complete(claim, clock.now(), { job: 'escalations', escalated });
    }
    this.deps.worker.kick();
    return { escalated };
  }

  /**
   * One after-close check-in pass (CHECK_IN_AFTER): each owner whose customer's check-in is due
   * gets a DM asking whether the customer came back, within their office hours. The pass is
   * claimed like the others, and each question is a change that moves its due time on, so it is
   * asked once across restarts, replicas and passes run by hand.
   */
  async checkIns(slot?: string): Promise<{ asked: number; waitingForOfficeHours: number }> {
    const { runs, clock } = this.deps;
    const total = { asked: 0, waitingForOfficeHours: 0 };
    for (const policy of await this.deps.settings.allTeams()) {
      // Most ticks have nothing due: one indexed read, and no claim written.
      if ((await this.deps.queries.dueCheckIns(policy.teamId, clock.now(), 1)).length === 0) continue;
      const claim = await this.claimPass(policy.teamId, 'check_ins', slot ?? this.tick(this.deps.schedules.reminders, policy.timezone));
      if (!claim) continue;
      const result = { asked: 0, waitingForOfficeHours: 0 };
      for (const due of await this.deps.queries.dueCheckIns(policy.teamId, clock.now())) {
        const zone = (await this.deps.timeZoneOf(due.ownerId, policy.teamId).catch(() => undefined)) ?? policy.timezone;
        if (!isWithinOfficeHours(clock.now(), zone, policy.officeHours)) {
          result.waitingForOfficeHours++;
          continue;
        }
        try {
          if (await this.deps.mistakes.askCheckIn(policy.teamId, due.mistakeId, due.dueAt)) result.asked++;
        } catch (error) {
          // A mistake changed under us (a click landed mid-pass): the next pass looks again.
          this.deps.logger.warn('check-in skipped this pass', { mistakeId: due.mistakeId, error: String(error) });
        }
      }
      total.asked += result.asked;
      total.waitingForOfficeHours += result.waitingForOfficeHours;
      await runs.complete(claim, clock.now(), { job: 'check_ins', ...result });
    }
    this.deps.worker.kick();
    return total;
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

  private async claimPass(teamId: string, job: Job, slot: string) {
    return this.deps.runs.claim({
      teamId,
      details: { job },
      slot,
      owner: this.deps.owner,
      now: this.deps.clock.now(),
      leaseMs: this.deps.leaseMs,
    });
  }
}
