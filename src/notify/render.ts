import type { DirectMessagePayload } from '../domain/deliveries';
import { routeFor } from '../domain/routes';
import type { Clock } from '../services/clock';
import type { Outbox, OutboxDelivery } from '../services/outbox';
import type { MistakeQueries } from '../services/queries';
import type { ReminderService } from '../services/reminders';
import type { SentMessages } from '../services/sentMessages';
import type { SettingsService } from '../services/settings';
import { renderCard } from '../slack/views/card';
import { renderDigest } from '../slack/views/digest';
import { HOME_CAPS, homeView } from '../slack/views/home';
import { renderReminder } from '../slack/views/reminders';
import { renderEscalation, renderOwnerDm, renderTimelineReply } from '../slack/views/replies';
import { threadUrl, userText } from '../slack/views/text';
import type { SlackClients } from './clients';
import { insightsPost } from '../slack/views/insights';
import { DEFAULT_STATS_WINDOW } from '../domain/insights';
import { uploadFile } from './upload';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseExportWindow, writeExportCsv } from '../services/exports';

/** `insights:2026-11-23` (or an extra copy's key) → `2026-11-23`. */
const slotDay = (slot: string): string => /\d{4}-\d{2}-\d{2}/.exec(slot)?.[0] ?? 'now';
import type { DeliveryRenderer, ReadableDelivery, Rendered, RenderPass, SlackResult } from './deliveries';
import type { TimelineEvent } from '../domain/timeline';
import type { EarlierMistakeView, MistakeView } from '../services/views';

/**
 * A mistake read for a pass is shown by its later deliveries for this long; after that it is read
 * again (a pass held up by a slow Slack shows no state older than this; a change committed after
 * a card was rendered sends that card again anyway).
 */
const PASS_READ_FRESH_MS = 1000;

/** What a delivery shows about one mistake: it has a mistake id, and a pass's deliveries read theirs together. */
type MistakeDelivery = ReadableDelivery & { request: { mistakeId: number } };
const MISTAKE_KINDS: ReadonlySet<string> = new Set(['card', 'reply', 'dm', 'escalation', 'escalation_update']);
const showsMistake = (d: ReadableDelivery): d is MistakeDelivery => MISTAKE_KINDS.has(d.request.kind) && 'mistakeId' in d.request;

/** What a pass read for one key (a mistake, a card's earlier mistakes, an event), and when. */
interface PassRead<V> {
  at: number;
  value: Promise<V>;
}

/**
 * One read shared by several deliveries, kept in `map` for each of `keys` (`missing` for a key it
 * did not find). A failure is each delivery's to handle, never unhandled, and its keys are
 * forgotten, so the next delivery reads again rather than failing the same way.
 */
function spread<K, V>(map: Map<K, PassRead<V>>, keys: K[], read: Promise<Map<K, V>>, missing: V, at: number): void {
  read.catch(() => undefined);
  for (const key of keys) {
    const entry: PassRead<V> = { at, value: read.then((found) => found.get(key) ?? missing) };
    entry.value.catch(() => {
      if (map.get(key) === entry) map.delete(key);
    });
    map.set(key, entry);
  }
}

/**
 * The reads a pass's deliveries share: the first that needs its mistake (its card's earlier
 * mistakes, its event) reads those of every delivery of the pass not yet rendered, in one
 * statement each. Under load a pass holds the card, the thread reply and the DMs of several
 * changes, which each read their mistake on their own before.
 */
class PassReads implements RenderPass {
  private readonly left = new Map<number, MistakeDelivery>();
  private readonly mistakes = new Map<number, PassRead<MistakeView | null>>();
  private readonly earlierOf = new Map<number, PassRead<EarlierMistakeView[]>>();
  private readonly eventsById = new Map<number, PassRead<TimelineEvent | null>>();

  constructor(
    private readonly queries: MistakeQueries,
    deliveries: ReadableDelivery[],
    private readonly now: () => number,
  ) {
    for (const d of deliveries) if (showsMistake(d)) this.left.set(d.id, d);
  }

  private others(teamId: string): MistakeDelivery[] {
    return [...this.left.values()].filter((d) => d.teamId === teamId);
  }

  rendered(delivery: OutboxDelivery): void {
    this.left.delete(delivery.id);
  }

  changed(delivery: OutboxDelivery): void {
    if (delivery.mistakeId !== null) this.mistakes.delete(delivery.mistakeId);
  }

  mistake(teamId: string, mistakeId: number): Promise<MistakeView | null> {
    const at = this.now();
    const fresh = (id: number) => {
      const hit = this.mistakes.get(id);
      return hit !== undefined && at - hit.at < PASS_READ_FRESH_MS;
    };
    if (!fresh(mistakeId)) {
      const ids = [...new Set([mistakeId, ...this.others(teamId).map((d) => d.request.mistakeId)])].filter((id) => id === mistakeId || !fresh(id));
      spread(this.mistakes, ids, this.queries.getMany(teamId, ids), null, at);
    }
    return this.mistakes.get(mistakeId)!.value;
  }

  async earlier(teamId: string, view: MistakeView): Promise<EarlierMistakeView[]> {
    if (!this.earlierOf.has(view.id)) {
      const cards = this.others(teamId).filter((d) => d.request.kind === 'card' && !this.earlierOf.has(d.request.mistakeId));
      const views = (await Promise.all(cards.map((d) => this.mistake(teamId, d.request.mistakeId).catch(() => null)))).filter(
        (v): v is MistakeView => v !== null && v.id !== view.id && !this.earlierOf.has(v.id),
      );
      if (!this.earlierOf.has(view.id)) {
        const all = [view, ...views];
        spread(
          this.earlierOf,
          all.map((v) => v.id),
          this.queries.earlierMany(teamId, all),
          [],
          this.now(),
        );
      }
    }
    return this.earlierOf.get(view.id)!.value;
  }

  event(eventId: number): Promise<TimelineEvent | null> {
    if (!this.eventsById.has(eventId)) {
      const ids = [
        ...new Set([
          eventId,
          ...[...this.left.values()].flatMap((d) => ('eventId' in d.request ? [d.request.eventId] : [])).filter((id) => !this.eventsById.has(id)),
        ]),
      ];
      spread(this.eventsById, ids, this.queries.events(ids), null, this.now());
    }
    return this.eventsById.get(eventId)!.value;
  }
}

/** Posts never unfurl: a customer's link in a report must not expand into the channel. */
const NO_UNFURL = { unfurl_links: false, unfurl_media: false };

/**
 * Turns a stored delivery into the Web API call that shows it, from the data as it is now: a card
 * queued three times while Slack was down is posted once, showing its latest state.
 */
export class SlackRenderer implements DeliveryRenderer {
  private readonly workspaceUrls = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly queries: MistakeQueries,
    private readonly sent: SentMessages,
    private readonly outbox: Outbox,
    private readonly settings: SettingsService,
    private readonly reminders: ReminderService,
    private readonly clock: Clock,
    private readonly clients: SlackClients,
  ) {}

  /** The workspace's web address, for thread links (auth.test needs no extra scope). */
  private url(teamId: string): Promise<string | undefined> {
    let url = this.workspaceUrls.get(teamId);
    if (!url) {
      url = this.clients
        .forTeam(teamId)
        .then((client) => client?.auth.test())
        .then((r) => {
          if (!r?.url) this.workspaceUrls.delete(teamId);
          return r?.url;
        })
        .catch(() => {
          this.workspaceUrls.delete(teamId);
          return undefined;
        });
      this.workspaceUrls.set(teamId, url);
    }
    return url;
  }

  startPass(deliveries: ReadableDelivery[]): RenderPass {
    return new PassReads(this.queries, deliveries, () => this.clock.now().getTime());
  }

  async render(delivery: ReadableDelivery, pass?: RenderPass): Promise<Rendered> {
    const reads = pass instanceof PassReads ? pass : null;
    try {
      return await this.renderWith(delivery, reads);
    } finally {
      reads?.rendered(delivery);
    }
  }

  private async renderWith(delivery: ReadableDelivery, reads: PassReads | null): Promise<Rendered> {
    const { request, teamId } = delivery;
    const policy = await this.settings.forTeam(teamId);
    const ctx = { now: this.clock.now(), timeZone: policy.timezone };

    switch (request.kind) {
      case 'home': {
        const data = await this.queries.home(teamId, request.userId, ctx.now, HOME_CAPS);
        // Admins get the Settings button.
        const view = homeView(data, { ...ctx, workspaceUrl: await this.url(teamId) }, { settings: policy.adminUserIds.includes(request.userId) });
        return { call: { method: 'views.publish', args: { user_id: request.userId, view } } };
      }

      case 'reminder': {
        const { userId } = request;
        // Items done since the pass queued this DM are left out; if none is left, nothing is sent.
        const items = await this.reminders.itemsFor(teamId, {
          steps: request.steps,
          prevention: request.prevention,
          contacts: request.contacts ?? [],
        });
        if (items.length === 0) return { skip: 'everything in this reminder was done before it was sent' };
        const { text, blocks, live } = renderReminder(userId, items, { ...ctx, workspaceUrl: await this.url(teamId) });
        const shown: DirectMessagePayload = {
          kind: 'reminder',
          userId,
          steps: items.filter((i) => i.kind === 'step').map((i) => i.stepId!),
          prevention: items.filter((i) => i.kind === 'prevention').map((i) => i.preventionId!),
          contacts: items.filter((i) => i.kind === 'contact').map((i) => i.contactId!),
        };
        return {
          call: { method: 'chat.postMessage', args: { channel: userId, text, blocks, ...NO_UNFURL } },
          onSent: (result) => this.remember(teamId, userId, result, shown, live, items),
        };
      }

      case 'dm_update':
        return this.renderDmUpdate(teamId, request.channel, request.ts, ctx);

      case 'digest': {
        const data = await this.queries.digest(teamId, request.since, ctx.now);
        const { text, blocks } = renderDigest(data, {
          timeZone: ctx.timeZone,
          workspaceUrl: await this.url(teamId),
          ...(request.late ? { late: { slot: request.slotAt } } : {}),
          ...(request.extraOf !== undefined ? { extra: { firstPostedAt: request.extraOf } } : {}),
          ...(request.first === true ? { first: true } : {}),
        });
        return { call: { method: 'chat.postMessage', args: { channel: request.channel, text, blocks, ...NO_UNFURL } } };
      }

      case 'webhook':
        // Sent by the webhook worker, never to Slack.
        return { skip: 'a webhook is not a Slack post' };
      case 'insights': {
        const [weeks, stats] = await Promise.all([
          this.queries.weekly(teamId, request.slotAt),
          this.queries.stats(teamId, DEFAULT_STATS_WINDOW, request.slotAt, { byOwner: false }),
        ]);
        const client = await this.clients.forTeam(teamId);
        if (!client) return { defer: 'the app is not installed in this workspace now' };
        // Vega and resvg are loaded the first time a chart is drawn, not at start: most of the
        // week the bot never needs them, and they would count against its memory all the time.
        const { chartPng } = await import('../slack/views/insightsChart');
        const png = await chartPng(weeks, ctx.timeZone);
        const day = slotDay(request.slot);
        const title = `Insights: the 12 weeks to ${day}`;
        // Uploaded, then finished unshared: the post below shows it in an image block. Only that
        // post goes through the outbox's exactly-once posting (a retry uploads the chart again,
        // which shows nowhere).
        const fileId = await uploadFile(client, png, `insights-${day}.png`);
        await client.files.completeUploadExternal({ files: [{ id: fileId, title }] });
        const { text, blocks } = insightsPost(weeks, stats, { timeZone: ctx.timeZone, fileId, title });
        return { call: { method: 'chat.postMessage', args: { channel: request.channel, text, blocks, ...NO_UNFURL } } };
      }

      case 'export': {
        // Written to a temporary file as it is read (batches, streamed CSV), then streamed up.
        const client = await this.clients.forTeam(teamId);
        if (!client) return { defer: 'the app is not installed in this workspace now' };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistake-export-'));
        const file = path.join(dir, 'export.csv');
        try {
          const window = parseExportWindow(request.window) ?? '90d';
          const rows = await writeExportCsv(
            this.queries.database,
            teamId,
            { window, now: request.requestedAt, ...(request.admin ? {} : { who: request.userId }) },
            fs.createWriteStream(file),
          );
          const day = request.requestedAt.toISOString().slice(0, 10);
          const fileId = await uploadFile(client, { path: file }, `mistakes-${window}-${day}.csv`);
          const dm = await client.conversations.open({ users: request.userId });
          const scope = request.admin ? "the team's mistakes" : 'the mistakes you reported or own';
          const span = window === 'all' ? 'all time' : `the last ${window.replace('d', ' days')}`;
          return {
            call: {
              method: 'files.completeUploadExternal',
              args: {
                // The title names the request down to the minute: after a share whose answer never
                // came, the worker finds it in the DM by this title and does not share it again.
                files: [{ id: fileId, title: `Mistakes, ${span} (${request.requestedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC)` }],
                channel_id: dm.channel?.id ?? request.userId,
                initial_comment:
                  rows === 0
                    ? `${request.admin ? `No mistakes were reported ${window === 'all' ? 'yet' : `in ${span}`}` : `You reported or own no mistakes ${window === 'all' ? 'yet' : `from ${span}`}`}: the file has only the column names.`
                    : `Your export: ${rows} ${rows === 1 ? 'row' : 'rows'}, one per mistake (${scope}, ${span}). Text starting with = + - or @ is prefixed with ' so spreadsheets never run it as a formula.`,
              },
            },
          };
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }

      case 'message':
        return {
          call: {
            method: 'chat.postMessage',
            args: { channel: request.channel, text: request.text, blocks: request.blocks, ...NO_UNFURL },
          },
        };
    }

    // The card and the reporter's confirmation say when the customer was hurt before.
    const found = reads ? await reads.mistake(teamId, request.mistakeId) : await this.queries.get(teamId, request.mistakeId);
    if (!found) return { skip: 'the mistake no longer exists' };
    const earlier = (view: MistakeView) => (reads ? reads.earlier(teamId, view) : this.queries.earlier(teamId, view));
    // The card says when the customer was hurt before (and the reporter's confirmation, below).
    // A copy: what a pass read is shared by its other deliveries.
    const mistake = request.kind === 'card' ? { ...found, earlier: await earlier(found) } : { ...found };

    if (request.kind === 'card') {
      const { text, blocks } = renderCard(mistake, { ...ctx, workspaceUrl: await this.url(teamId) });
      if (mistake.threadTs) {
        return { call: { method: 'chat.update', args: { channel: mistake.channelId, ts: mistake.threadTs, text, blocks } } };
      }
      return {
        call: { method: 'chat.postMessage', args: { channel: mistake.channelId, text, blocks, ...NO_UNFURL } },
        onSent: (result) => this.sent.cardPosted(mistake.id, result.channel ?? mistake.channelId, result.ts ?? null),
      };
    }

    // Everything below points at the thread, which exists once the card is posted.
    if (!mistake.threadTs) return { defer: 'waiting for the card to be posted' };
    const link = threadUrl(await this.url(teamId), mistake.channelId, mistake.threadTs);

    if (request.kind === 'escalation' || request.kind === 'escalation_update') {
      const escalation = await this.queries.escalation(request.escalationId);
      if (!escalation) return { skip: 'the escalation no longer exists' };
      // A routed category escalates in its own channel, to its own contact.
      const route = routeFor(policy, mistake.category);
      const { text, blocks } = renderEscalation(mistake, escalation.view, {
        ...ctx,
        contact: route.contact,
        adminUserIds: policy.adminUserIds,
        threadUrl: link,
        resolvedBy: escalation.resolvedBy,
      });
      if (request.kind === 'escalation_update') {
        // Its post is edited where it landed; until it has landed there is nothing to edit (the
        // post itself is rendered from current data, so it says "resolved" if it already is).
        if (!escalation.channelId || !escalation.messageTs) return { defer: 'waiting for the escalation to be posted' };
        return { call: { method: 'chat.update', args: { channel: escalation.channelId, ts: escalation.messageTs, text, blocks } } };
      }
      const channel = route.channelId || mistake.channelId;
      return {
        call: { method: 'chat.postMessage', args: { channel, text, blocks, ...NO_UNFURL } },
        onSent: (result) => this.sent.escalationPosted(escalation.id, result.channel ?? channel, result.ts ?? null),
      };
    }

    // A reply or a DM about one timeline event: one that cannot be read was logged, and is skipped.
    const event = reads ? await reads.event(request.eventId) : await this.queries.event(request.eventId);
    if (!event) return { skip: 'the timeline event no longer exists or could not be read' };

    if (request.kind === 'reply') {
      const { text, blocks } = renderTimelineReply(event, mistake, ctx);
      return {
        call: {
          method: 'chat.postMessage',
          args: { channel: mistake.channelId, thread_ts: mistake.threadTs, text, blocks, ...NO_UNFURL },
        },
      };
    }

    const { userId } = request;
    if (event.kind === 'reported' && userId === mistake.reporterId) mistake.earlier = await earlier(mistake);
    const { text, blocks, offered, live } = renderOwnerDm(event, mistake, {
      ...ctx,
      threadUrl: link,
      workspaceUrl: await this.url(teamId),
      recipientId: userId,
    });
    const sent: DirectMessagePayload = { kind: 'dm', mistakeId: mistake.id, eventId: event.id, userId, offered };
    // Posting to a user id lands in the app's DM with them (the Messages tab).
    return {
      call: { method: 'chat.postMessage', args: { channel: userId, text, blocks, ...NO_UNFURL } },
      onSent: (result) =>
        this.remember(teamId, userId, result, sent, live ? [mistake.id] : [], [{ mistakeId: mistake.id, mistakeVersion: mistake.version }]),
    };
  }

  /**
   * Records a DM that went out with live buttons, so a change to its mistakes edits it. A change
   * committed while it was on its way found no record to edit: if one of its mistakes moved on
   * since it was rendered, it is edited now.
   */
  private async remember(
    teamId: string,
    userId: string,
    result: SlackResult,
    payload: DirectMessagePayload,
    live: number[],
    rendered: Array<{ mistakeId: number; mistakeVersion: number }>,
  ): Promise<void> {
    if (live.length === 0 || !result.channel || !result.ts) return;
    await this.sent.recordDirectMessage({ teamId, userId, channelId: result.channel, ts: result.ts, payload, mistakeIds: live });
    const moved = await this.sent.movedSince(
      rendered.filter((r) => live.includes(r.mistakeId)).map((r) => ({ mistakeId: r.mistakeId, version: r.mistakeVersion })),
    );
    if (moved) await this.outbox.queue(teamId, [{ kind: 'dm_update', channel: result.channel, ts: result.ts }], this.clock.now());
  }

  /** A DM with buttons, rendered again from current data and edited in place. */
  private async renderDmUpdate(teamId: string, channel: string, ts: string, ctx: { now: Date; timeZone: string }): Promise<Rendered> {
    const dm = await this.sent.directMessageAt(channel, ts);
    if (!dm) return { skip: 'no record of that direct message, or it could not be read' };
    const settle = (live: number[]) => async () => this.sent.settleDirectMessage(channel, ts, live, this.clock.now());
    if (dm.payload.kind === 'reminder') {
      const { steps, prevention, contacts } = dm.payload;
      const items = await this.reminders.itemsFor(teamId, { steps, prevention, contacts: contacts ?? [] }, { recipientId: dm.userId, now: ctx.now });
      if (items.length === 0) return { skip: 'the reminder’s items no longer exist' };
      const { text, blocks, live } = renderReminder(dm.userId, items, { ...ctx, workspaceUrl: await this.url(teamId) });
      return { call: { method: 'chat.update', args: { channel, ts, text, blocks } }, onSent: settle(live) };
    }
    const [mistake, event] = await Promise.all([this.queries.get(teamId, dm.payload.mistakeId), this.queries.event(dm.payload.eventId)]);
    if (!mistake || !event || !mistake.threadTs) return { skip: 'the mistake or its event no longer exists' };
    const link = threadUrl(await this.url(teamId), mistake.channelId, mistake.threadTs);
    const { text, blocks, live } = renderOwnerDm(event, mistake, {
      ...ctx,
      threadUrl: link,
      recipientId: dm.payload.userId,
      offered: dm.payload.offered,
    });
    return { call: { method: 'chat.update', args: { channel, ts, text, blocks } }, onSent: settle(live ? [mistake.id] : []) };
  }

  /**
   * The most common first-day problem: the bot is not in the escalation channel (or the channel
   * id is wrong). The report is safe in the database; its reporter hears why the card did not
   * appear and what to do, once per mistake.
   */
  async failedForGood(delivery: OutboxDelivery, error: string): Promise<void> {
    if (delivery.kind !== 'card' || delivery.mistakeId === null) return;
    const mistake = await this.queries.get(delivery.teamId, delivery.mistakeId);
    if (!mistake) return;
    const why: Record<string, string> = {
      not_in_channel: `I'm not a member of <#${mistake.channelId}>. Invite me there (\`/invite @Mistake Recovery\`) and the card will be posted`,
      channel_not_found: `I can't find the escalation channel (${mistake.channelId}). Ask whoever runs this bot to check ESCALATION_CHANNEL_ID`,
      is_archived: `The escalation channel <#${mistake.channelId}> is archived. Ask whoever runs this bot to point ESCALATION_CHANNEL_ID at a live channel`,
    };
    const text =
      `Your report about *${userText(mistake.customer, 100)}* is saved (mistake #${mistake.id}), but its card could not be posted: ` +
      `${why[error] ?? `Slack answered "${error}"`}. Nothing is lost; once that is fixed, run \`npm run job -- deliveries\` or wait for the next retry.`;
    await this.outbox.queue(
      delivery.teamId,
      [{ kind: 'message', key: `card-failed:${mistake.id}`, channel: mistake.reporterId, text }],
      this.clock.now(),
    );
  }

  async forgetCard(delivery: OutboxDelivery): Promise<void> {
    if (delivery.kind !== 'card' || delivery.mistakeId === null) return;
    // The card's message was deleted in Slack: the next attempt posts a fresh one.
    await this.sent.cardGone(delivery.mistakeId);
  }
}
