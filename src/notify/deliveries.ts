import { randomUUID } from 'node:crypto';
import { webApi } from '@slack/bolt';
import { nextTurn } from '../eventLoop';
import type { Clock } from '../services/clock';
import type { Logger } from '../logger';
import type { DeliveryKinds, Outbox, OutboxDelivery } from '../services/outbox';
import { isUserId } from '../domain/slackIds';
import { type SlackClients, TOKEN_REFUSED } from './clients';

/** A Web API call a delivery turns into. */
export type SlackCall =
  | { method: 'chat.postMessage'; args: Record<string, unknown> }
  | { method: 'chat.update'; args: Record<string, unknown> }
  | { method: 'views.publish'; args: Record<string, unknown> }
  /** Shares an uploaded file (the export's CSV) with its message. */
  | { method: 'files.completeUploadExternal'; args: Record<string, unknown> };

/** What to do with a delivery right now. */
export type Rendered =
  | { call: SlackCall; onSent?: (result: SlackResult) => Promise<void> }
  /** Not yet: something it needs is not there (a reply before its card is posted). */
  | { defer: string }
  /** Nothing to send any more (the mistake is gone); recorded as sent with the reason. */
  | { skip: string };

export interface SlackResult {
  ts?: string;
  channel?: string;
}

/** A message of a conversation's history, as far as finding an earlier attempt needs it. */
interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: unknown };
  files?: Array<{ title?: string }>;
}

/** A delivery whose payload was read: what it asks to show. */
export type ReadableDelivery = OutboxDelivery & { request: NonNullable<OutboxDelivery['request']> };

/**
 * What a pass's deliveries share while they are rendered (the mistakes they show, read together).
 * `changed`: a delivery's `onSent` wrote to what it showed (a card's first post): read it again.
 */
export interface RenderPass {
  changed(delivery: OutboxDelivery): void;
}

export interface DeliveryRenderer {
  /** Called with a pass's claimed deliveries before the first is rendered. */
  startPass?(deliveries: ReadableDelivery[]): RenderPass;
  render(delivery: ReadableDelivery, pass?: RenderPass): Promise<Rendered>;
  /** A card update found its message gone: forget it so the next attempt posts a new one. */
  forgetCard?(delivery: OutboxDelivery): Promise<void>;
  /** A delivery failed for good (it needs a person): tell someone who can fix it. */
  failedForGood?(delivery: OutboxDelivery, error: string): Promise<void>;
}

export interface DeliveryStats {
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
}

// Errors that no retry can fix: they need a person (invite the bot, fix a channel id or a scope).
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'user_not_found',
  'cannot_dm_bot',
  'invalid_arguments',
  'restricted_action',
]);

const MAX_BACKOFF_MS = 5 * 60_000;
const FAILED_RETRY_MS = 15 * 60_000;
const LEASE_MS = 60_000;
/** How long Slack may still act on a post whose answer never came, unless configured. */
const LATENESS_MS = 2 * 60_000;
/** While waiting to see whether Slack took an unanswered post, it is looked for this often. */
const LOOK_AGAIN_MS = 5000;
/** History pages read looking for an earlier post (200 messages each): a long backlog is covered. */
const MAX_HISTORY_PAGES = 50;
const SENT_RETENTION_MS = 7 * 24 * 3_600_000;
/** How often an idle pass deletes what is past that: not after every click's drain. */
const PRUNE_EVERY_MS = 10 * 60_000;
/** After that, how long a stopping worker waits for the delivery in hand before it goes anyway. */
const STOP_GIVE_BACK_MS = 2000;
// The follow-up pass comes this long after what it looks for falls due.
const FOLLOW_UP_MARGIN_MS = 100;

interface Outcome {
  kind: 'retry' | 'failed' | 'forget';
  delayMs: number;
  message: string;
  /** Slack may have acted on the call although we got no answer (timeout, dropped connection, 5xx). */
  uncertain?: boolean;
  /**
   * No answer came at all (a timeout, a dropped connection): Slack may still be working on the
   * call and act on it later. A 5xx is an answer: whatever Slack did, it did it before answering.
   */
  unanswered?: boolean;
}

/** What this worker sends: everything but webhooks, which have a worker of their own. */
const SLACK_KINDS: DeliveryKinds = { except: ['webhook'] };

/** Another worker run alongside this one (the webhook worker). */
export interface Companion {
  kick(): void;
  drain(): Promise<DeliveryStats>;
  tryAllNow(): Promise<DeliveryStats>;
  /** No more passes; resolves once the one under way (if any) has ended. */
  stop(): Promise<void>;
}

function addStats(a: DeliveryStats, b: DeliveryStats): DeliveryStats {
  return { sent: a.sent + b.sent, retried: a.retried + b.retried, failed: a.failed + b.failed, deferred: a.deferred + b.deferred };
}

/**
 * The operator's pass for a worker (Slack posts or webhooks): pages through everything pending,
 * each tried once now whatever its backoff, and adds up what became of them.
 */
export async function tryEachPendingOnce(
  runOnce: (options: { ignoreBackoff: true; afterId: number }) => Promise<DeliveryStats & { lastId: number }>,
): Promise<DeliveryStats> {
  let total: DeliveryStats = { sent: 0, retried: 0, failed: 0, deferred: 0 };
  let afterId = 0;
  for (;;) {
    const { lastId, ...stats } = await runOnce({ ignoreBackoff: true, afterId });
    if (lastId === afterId) return total;
    afterId = lastId;
    total = addStats(total, stats);
  }
}

/** Every post carries its delivery id, so a retry can tell whether Slack already has it. */
export const DELIVERY_METADATA_TYPE = 'mistake_recovery_delivery';

/** Decides what a failed Web API call means for its delivery. */
export function classifyError(error: unknown, attempts: number): Outcome {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string };
  const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
  // Jitter keeps several replicas from hammering Slack in lockstep after an outage.
  const jittered = Math.round(backoff * (0.75 + Math.random() * 0.5));
  if (e?.code === webApi.ErrorCode.RateLimitedError) {
    // Honour Retry-After for this delivery only; other deliveries carry on.
    return { kind: 'retry', delayMs: Math.max(1, e.retryAfter ?? 1) * 1000, message: `rate limited (retry after ${e.retryAfter ?? 1}s)` };
  }
  if (e?.code === webApi.ErrorCode.PlatformError) {
    const slackError = e.data?.error ?? 'unknown_error';
    if (slackError === 'message_not_found') return { kind: 'forget', delayMs: 0, message: slackError };
    if (PERMANENT_ERRORS.has(slackError)) return { kind: 'failed', delayMs: 0, message: slackError };
    return { kind: 'retry', delayMs: jittered, message: slackError };
  }
  if (e?.code === webApi.ErrorCode.HTTPError) {
    return { kind: 'retry', delayMs: jittered, message: `HTTP ${e.statusCode ?? '?'}`, uncertain: true };
  }
  return { kind: 'retry', delayMs: jittered, message: e?.message?.slice(0, 300) ?? String(error), uncertain: true, unanswered: true };
}

/**
 * Sends what the outbox holds. Each delivery is claimed with a lease before it is sent, so two
 * workers (or replicas) never send the same one, and one whose worker died is taken over when
 * its lease runs out. Failures are retried with backoff (a 429 waits its Retry-After) without
 * holding up the others.
 */
export class DeliveryWorker {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private running: Promise<DeliveryStats> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private followUp: NodeJS.Timeout | null = null;
  private lastKickAt = 0;
  private nextPruneAt = 0;
  private stopping = false;
  /** What this worker holds now: delivery id → when its lease ends, as last written (ms). */
  private readonly held = new Map<number, number>();
  private renewing: NodeJS.Timeout | null = null;
  /** Sent in this pass, to be noted as sent at its end. */
  private readonly marks: Array<{ delivery: OutboxDelivery; ts: string | undefined; note: string | undefined }> = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly clients: SlackClients,
    private readonly renderer: DeliveryRenderer,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: {
      batchSize?: number;
      leaseMs?: number;
      followUpMs?: number;
      latenessMs?: number;
      /**
       * The webhook worker: kicked, drained and tried with this one, but running beside it, so a
       * slow receiver never holds up a Slack post.
       */
      webhooks?: Companion;
      /**
       * The requests being answered (src/slack/intake.ts): each delivery, and each pass's claim,
       * waits for them (briefly), since the answers share this event loop.
       */
      intake?: { yieldTo(): Promise<void> };
    } = {},
  ) {}

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  /**
   * Ask for a pass soon (after a change was committed), and with `followUpMs` one more once
   * that has passed, for what the change queued to be sent a little later (App Home refreshes).
   * Passes never overlap; the scheduled pass picks up anything else that falls due.
   */
  kick(): void {
    this.options.webhooks?.kick();
    if (this.stopping) return;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.drainSlack().catch((error) => this.logger.error('delivery pass failed', { error: String(error) }));
      }, 0);
      this.timer.unref?.();
    }
    const followUpMs = this.options.followUpMs ?? 0;
    if (followUpMs <= 0) return;
    this.lastKickAt = Date.now();
    if (!this.followUp) this.scheduleFollowUp(followUpMs + FOLLOW_UP_MARGIN_MS);
  }

  /** One timer at a time: when it fires, another if kicks came in since it was set. */
  private scheduleFollowUp(inMs: number): void {
    this.followUp = setTimeout(() => {
      this.followUp = null;
      void this.drainSlack().catch((error) => this.logger.error('delivery pass failed', { error: String(error) }));
      const left = this.lastKickAt + (this.options.followUpMs ?? 0) + FOLLOW_UP_MARGIN_MS - Date.now();
      if (left > 0) this.scheduleFollowUp(left);
    }, inMs);
    this.followUp.unref?.();
  }

  /**
   * Runs passes until nothing due is left. Webhooks are asked for a pass of their own, and not
   * waited for: a scheduled pass never waits on a slow receiver before it retries Slack posts.
   */
  async drain(): Promise<DeliveryStats> {
    this.options.webhooks?.kick();
    return this.drainSlack();
  }

  /** The webhook worker beside this one, if there is one. */
  get webhooks(): Companion | undefined {
    return this.options.webhooks;
  }

  private async drainSlack(): Promise<DeliveryStats> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const total: DeliveryStats = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    this.running = (async () => {
      try {
        for (let round = 0; round < 100; round++) {
          this.again = false;
          const stats = await this.runOnce();
          total.sent += stats.sent;
          total.retried += stats.retried;
          total.failed += stats.failed;
          total.deferred += stats.deferred;
          if (stats.sent + stats.retried + stats.failed === 0 && !this.again) break;
        }
        return total;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * One pass over the deliveries that are due, all claimed at once (up to `batchSize`) and sent
   * one after the other. `ignoreBackoff` (the operator's `npm run job -- deliveries`) takes every
   * pending one now, whatever its backoff.
   */
  async runOnce(options: { ignoreBackoff?: boolean; afterId?: number } = {}): Promise<DeliveryStats & { lastId: number }> {
    const stats = { sent: 0, retried: 0, failed: 0, deferred: 0, lastId: options.afterId ?? 0 };
    if (this.stopping) return stats;
    await this.yieldToRequests();
    const now = this.clock.now();
    const claimed = await this.outbox.claimDue({
      now,
      afterId: options.afterId ?? 0,
      ignoreBackoff: options.ignoreBackoff ?? false,
      limit: this.options.batchSize ?? 50,
      kinds: SLACK_KINDS,
      workerId: this.workerId,
      leaseUntil: new Date(now.getTime() + this.leaseMs),
      lookUntil: new Date(now.getTime() + this.latenessMs),
    });
    if (claimed.length === 0) {
      await this.prune(now);
      return stats;
    }
    const leaseUntil = now.getTime() + this.leaseMs;
    for (const delivery of claimed) this.held.set(delivery.id, leaseUntil);
    this.renewWhileHeld();
    const pass = this.renderer.startPass?.(claimed.filter((d): d is ReadableDelivery => d.request !== null));
    try {
      await this.sendClaimed(claimed, pass, stats);
    } finally {
      await this.flushMarks();
    }
    return stats;
  }

  private async sendClaimed(claimed: OutboxDelivery[], pass: RenderPass | undefined, stats: DeliveryStats & { lastId: number }): Promise<void> {
    for (const [i, delivery] of claimed.entries()) {
      // Let waiting requests be acknowledged between deliveries: Slack gives each 3 seconds.
      await this.yieldToRequests();
      if (this.stopping) {
        // Stopping: what was not started goes back to the outbox now, not when its lease runs out.
        const rest = claimed.slice(i).map((d) => d.id);
        for (const id of rest) this.held.delete(id);
        await this.outbox.giveBack(rest, this.workerId, this.clock.now());
        break;
      }
      stats.lastId = delivery.id;
      if (delivery.takenOverFrom !== undefined) {
        this.logger.warn('delivery taken over after its lease ran out', {
          id: delivery.id,
          from: delivery.takenOverFrom,
          inFlight: delivery.uncertain,
        });
      }
      try {
        stats[await this.deliver(delivery, pass)]++;
      } catch (error) {
        // A database fault mid-delivery: the others in the pass still go; this one is retried.
        this.logger.error('delivery attempt failed', { id: delivery.id, kind: delivery.kind, error: String(error) });
        await this.release(delivery, 'retry', 5000, `attempt: ${String(error).slice(0, 300)}`).catch(() => undefined);
        stats.retried++;
      } finally {
        if (!this.marks.some((m) => m.delivery.id === delivery.id)) this.held.delete(delivery.id);
      }
    }
  }

  /**
   * Stops taking deliveries: the pass under way finishes the one it is sending and gives the
   * rest of its claim back (waited for up to `withinMs`).
   */
  async stop(withinMs: number): Promise<void> {
    const within = (ms: number, work: Promise<unknown> | undefined) =>
      Promise.race([work?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    // What is due now goes out first (webhooks too), if Slack and the receiver let it within the time given.
    await within(withinMs, Promise.all([this.drain(), this.options.webhooks?.drain()]));
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.followUp) clearTimeout(this.followUp);
    this.timer = this.followUp = null;
    await within(STOP_GIVE_BACK_MS, this.running ?? undefined);
    // Its pass ends before the database connection does.
    await within(STOP_GIVE_BACK_MS, this.options.webhooks?.stop());
  }

  private yieldToRequests(): Promise<void> {
    return this.options.intake?.yieldTo() ?? nextTurn();
  }

  private get latenessMs(): number {
    return this.options.latenessMs ?? LATENESS_MS;
  }

  /**
   * Keeps the leases of what this worker holds alive (a slow render, a slow Slack, the rest of a
   * pass's claim), all in one statement every third of a lease, while it holds any.
   */
  private renewWhileHeld(): void {
    if (this.renewing) return;
    this.renewing = setInterval(
      () => {
        const ids = [...this.held.keys()];
        if (ids.length === 0) {
          clearInterval(this.renewing!);
          this.renewing = null;
          return;
        }
        const leaseUntil = this.clock.now().getTime() + this.leaseMs;
        void this.outbox
          .renewLeases(ids, this.workerId, new Date(leaseUntil))
          .then((kept) => {
            const still = new Set(kept);
            for (const id of ids) {
              if (!this.held.has(id)) continue;
              if (still.has(id)) {
                this.held.set(id, leaseUntil);
              } else {
                this.held.set(id, 0);
                this.logger.warn('delivery lease lost while working on it', { id });
              }
            }
          })
          .catch((error: unknown) => this.logger.warn('could not renew delivery leases', { ids: ids.length, error: String(error) }));
      },
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    this.renewing.unref?.();
  }

  /**
   * Whether this worker surely still holds `id` at `now`: its lease, as last written, has more
   * than a third of its length left, so no other worker can have taken it over (clocks apart by
   * less than that). When not, the database is asked before posting.
   */
  private surelyHeld(id: number, now: Date): boolean {
    return (this.held.get(id) ?? 0) - now.getTime() > this.leaseMs / 3;
  }

  private async deliver(delivery: OutboxDelivery, pass?: RenderPass): Promise<keyof DeliveryStats> {
    const { request } = delivery;
    if (!request) {
      // Its payload could not be read (logged when it was): nothing this version can send.
      await this.markSent(delivery, undefined, 'its payload could not be read');
      return 'sent';
    }
    // The workspace's own token; none while the app is uninstalled there: the delivery waits.
    const client = await this.clients.forTeam(delivery.teamId);
    if (!client) {
      await this.outbox.pause(delivery.id, this.workerId, 'the app is not installed in this workspace now; sent once it is reinstalled');
      return 'deferred';
    }
    let rendered: Rendered;
    try {
      rendered = await this.renderer.render({ ...delivery, request }, pass);
    } catch (error) {
      this.logger.error('could not render delivery', { id: delivery.id, kind: delivery.kind, error: String(error) });
      await this.release(delivery, 'retry', 30_000, `render: ${String(error).slice(0, 300)}`);
      return 'retried';
    }
    if ('defer' in rendered) {
      await this.release(delivery, 'retry', 1000, rendered.defer, { keepAttempts: true });
      return 'deferred';
    }
    if ('skip' in rendered) {
      await this.markSent(delivery, undefined, rendered.skip);
      return 'sent';
    }
    const call = rendered.call;
    const isPost = call.method === 'chat.postMessage';
    // A file shared in a conversation is a message too: noted before the call and, after a call
    // that got no answer, looked for before it is shared again.
    const isShare = call.method === 'files.completeUploadExternal' && typeof call.args.channel_id === 'string';
    let calledAt: Date | null = null;
    try {
      if ((isPost || isShare) && delivery.uncertain) {
        const earlier = isPost ? await this.findEarlierPost(client, delivery, call.args) : await this.findEarlierShare(client, delivery, call.args);
        const now = this.clock.now();
        if (!earlier && delivery.lookUntil && delivery.lookUntil.getTime() > now.getTime()) {
          // An earlier attempt got no answer and Slack may still act on it: posting now could
          // post twice. Look again shortly; once SLACK_LATENESS has passed, post.
          const inMs = Math.min(LOOK_AGAIN_MS, delivery.lookUntil.getTime() - now.getTime());
          await this.release(delivery, 'retry', inMs, 'waiting to see whether Slack took an earlier attempt', { keepAttempts: true });
          return 'deferred';
        }
        if (earlier) {
          this.logger.info('delivery was already in Slack; not posting it again', { id: delivery.id, ts: earlier.ts });
          if (rendered.onSent) await rendered.onSent(earlier);
          if (delivery.kind === 'card') {
            // The card Slack kept was rendered on an earlier attempt, possibly before later
            // changes: edit it now (its ts is known), or it would show that old state.
            await this.outbox.editNow(delivery.id, this.workerId, earlier.ts ?? null, this.clock.now());
            return 'retried';
          }
          await this.markSent(delivery, earlier.ts);
          return 'sent';
        }
      }
      const args = isPost
        ? { ...call.args, metadata: { event_type: DELIVERY_METADATA_TYPE, event_payload: { delivery_id: String(delivery.id) } } }
        : call.args;
      if (isPost || isShare) {
        // The claim noted the call already: whoever takes this delivery over knows the post may
        // have reached Slack. If the lease might have run out meanwhile (a stalled process), the
        // database says whether this worker still holds it (renewing it); if not, stop here.
        calledAt = this.clock.now();
        if (!this.surelyHeld(delivery.id, calledAt)) {
          const leaseUntil = calledAt.getTime() + this.leaseMs;
          const noted = await this.outbox.noteCalled(delivery.id, this.workerId, calledAt, new Date(leaseUntil));
          if (!noted) {
            this.logger.warn('delivery was taken over before it was posted; leaving it to the new owner', { id: delivery.id });
            return 'deferred';
          }
          if (this.held.has(delivery.id)) this.held.set(delivery.id, leaseUntil);
        }
      }
      const result = (await client.apiCall(call.method, args)) as SlackResult;
      await this.clients.tokenAnswered(delivery.teamId, null);
      if (rendered.onSent) {
        await rendered.onSent(result);
        pass?.changed(delivery);
      }
      await this.markSent(delivery, result.ts);
      return 'sent';
    } catch (error) {
      const outcome = classifyError(error, delivery.attempts);
      if (outcome.uncertain && (isPost || isShare) && calledAt) {
        await this.outbox.noteUncertain(delivery.id, this.workerId, outcome.unanswered ? new Date(calledAt.getTime() + this.latenessMs) : null);
      }
      if (outcome.kind === 'forget') {
        await this.renderer.forgetCard?.(delivery);
        await this.release(delivery, 'retry', 0, outcome.message);
        return 'retried';
      }
      if (outcome.kind === 'failed') {
        if (TOKEN_REFUSED.has(outcome.message)) await this.clients.tokenAnswered(delivery.teamId, outcome.message);
        this.logger.error('delivery failed and needs a person to look at it', {
          id: delivery.id,
          kind: delivery.kind,
          error: outcome.message,
        });
        // Kept, visible, and tried again now and then: inviting the bot fixes it without anyone
        // having to find the delivery.
        await this.release(delivery, 'failed', FAILED_RETRY_MS, outcome.message);
        await this.renderer
          .failedForGood?.(delivery, outcome.message)
          .catch((e: unknown) => this.logger.error('could not report a failed delivery', { id: delivery.id, error: String(e) }));
        return 'failed';
      }
      this.logger.warn('delivery will be retried', {
        id: delivery.id,
        kind: delivery.kind,
        attempt: delivery.attempts,
        inMs: outcome.delayMs,
        error: outcome.message,
      });
      await this.release(delivery, 'retry', outcome.delayMs, outcome.message);
      return 'retried';
    }
  }

  /**
   * After an attempt whose outcome is unknown, looks in the channel (or thread, or DM) for the
   * message carrying this delivery's id, so a post Slack did take is not posted a second time.
   */
  private async findEarlierPost(client: webApi.WebClient, delivery: OutboxDelivery, args: Record<string, unknown>): Promise<SlackResult | null> {
    let channel = String(args.channel);
    if (isUserId(channel)) {
      // A DM is addressed by user id; its history lives under the DM channel's id.
      const opened = await client.conversations.open({ users: channel });
      channel = opened.channel?.id ?? channel;
    }
    const isOurs = (m: HistoryMessage) =>
      m.metadata?.event_type === DELIVERY_METADATA_TYPE &&
      (m.metadata.event_payload as Record<string, unknown> | undefined)?.delivery_id === String(delivery.id);
    return this.findInHistory(client, delivery, channel, args.thread_ts ? String(args.thread_ts) : undefined, isOurs);
  }

  /**
   * The same for a file shared in a conversation (an export in a DM): a share carries no metadata,
   * so it is known by its files' titles, which name the request down to the minute.
   */
  private async findEarlierShare(client: webApi.WebClient, delivery: OutboxDelivery, args: Record<string, unknown>): Promise<SlackResult | null> {
    const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as Array<{ title?: string }> | undefined;
    const titles = new Set((files ?? []).map((f) => f.title).filter((t): t is string => Boolean(t)));
    if (titles.size === 0) return null;
    const isOurs = (m: HistoryMessage) => (m.files ?? []).some((f) => f.title !== undefined && titles.has(f.title));
    return this.findInHistory(client, delivery, String(args.channel_id), undefined, isOurs);
  }

  /** Every message since the delivery was made, page by page, until one is ours. */
  private async findInHistory(
    client: webApi.WebClient,
    delivery: OutboxDelivery,
    channel: string,
    threadTs: string | undefined,
    isOurs: (m: HistoryMessage) => boolean,
  ): Promise<SlackResult | null> {
    const oldest = String((delivery.createdAt.getTime() - 60_000) / 1000);
    // Behind a long backlog (hundreds of cards posted since) the post is far down the history.
    let cursor: string | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const common = { channel, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
      const answer = threadTs ? await client.conversations.replies({ ...common, ts: threadTs }) : await client.conversations.history(common);
      const found = (answer.messages as HistoryMessage[] | undefined)?.find(isOurs);
      if (found?.ts) return { ts: found.ts, channel };
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (!answer.has_more || !cursor) return null;
    }
    this.logger.warn('looked through the most recent history pages without finding an earlier post', { id: delivery.id, pages: MAX_HISTORY_PAGES });
    return null;
  }

  /**
   * Noted as sent with the rest of its pass, in one statement at the pass's end (only if nobody
   * asked for it again meanwhile; if they did, it is sent once more). Until then it stays this
   * worker's, its lease kept: a crash before the note leaves a post its next sender finds in
   * Slack (the claim noted the call) and an edit that is simply made again.
   */
  private async markSent(delivery: OutboxDelivery, ts: string | undefined, note?: string): Promise<void> {
    this.marks.push({ delivery, ts, note });
  }

  /** Writes the pass's sent notes; on a fault they are left to their leases (taken over, looked for in Slack). */
  private async flushMarks(): Promise<void> {
    const marks = this.marks.splice(0);
    try {
      await this.outbox.markAllSent(marks, this.workerId, this.clock.now());
    } catch (error) {
      this.logger.error('could not note sent deliveries; they are checked in Slack when their lease runs out', {
        count: marks.length,
        error: String(error),
      });
    } finally {
      for (const m of marks) this.held.delete(m.delivery.id);
    }
  }

  private async release(
    delivery: OutboxDelivery,
    as: 'retry' | 'failed',
    delayMs: number,
    error: string,
    options: { keepAttempts?: boolean } = {},
  ): Promise<void> {
    await this.outbox.release(delivery.id, this.workerId, {
      status: as === 'failed' ? 'failed' : 'pending',
      nextAttemptAt: new Date(this.clock.now().getTime() + delayMs),
      error,
      keepAttempts: options.keepAttempts,
    });
  }

  private async prune(now: Date): Promise<void> {
    if (now.getTime() < this.nextPruneAt) return;
    this.nextPruneAt = now.getTime() + PRUNE_EVERY_MS;
    await this.outbox.prune(new Date(now.getTime() - SENT_RETENTION_MS));
  }

  /**
   * The operator's pass: tries every pending delivery once, now, whatever its backoff, and
   * returns when each has been tried (a delivery that fails again keeps its new backoff), webhooks
   * included.
   */
  async tryAllNow(): Promise<DeliveryStats> {
    const [slack, webhooks] = await Promise.all([this.tryAllSlackNow(), this.options.webhooks?.tryAllNow()]);
    return webhooks ? addStats(slack, webhooks) : slack;
  }

  private tryAllSlackNow(): Promise<DeliveryStats> {
    return tryEachPendingOnce((options) => this.runOnce(options));
  }

  /** Counts for /healthz and the logs: nothing that keeps failing is silent. */
  health(): Promise<{ pending: number; failed: number; oldestPendingAt: Date | null }> {
    return this.outbox.health();
  }
}
