import type { SlackClients } from '../notify/clients';
import { formatDuration, MINUTE_MS } from '../domain/durations';
import { startOfNextWorkingDay } from '../domain/officeHours';
import { PlaybookError } from '../domain/playbook';
import { ClickAlreadyApplied, type StoredClick } from '../services/interactions';
import type { BotDeps } from './deps';
import type { Intake } from './intake';
import { explainFailure, tellPrivately } from './privately';

export const NOT_OURS = "That button doesn't point at a mistake we know about, so nothing was changed.";

/**
 * Applies stored clicks: right after the click is answered, and again for any click whose
 * process died (or whose database failed) before it was applied. A click is applied once
 * however often this runs for it: the change marks it applied in its own transaction.
 */
// Applied clicks are kept a week; looking for old ones once an hour is plenty.
const PRUNE_EVERY_MS = 3_600_000;
/**
 * Clicks applied at once by one process. SQLite runs one transaction at a time anyway; on
 * PostgreSQL they overlap their round trips, within the connection pool (10) with room left for
 * answering clicks and for the delivery worker.
 */
export const APPLYING_AT_ONCE = { sqlite: 4, postgresql: 8 } as const;

export class ClickApplier {
  private recovering: Promise<number> | null = null;
  private prunedAt = 0;
  /** Clicks being applied now, so that stopping (and a test) can wait for them to finish. */
  private readonly inFlight = new Set<Promise<void>>();
  private applying = 0;
  private readonly turns: Array<() => void> = [];

  constructor(
    private readonly deps: Omit<BotDeps, 'clicks'>,
    private readonly clients: Pick<SlackClients, 'forTeam'>,
    private readonly atOnce: number = APPLYING_AT_ONCE.sqlite,
    /** The requests being answered, which go first (see Intake). */
    private readonly intake?: Pick<Intake, 'yieldTo'>,
  ) {}

  apply(click: StoredClick): Promise<void> {
    // Never rejects: nobody waits on it (the click was answered); a failure is logged here.
    const applying = this.inTurn(() => this.applyOnce(click)).catch((error: unknown) =>
      this.deps.logger.error('a stored click could not be applied; it will be tried again', { clickId: click.id, error: String(error) }),
    );
    this.inFlight.add(applying);
    return applying.finally(() => this.inFlight.delete(applying));
  }

  /**
   * At most `atOnce` clicks (APPLYING_AT_ONCE) are applied at a time; the others wait here,
   * stored, in the order they came. Clicks are answered as soon as they are stored, so in a burst
   * they arrive faster than they are applied: waiting here, rather than each holding a
   * transaction open while it waits for the database, keeps a burst from timing out the work
   * queued behind it. Each waits for the requests being answered before it starts (Intake).
   */
  private async inTurn(work: () => Promise<void>): Promise<void> {
    if (this.applying >= this.atOnce) await new Promise<void>((resolve) => this.turns.push(resolve));
    else this.applying++;
    try {
      await this.intake?.yieldTo();
      await work();
    } finally {
      const next = this.turns.shift();
      // The turn passes straight to the next click waiting; with none, the slot is free.
      if (next) next();
      else this.applying--;
    }
  }

  /** Resolves once no click is being applied (including any started while it waits). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async applyOnce(click: StoredClick): Promise<void> {
    const { deps } = this;
    const origin = { userId: click.userId, channelId: click.channelId };
    const ref = { teamId: click.teamId, mistakeId: click.mistakeId, clickId: click.id };
    try {
      let told: string | null = null;
      switch (click.kind) {
        case 'own':
        case 'apologize':
          await deps.mistakes.completeStep(ref, click.userId, click.kind);
          break;
        case 'prevention_done':
          await deps.mistakes.completePrevention(ref, click.userId, click.preventionId);
          break;
        case 'check_in_came_back':
          await deps.mistakes.answerCheckIn(ref, click.userId, 'came_back');
          break;
        case 'check_in_not_yet':
          await deps.mistakes.answerCheckIn(ref, click.userId, 'not_yet');
          break;
        case 'check_in_lost':
          await deps.mistakes.answerCheckIn(ref, click.userId, 'lost');
          break;
        case 'customer_note_sent':
          await deps.mistakes.markCustomerNoteSent(ref, click.userId);
          break;
        case 'snooze': {
          // Counted from the click, however late it is applied.
          const policy = await deps.settings.forTeam(click.teamId);
          const until =
            click.snoozeMinutes > 0
              ? new Date(click.receivedAt.getTime() + click.snoozeMinutes * MINUTE_MS)
              : startOfNextWorkingDay(click.receivedAt, policy.timezone, policy.officeHours);
          if (click.contactId !== undefined) await deps.mistakes.snoozeContact(ref, click.userId, click.contactId, until);
          else await deps.mistakes.snooze(ref, click.userId, until, click.preventionId);
          told = `Snoozed: we'll remind you again in ${formatDuration(until.getTime() - deps.clock.now().getTime())}.`;
          break;
        }
      }
      deps.deliveries.kick();
      if (told) {
        // The workspace's own token (a click applied after a restart has no request to borrow it from).
        const client = await this.clients.forTeam(click.teamId).catch(() => null);
        if (client)
          await tellPrivately(client, origin, told).catch((error: unknown) =>
            deps.logger.warn('could not confirm a snooze', { clickId: click.id, error: String(error) }),
          );
      }
    } catch (error) {
      if (error instanceof ClickAlreadyApplied) return;
      if (error instanceof PlaybookError) {
        await deps.interactions
          .finish(click.id, 'refused', error.message)
          .catch((e: unknown) => deps.logger.warn('could not record a refused click', { clickId: click.id, error: String(e) }));
        const client = await this.clients.forTeam(click.teamId).catch(() => null);
        if (client) await explainFailure(deps, client, origin, error, { teamId: click.teamId, mistakeId: click.mistakeId });
        return;
      }
      // Stored, so not lost: it waits and is applied again once its lease runs out.
      deps.logger.warn('click stored but not applied yet; it will be tried again', {
        clickId: click.id,
        kind: click.kind,
        attempt: click.attempts,
        error: error instanceof Error ? error.message.slice(0, 500) : String(error),
      });
    }
  }

  /** Applies every stored click whose process did not (a crash, a database failure). */
  recover(): Promise<number> {
    if (this.recovering) return this.recovering;
    this.recovering = (async () => {
      let applied = 0;
      try {
        for (;;) {
          const batch = await this.deps.interactions.claimStale();
          if (batch.length === 0) break;
          for (const click of batch) {
            this.deps.logger.info('applying a click its process did not', { clickId: click.id, kind: click.kind, receivedAt: click.receivedAt });
            await this.apply(click);
            applied++;
          }
        }
        if (applied === 0 && Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
          this.prunedAt = Date.now();
          await this.deps.interactions.prune();
        }
        return applied;
      } finally {
        this.recovering = null;
      }
    })();
    return this.recovering;
  }
}
