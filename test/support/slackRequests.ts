import crypto from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret';

/** Signs a body exactly as Slack does: v0:timestamp:body, HMAC-SHA256 with the signing secret. */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackPost {
  body: string;
  contentType: string;
}

export function form(fields: Record<string, string>): SlackPost {
  return { body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** Interactivity payloads arrive as a form with one field, `payload`, holding JSON. */
export function interaction(payload: unknown): SlackPost {
  return form({ payload: JSON.stringify(payload) });
}

export function eventCallback(event: Record<string, unknown>, teamId = 'T_ACME'): SlackPost {
  return {
    body: JSON.stringify({
      token: 'x',
      team_id: teamId,
      api_app_id: 'A1',
      type: 'event_callback',
      event,
      event_id: `Ev${Date.now()}`,
      event_time: Math.floor(Date.now() / 1000),
    }),
    contentType: 'application/json',
  };
}

export interface PostOptions {
  secret?: string;
  /** null sends no timestamp header at all. */
  timestamp?: number | null;
  signature?: string | null;
  /** Signs this timestamp instead of the one in the header (a replayed signature). */
  signedTimestamp?: number;
  /** Gives up waiting for the answer (a request the app never answers). */
  signal?: AbortSignal;
}

/** Posts to the bot's /slack/events as Slack would; returns status and body. */
export async function postToSlackEndpoint(
  baseUrl: string,
  post: SlackPost,
  options: PostOptions = {},
): Promise<{ status: number; text: string; json: any }> {
  const timestamp = options.timestamp === null ? null : (options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': post.contentType };
  if (timestamp !== null) headers['x-slack-request-timestamp'] = String(timestamp);
  const signedAt = options.signedTimestamp ?? timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature === undefined ? sign(post.body, signedAt, options.secret) : options.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  const response = await fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body: post.body, signal: options.signal });
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

export function slashCommand(text: string, who: { userId?: string; teamId?: string; channelId?: string } = {}): SlackPost {
  return form({
    token: 'x',
    team_id: who.teamId ?? 'T_ACME',
    team_domain: 'acme',
    channel_id: who.channelId ?? 'C_GENERAL',
    channel_name: 'general',
    user_id: who.userId ?? 'UALICE',
    user_name: 'alice',
    command: '/mistake',
    text,
    api_app_id: 'A1',
    response_url: 'https://hooks.slack.invalid/commands/1',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
  });
}

export interface ClickOptions {
  userId?: string;
  teamId?: string;
  /** The card's channel and ts; omitted for App Home. */
  channelId?: string;
  messageTs?: string;
}

export function buttonClick(actionId: string, value: string, who: ClickOptions = {}): SlackPost {
  const teamId = who.teamId ?? 'T_ACME';
  const userId = who.userId ?? 'UALICE';
  const inMessage = who.channelId !== undefined;
  return interaction({
    type: 'block_actions',
    team: { id: teamId, domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), team_id: teamId },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    container: inMessage
      ? { type: 'message', message_ts: who.messageTs ?? '1.0', channel_id: who.channelId, is_ephemeral: false }
      : { type: 'view', view_id: 'V_HOME' },
    ...(inMessage ? { channel: { id: who.channelId, name: 'mistakes' }, message: { ts: who.messageTs ?? '1.0', text: '' } } : {}),
    response_url: inMessage ? 'https://hooks.slack.invalid/actions/1' : undefined,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(Date.now() / 1000) }],
  });
}

/**
 * A modal submission built from the modal the bot opened: every input block gets the value the
 * test gives it (by block id), shaped like Slack's state for that element type.
 */
export function viewSubmission(
  view: any,
  values: Record<string, string | undefined>,
  who: { userId?: string; teamId?: string; viewId?: string } = {},
): SlackPost {
  const teamId = who.teamId ?? 'T_ACME';
  const userId = who.userId ?? 'UALICE';
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks ?? []) {
    if (block.type !== 'input') continue;
    const element = block.element;
    const value = values[block.block_id];
    const actionId = element.action_id;
    let entry: Record<string, unknown>;
    switch (element.type) {
      case 'static_select': {
        const chosen = value ?? element.initial_option?.value;
        entry = { type: element.type, selected_option: chosen ? { value: chosen, text: { type: 'plain_text', text: chosen } } : null };
        break;
      }
      case 'users_select':
        entry = { type: element.type, selected_user: value ?? element.initial_user ?? null };
        break;
      case 'conversations_select':
        entry = { type: element.type, selected_conversation: value ?? element.initial_conversation ?? null };
        break;
      case 'multi_users_select':
        entry = { type: element.type, selected_users: value !== undefined ? value.split(',').filter(Boolean) : (element.initial_users ?? []) };
        break;
      case 'datepicker':
        entry = { type: element.type, selected_date: value ?? element.initial_date ?? null };
        break;
      default:
        entry = { type: element.type, value: value ?? element.initial_value ?? null };
    }
    state[block.block_id] = { [actionId]: entry };
  }
  return interaction({
    type: 'view_submission',
    team: { id: teamId, domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), team_id: teamId },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      id: who.viewId ?? `V_${Math.random().toString(36).slice(2)}`,
      team_id: teamId,
      type: 'modal',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata ?? '',
      hash: 'h',
      blocks: view.blocks,
      state: { values: state },
    },
  });
}
