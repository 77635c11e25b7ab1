import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../logger';
import type { Clock } from '../services/clock';
import type { DeliveryKinds, Outbox, OutboxDelivery } from '../services/outbox';
import { type DeliveryStats, tryEachPendingOnce } from './deliveries';

/** The outbox kinds this worker sends; the Slack worker leaves them alone. */
export const WEBHOOK_KINDS: DeliveryKinds = { only: ['webhook'] };

const TIMEOUT_MS = 10_000;
const LEASE_MS = 60_000;
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 60 * 60_000;
/** After this many failed attempts a webhook counts as failed (in /healthz); it is still retried. */
const FAILED_AFTER_ATTEMPTS = 10;

export interface WebhookTarget {
  url: string;
  /** Standard Webhooks secret: whsec_ followed by the base64 of the key. */
  secret: string;
}

export interface WebhookOptions {
  /** Longest wait for the receiver's answer to one POST. */
  timeoutMs?: number;
  leaseMs?: number;
  batchSize?: number;
  /** Shortest wait before a failed POST is tried again; it doubles per attempt, up to an hour. */
  firstBackoffMs?: number;
}

/**
 * Sends the webhook deliveries in the outbox to WEBHOOK_URL, signed per the Standard Webhooks
 * spec. It runs beside the Slack delivery worker, never in its way: a slow or failing receiver
 * holds up only webhooks. Every event is sent until the receiver answers 2xx (at least once),
 * always with the same webhook-id and body, and a mistake's events go out in the order they
 * happened: one waits while an earlier one for the same mistake is still to be sent.
 */
export class WebhookWorker {
  readonly workerId = `${process.pid}-webhooks-${randomUUID().slice(0, 8)}`;
  private readonly signer: Webhook | null;
  private running: Promise<DeliveryStats> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  /** Without a receiver nothing new is queued: after one pass has cleared what was, none are needed. */
  private cleared = false;
  private stopped = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly target: WebhookTarget | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: WebhookOptions = {},
  ) {
    this.signer = target ? new Webhook(target.secret) : null;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  /** The receiver's answer is waited for at most this long, and always less than a lease. */
  private get timeoutMs(): number {
    return Math.min(this.options.timeoutMs ?? TIMEOUT_MS, Math.floor(this.leaseMs / 2));
  }

  /** Ask for a pass soon (after a change was committed). */
  kick(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain().catch((error) => this.logger.error('webhook pass failed', { error: String(error) }));
    }, 0);
    this.timer.unref?.();
  }

  /** No more passes (the process is stopping); resolves once the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Runs passes until nothing due is left, or the receiver fails (it is tried again after its backoff). */
  async drain(): Promise<DeliveryStats> {
    if (this.cleared || this.stopped) return { sent: 0, retried: 0, failed: 0, deferred: 0 };
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const total: DeliveryStats = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    this.running = (async () => {
      try {
        for (let round = 0; round < 100; round++) {
          this.again = false;
          // Page through everything due: events waiting behind an earlier one of their mistake
          // must not keep other mistakes' events out of the pass.
          let afterId = 0;
          let sent = 0;
          let failing = false;
          for (;;) {
            const stats = await this.runOnce({ afterId });
            total.sent += stats.sent;
            total.retried += stats.retried;
            total.failed += stats.failed;
            total.deferred += stats.deferred;
            sent += stats.sent;
            failing = stats.retried + stats.failed > 0;
            if (failing || stats.lastId === afterId) break;
            afterId = stats.lastId;
          }
          if (failing) break;
          if (sent === 0 && !this.again) break;
        }
        if (!this.target && total.retried + total.failed === 0) this.cleared = true;
        return total;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * One pass over the webhooks that are due, oldest first. A scheduled pass stops at the first
   * failure (a receiver that is down would otherwise make every delivery wait out its timeout);
   * `ignoreBackoff` (the operator's pass) tries each one.
   */
  async runOnce(options: { ignoreBackoff?: boolean; afterId?: number } = {}): Promise<DeliveryStats & { lastId: number }> {
    const stats = { sent: 0, retried: 0, failed: 0, deferred: 0, lastId: options.afterId ?? 0 };
    const candidates = await this.outbox.due({
      now: this.clock.now(),
      afterId: options.afterId ?? 0,
      ignoreBackoff: options.ignoreBackoff ?? false,
      limit: this.options.batchSize ?? 50,
      kinds: WEBHOOK_KINDS,
    });
    for (const candidate of candidates) {
      stats.lastId = candidate.id;
      if (await this.outbox.waitsBehind(candidate)) {
        stats.deferred++;
        continue;
      }
      const now = this.clock.now();
      const claimed = await this.outbox.take(candidate, {
        workerId: this.workerId,
        now,
        leaseUntil: new Date(now.getTime() + this.leaseMs),
      });
      if (!claimed) continue;
      const outcome = await this.deliver({ ...candidate, attempts: candidate.attempts + 1 });
      stats[outcome]++;
      if ((outcome === 'retried' || outcome === 'failed') && !options.ignoreBackoff) break;
    }
    return stats;
  }

  /** Every pending webhook tried once, now, whatever its backoff. */
  tryAllNow(): Promise<DeliveryStats> {
    return tryEachPendingOnce((options) => this.runOnce(options));
  }

  private async deliver(delivery: OutboxDelivery): Promise<keyof DeliveryStats> {
    const { request } = delivery;
    const done = (note: string) => this.outbox.markSent(delivery, this.workerId, undefined, note, this.clock.now());
    if (request?.kind !== 'webhook') {
      await done('its payload could not be read');
      return 'sent';
    }
    if (!this.target || !this.signer) {
      // Webhooks were turned off since this was queued: nobody to send it to.
      await done('not sent: WEBHOOK_URL is not set');
      return 'sent';
    }
    const sentAt = this.clock.now();
    let problem: string;
    try {
      const response = await fetch(this.target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mistake-recovery-webhooks',
          'webhook-id': request.webhookId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.signer.sign(request.webhookId, sentAt, request.body),
        },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The answer's body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await this.outbox.markSent(delivery, this.workerId, undefined, undefined, this.clock.now());
        return 'sent';
      }
      problem = `the receiver answered HTTP ${response.status}`;
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      problem =
        e?.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : `could not reach the receiver: ${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)}`;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, (this.options.firstBackoffMs ?? FIRST_BACKOFF_MS) * 2 ** Math.max(0, delivery.attempts - 1));
    // Jitter keeps several replicas from retrying in lockstep after an outage.
    const delayMs = Math.round(backoff * (0.75 + Math.random() * 0.5));
    const failed = delivery.attempts >= FAILED_AFTER_ATTEMPTS;
    const fields = { id: delivery.id, webhookId: request.webhookId, attempt: delivery.attempts, inMs: delayMs, error: problem };
    if (failed) this.logger.error('webhook keeps failing; it is still retried', fields);
    else this.logger.warn('webhook will be retried', fields);
    await this.outbox.release(delivery.id, this.workerId, {
      status: failed ? 'failed' : 'pending',
      nextAttemptAt: new Date(this.clock.now().getTime() + delayMs),
      error: problem.slice(0, 300),
    });
    return failed ? 'failed' : 'retried';
  }
}
