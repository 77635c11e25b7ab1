import type { webApi } from '@slack/bolt';
import type { Db } from '../db/client';
import type { Delivery } from '../generated/prisma/client';
import type { Clock } from '../services/clock';
import { loadDigest } from '../services/digest';
import type { MistakeQueries } from '../services/queries';
import type { ReminderService } from '../services/reminders';
import type { SettingsService } from '../services/settings';
import { renderCard } from '../slack/views/card';
import { HOME_CAPS, homeView } from '../slack/views/home';
import { renderEscalation, renderOwnerDm, renderTimelineReply } from '../slack/views/replies';
import { threadUrl, userText } from '../slack/views/text';
import { enqueue } from '../services/outbox';
import { renderDigest } from '../slack/views/digest';
import { renderReminder } from '../slack/views/reminders';
import type { DeliveryRenderer, Rendered, SlackResult } from './deliveries';
import {
  type DirectMessagePayload,
  directMessageAt,
  recordDirectMessage,
  settleDirectMessage,
} from '../services/directMessages';

/** Posts never unfurl: a customer's link in a report must not expand into the channel. */
const NO_UNFURL = { unfurl_links: false, unfurl_media: false };

/**
 * Turns a stored delivery into the Web API call that shows it, from the data as it is now: a card
 * queued three times while Slack was down is posted once, showing its latest state.
 */
export class SlackRenderer implements DeliveryRenderer {
  private workspaceUrl: Promise<string | undefined> | null = null;

  constructor(
    private readonly db: Db,
    private readonly queries: MistakeQueries,
    private readonly settings: SettingsService,
    private readonly reminders: ReminderService,
    private readonly clock: Clock,
    private readonly client: webApi.WebClient,
  ) {}

  /** The workspace's web address, for thread links (auth.test needs no extra scope). */
  private url(): Promise<string | undefined> {
    if (!this.workspaceUrl) {
      this.workspaceUrl = this.client.auth
        .test()
        .then((r) => r.url)
        .catch(() => {
          this.workspaceUrl = null;
          return undefined;
        });
    }
    return this.workspaceUrl;
  }

  async render(delivery: Delivery): Promise<Rendered> {
    const payload = JSON.parse(delivery.payload) as Record<string, unknown>;
    const teamId = delivery.teamId;
    const policy = await this.settings.forTeam(teamId);
    const ctx = { now: this.clock.now(), timeZone: policy.timezone };

    if (delivery.kind === 'home') {
      const userId = String(payload.userId);
      const data = await this.queries.home(teamId, userId, ctx.now, HOME_CAPS);
      const view = homeView(data, { ...ctx, workspaceUrl: await this.url() });
      return { call: { method: 'views.publish', args: { user_id: userId, view } } };
    }

    if (delivery.kind === 'reminder') {
      const userId = String(payload.userId);
      // Items done since the pass queued this DM are left out; if none is left, nothing is sent.
      const items = await this.reminders.itemsFor(teamId, payload.steps as number[], payload.prevention as number[]);
      if (items.length === 0) return { skip: 'everything in this reminder was done before it was sent' };
      const { text, blocks, live } = renderReminder(userId, items, { ...ctx, workspaceUrl: await this.url() });
      const shown: DirectMessagePayload = {
        kind: 'reminder',
        userId,
        steps: items.filter((i) => i.kind === 'step').map((i) => i.stepId!),
        prevention: items.filter((i) => i.kind === 'prevention').map((i) => i.preventionId!),
      };
      return {
        call: { method: 'chat.postMessage', args: { channel: userId, text, blocks, ...NO_UNFURL } },
        onSent: (result) => this.remember(teamId, userId, result, shown, live, items),
      };
    }

    if (delivery.kind === 'dm_update') {
      return this.renderDmUpdate(teamId, String(payload.channel), String(payload.ts), ctx);
    }

    if (delivery.kind === 'digest') {
      const data = await loadDigest(this.db, teamId, new Date(String(payload.since)), ctx.now);
      const { text, blocks } = renderDigest(data, {
        timeZone: ctx.timeZone,
        workspaceUrl: await this.url(),
        ...(payload.late ? { late: { slot: new Date(String(payload.slotAt)) } } : {}),
        ...('extraOf' in payload ? { extra: { firstPostedAt: payload.extraOf ? new Date(String(payload.extraOf)) : null } } : {}),
        ...(payload.first === true ? { first: true } : {}),
      });
      return { call: { method: 'chat.postMessage', args: { channel: payload.channel, text, blocks, ...NO_UNFURL } } };
    }

    if (delivery.kind === 'message') {
      return {
        call: {
          method: 'chat.postMessage',
          args: { channel: payload.channel, text: payload.text, blocks: payload.blocks, ...NO_UNFURL },
        },
      };
    }

    const mistake = await this.queries.get(teamId, Number(payload.mistakeId));
    if (!mistake) return { skip: 'the mistake no longer exists' };

    if (delivery.kind === 'card') {
      const { text, blocks } = renderCard(mistake, ctx);
      if (mistake.threadTs) {
        return { call: { method: 'chat.update', args: { channel: mistake.channelId, ts: mistake.threadTs, text, blocks } } };
      }
      return {
        call: { method: 'chat.postMessage', args: { channel: mistake.channelId, text, blocks, ...NO_UNFURL } },
        onSent: async (result) => {
          await this.db.mistake.updateMany({
            where: { id: mistake.id, threadTs: null },
            data: { threadTs: result.ts ?? null, channelId: result.channel ?? mistake.channelId },
          });
        },
      };
    }

    // Everything below points at the thread, which exists once the card is posted.
    if (!mistake.threadTs) return { defer: 'waiting for the card to be posted' };
    const link = threadUrl(await this.url(), mistake.channelId, mistake.threadTs);

    if (delivery.kind === 'escalation' || delivery.kind === 'escalation_update') {
      const escalation = await this.db.escalation.findUnique({ where: { id: Number(payload.escalationId) } });
      if (!escalation) return { skip: 'the escalation no longer exists' };
      const resolvedBy =
        escalation.resolvedEventId !== null ? await this.db.timelineEvent.findUnique({ where: { id: escalation.resolvedEventId } }) : null;
      const { text, blocks } = renderEscalation(mistake, escalation, {
        ...ctx,
        contact: policy.escalationContact,
        adminUserIds: policy.adminUserIds,
        threadUrl: link,
        resolvedBy,
      });
      if (delivery.kind === 'escalation_update') {
        // Its post is edited where it landed; until it has landed there is nothing to edit (the
        // post itself is rendered from current data, so it says "resolved" if it already is).
        if (!escalation.channelId || !escalation.messageTs) return { defer: 'waiting for the escalation to be posted' };
        return { call: { method: 'chat.update', args: { channel: escalation.channelId, ts: escalation.messageTs, text, blocks } } };
      }
      const channel = policy.escalationChannelId || mistake.channelId;
      return {
        call: { method: 'chat.postMessage', args: { channel, text, blocks, ...NO_UNFURL } },
        onSent: async (result) => {
          await this.db.escalation.updateMany({
            where: { id: escalation.id },
            data: { channelId: result.channel ?? channel, messageTs: result.ts ?? null },
          });
        },
      };
    }

    const event = await this.db.timelineEvent.findUnique({ where: { id: Number(payload.eventId) } });
    if (!event) return { skip: 'the timeline event no longer exists' };

    if (delivery.kind === 'reply') {
      const { text, blocks } = renderTimelineReply(event, mistake, ctx);
      return {
        call: {
          method: 'chat.postMessage',
          args: { channel: mistake.channelId, thread_ts: mistake.threadTs, text, blocks, ...NO_UNFURL },
        },
      };
    }

    if (delivery.kind === 'dm') {
      const userId = String(payload.userId);
      const { text, blocks, offered, live } = renderOwnerDm(event, mistake, { ...ctx, threadUrl: link, recipientId: userId });
      const sent: DirectMessagePayload = { kind: 'dm', mistakeId: mistake.id, eventId: event.id, userId, offered };
      // Posting to a user id lands in the app's DM with them (the Messages tab).
      return {
        call: { method: 'chat.postMessage', args: { channel: userId, text, blocks, ...NO_UNFURL } },
        onSent: (result) =>
          this.remember(teamId, userId, result, sent, live ? [mistake.id] : [], [{ mistakeId: mistake.id, mistakeVersion: mistake.version }]),
      };
    }

    return { skip: `unknown delivery kind ${delivery.kind}` };
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
    await recordDirectMessage(this.db, { teamId, userId, channelId: result.channel, ts: result.ts, payload, mistakeIds: live });
    const versions = await this.db.mistake.findMany({ where: { id: { in: live } }, select: { id: true, version: true } });
    const moved = versions.some((v) => rendered.some((r) => r.mistakeId === v.id && r.mistakeVersion !== v.version));
    if (moved) {
      const now = this.clock.now();
      await this.db.$transaction((tx) => enqueue(tx, teamId, [{ kind: 'dm_update', channel: result.channel!, ts: result.ts! }], now));
    }
  }

  /** A DM with buttons, rendered again from current data and edited in place. */
  private async renderDmUpdate(teamId: string, channel: string, ts: string, ctx: { now: Date; timeZone: string }): Promise<Rendered> {
    const dm = await directMessageAt(this.db, channel, ts);
    if (!dm) return { skip: 'no record of that direct message' };
    const settle = (live: number[]) => async () => settleDirectMessage(this.db, channel, ts, live, this.clock.now());
    if (dm.payload.kind === 'reminder') {
      const items = await this.reminders.itemsFor(teamId, dm.payload.steps, dm.payload.prevention, { recipientId: dm.userId });
      if (items.length === 0) return { skip: 'the reminder’s items no longer exist' };
      const { text, blocks, live } = renderReminder(dm.userId, items, { ...ctx, workspaceUrl: await this.url() });
      return { call: { method: 'chat.update', args: { channel, ts, text, blocks } }, onSent: settle(live) };
    }
    const [mistake, event] = await Promise.all([
      this.queries.get(teamId, dm.payload.mistakeId),
      this.db.timelineEvent.findUnique({ where: { id: dm.payload.eventId } }),
    ]);
    if (!mistake || !event || !mistake.threadTs) return { skip: 'the mistake or its event no longer exists' };
    const link = threadUrl(await this.url(), mistake.channelId, mistake.threadTs);
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
  async failedForGood(delivery: Delivery, error: string): Promise<void> {
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
    await this.db.$transaction((tx) =>
      enqueue(tx, delivery.teamId, [{ kind: 'message', key: `card-failed:${mistake.id}`, channel: mistake.reporterId, text }], this.clock.now()),
    );
  }

  async forgetCard(delivery: Delivery): Promise<void> {
    if (delivery.kind !== 'card' || delivery.mistakeId === null) return;
    // The card's message was deleted in Slack: the next attempt posts a fresh one.
    await this.db.mistake.updateMany({ where: { id: delivery.mistakeId }, data: { threadTs: null } });
  }
}
