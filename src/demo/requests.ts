// What Slack sends an app, built the way Slack builds it: slash commands as signed forms,
// interactions as a signed form with one `payload` field of JSON, events as signed JSON. The demo
// sends everything a person does through these, so the bot answers exactly as it would in Slack.
import crypto from 'node:crypto';

export interface SlackPost {
  body: string;
  contentType: string;
}

export interface Team {
  id: string;
  domain: string;
}

/** Signs a body exactly as Slack does: v0:timestamp:body, HMAC-SHA256 with the signing secret. */
export function sign(body: string, timestamp: number, secret: string): string {
  return `v0=${crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

const form = (fields: Record<string, string>): SlackPost => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
});

const interaction = (payload: unknown): SlackPost => form({ payload: JSON.stringify(payload) });

export const newTriggerId = (): string => `${Date.now()}.${crypto.randomInt(1e9)}.${crypto.randomBytes(8).toString('hex')}`;

const userOf = (team: Team, userId: string, name: string) => ({ id: userId, username: name, name, team_id: team.id });

export function slashCommand(
  team: Team,
  who: { userId: string; userName: string },
  where: { channelId: string; channelName: string },
  command: string,
  text: string,
  triggerId: string,
  responseUrl: string,
): SlackPost {
  return form({
    token: 'demo',
    team_id: team.id,
    team_domain: team.domain,
    channel_id: where.channelId,
    channel_name: where.channelName,
    user_id: who.userId,
    user_name: who.userName,
    command,
    text,
    api_app_id: 'ADEMO00001',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: triggerId,
  });
}

/** What the person acted on: a message (with its channel), App Home, or a modal. */
export type ActionContainer =
  | {
      type: 'message';
      channelId: string;
      channelName: string;
      messageTs: string;
      threadTs?: string;
      text: string;
      blocks?: unknown[];
      ephemeral?: boolean;
    }
  | { type: 'view'; view: Record<string, any>; viewId: string; hash: string; state?: Record<string, unknown> };

/** One element's action as Slack reports it (a button's value, a menu's chosen option, a date). */
export interface ElementAction {
  type: string;
  action_id: string;
  block_id: string;
  value?: string;
  selected_option?: { text: { type: 'plain_text'; text: string }; value: string };
  selected_user?: string;
  selected_date?: string;
}

export function blockActions(
  team: Team,
  who: { userId: string; userName: string },
  container: ActionContainer,
  action: ElementAction,
  triggerId: string,
  responseUrl: string,
): SlackPost {
  const actionTs = (Date.now() / 1000).toFixed(6);
  const common = {
    type: 'block_actions',
    team,
    user: userOf(team, who.userId, who.userName),
    api_app_id: 'ADEMO00001',
    token: 'demo',
    trigger_id: triggerId,
    is_enterprise_install: false,
    enterprise: null,
    actions: [{ ...action, action_ts: actionTs }],
  };
  if (container.type === 'message') {
    return interaction({
      ...common,
      container: {
        type: 'message',
        message_ts: container.messageTs,
        channel_id: container.channelId,
        is_ephemeral: Boolean(container.ephemeral),
        ...(container.threadTs ? { thread_ts: container.threadTs } : {}),
      },
      channel: { id: container.channelId, name: container.channelName },
      message: {
        type: 'message',
        ts: container.messageTs,
        text: container.text,
        ...(container.blocks ? { blocks: container.blocks } : {}),
        ...(container.threadTs ? { thread_ts: container.threadTs } : {}),
      },
      response_url: responseUrl,
      state: { values: {} },
    });
  }
  return interaction({
    ...common,
    container: { type: 'view', view_id: container.viewId },
    view: viewPayload(team, container.view, container.viewId, container.hash, container.state ?? {}),
  });
}

function viewPayload(team: Team, view: Record<string, any>, viewId: string, hash: string, values: Record<string, unknown>) {
  return {
    id: viewId,
    team_id: team.id,
    type: view.type ?? 'modal',
    callback_id: view.callback_id ?? '',
    private_metadata: view.private_metadata ?? '',
    external_id: view.external_id ?? '',
    title: view.title,
    submit: view.submit ?? null,
    close: view.close ?? null,
    blocks: view.blocks ?? [],
    hash,
    state: { values },
    app_id: 'ADEMO00001',
    bot_id: 'BMISTAKEBOT',
    notify_on_close: Boolean(view.notify_on_close),
  };
}

export function viewSubmission(
  team: Team,
  who: { userId: string; userName: string },
  view: Record<string, any>,
  viewId: string,
  hash: string,
  values: Record<string, unknown>,
  triggerId: string,
): SlackPost {
  return interaction({
    type: 'view_submission',
    team,
    user: userOf(team, who.userId, who.userName),
    api_app_id: 'ADEMO00001',
    token: 'demo',
    trigger_id: triggerId,
    is_enterprise_install: false,
    view: viewPayload(team, view, viewId, hash, values),
    response_urls: [],
  });
}

export function viewClosed(
  team: Team,
  who: { userId: string; userName: string },
  view: Record<string, any>,
  viewId: string,
  hash: string,
): SlackPost {
  return interaction({
    type: 'view_closed',
    team,
    user: userOf(team, who.userId, who.userName),
    api_app_id: 'ADEMO00001',
    token: 'demo',
    is_enterprise_install: false,
    view: viewPayload(team, view, viewId, hash, {}),
    is_cleared: false,
  });
}

export function appHomeOpened(team: Team, userId: string, channelId: string, homeViewId?: string): SlackPost {
  const now = Date.now();
  return {
    body: JSON.stringify({
      token: 'demo',
      team_id: team.id,
      api_app_id: 'ADEMO00001',
      type: 'event_callback',
      event_id: `Ev${now.toString(36).toUpperCase()}${crypto.randomBytes(3).toString('hex').toUpperCase()}`,
      event_time: Math.floor(now / 1000),
      event: {
        type: 'app_home_opened',
        user: userId,
        channel: channelId,
        tab: 'home',
        ...(homeViewId ? { view: { id: homeViewId } } : {}),
        event_ts: (now / 1000).toFixed(6),
      },
      authorizations: [{ team_id: team.id, user_id: 'UMISTAKEBOT', is_bot: true }],
    }),
    contentType: 'application/json',
  };
}

/** Sends a request to the bot's /slack/events, signed now, and returns its answer. */
export async function deliverToBot(
  botUrl: string,
  post: SlackPost,
  secret: string,
): Promise<{ status: number; body: Record<string, any> | null; text: string }> {
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${botUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': post.contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(post.body, timestamp, secret),
    },
    body: post.body,
  });
  const text = await response.text();
  let body: Record<string, any> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, any>) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body, text };
}
