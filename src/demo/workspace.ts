// The demo's stand-in for a Slack workspace: the Web API methods the bot calls, answered from
// memory the way Slack answers them, and everything a person would see (channels, threads, DMs,
// ephemeral messages, modals, App Home), kept so the demo page can show it.
//
// It is not a test double: it only records what Slack would hold. It never fails on purpose.
import { isUserId } from '../domain/slackIds';

export interface DemoUser {
  id: string;
  name: string;
  /** What the demo calls them: reporter, owner, bystander, admin. */
  role: string;
  tz: string;
}

export interface DemoChannel {
  id: string;
  name: string;
  /** A DM between the bot and one person. */
  dmWith?: string;
}

export interface DemoMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  /** The bot (B…) or a person (U…). */
  author: string;
  text: string;
  blocks?: unknown[];
  metadata?: unknown;
  edited?: boolean;
  /** Shown only to this person (chat.postEphemeral, or a slash command's answer). */
  visibleTo?: string;
}

export interface DemoView {
  id: string;
  /** The whole view as the bot sent it (modal or home). */
  view: Record<string, any>;
  hash: string;
  /** Field errors from the last submission (response_action: errors). */
  errors?: Record<string, string>;
}

export interface ApiLogEntry {
  at: string;
  method: string;
  ok: boolean;
  summary: string;
}

export const BOT_USER_ID = 'UMISTAKEBOT';
export const BOT_ID = 'BMISTAKEBOT';
const LOG_SIZE = 200;

/** Slack's message timestamps: seconds, then a sequence within the second. */
function tsAt(ms: number, sequence: number): string {
  return `${Math.floor(ms / 1000)}.${String(sequence % 1_000_000).padStart(6, '0')}`;
}

export class DemoWorkspace {
  readonly teamId: string;
  readonly users: DemoUser[];
  readonly channels: DemoChannel[];
  readonly messages: DemoMessage[] = [];
  readonly log: ApiLogEntry[] = [];
  /** Each person's open modals, innermost last. */
  private readonly modals = new Map<string, DemoView[]>();
  private readonly homes = new Map<string, DemoView>();
  /** Who a trigger_id belongs to: Slack opens a modal for the person whose action made it. */
  private readonly triggers = new Map<string, string>();
  private sequence = 0;
  private viewSequence = 0;
  /** Bumped on every change, so the page can tell when to draw again. */
  version = 0;

  constructor(
    options: { teamId: string; domain: string; users: DemoUser[]; channels: DemoChannel[]; baseUrl: () => string },
    private readonly now: () => Date,
  ) {
    this.teamId = options.teamId;
    this.users = options.users;
    this.channels = [...options.channels];
    this.domain = options.domain;
    this.baseUrl = options.baseUrl;
  }

  private readonly domain: string;
  private readonly baseUrl: () => string;

  user(id: string): DemoUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  /** The DM channel between the bot and a person, made on first use as Slack does. */
  dmChannelOf(userId: string): DemoChannel {
    let channel = this.channels.find((c) => c.dmWith === userId);
    if (!channel) {
      channel = { id: `D${userId.slice(1)}`, name: this.user(userId)?.name ?? userId, dmWith: userId };
      this.channels.push(channel);
    }
    return channel;
  }

  /** A channel id or a user id (Slack posts "to a user" in the DM with them). */
  private resolveChannel(channel: string): DemoChannel | undefined {
    if (isUserId(channel) && this.user(channel)) return this.dmChannelOf(channel);
    return this.channels.find((c) => c.id === channel);
  }

  /** Remembers whose action a trigger_id came from (the demo makes one per action). */
  registerTrigger(triggerId: string, userId: string): void {
    this.triggers.set(triggerId, userId);
    if (this.triggers.size > 500) this.triggers.delete(this.triggers.keys().next().value!);
  }

  nextTs(): string {
    this.sequence += 1;
    return tsAt(this.now().getTime(), this.sequence);
  }

  private newViewId(): string {
    this.viewSequence += 1;
    return `VDEMO${String(this.viewSequence).padStart(6, '0')}`;
  }

  modalStack(userId: string): DemoView[] {
    return this.modals.get(userId) ?? [];
  }

  home(userId: string): DemoView | undefined {
    return this.homes.get(userId);
  }

  /** Finds a modal by id, with the person it is open for. */
  findModal(viewId: string): { userId: string; index: number; view: DemoView } | null {
    for (const [userId, stack] of this.modals) {
      const index = stack.findIndex((v) => v.id === viewId);
      if (index >= 0) return { userId, index, view: stack[index]! };
    }
    return null;
  }

  // What a person does in the demo that Slack itself would record (not the bot's API calls).

  /** A message a person types that is not a slash command. */
  postAsPerson(userId: string, channel: string, text: string, threadTs?: string): DemoMessage {
    const message: DemoMessage = { channel, ts: this.nextTs(), author: userId, text, ...(threadTs ? { threadTs } : {}) };
    this.messages.push(message);
    this.changed();
    return message;
  }

  /** A slash command's immediate answer (the ack body), shown only to whoever typed it. */
  postCommandAnswer(userId: string, channel: string, answer: { text?: string; blocks?: unknown[] }): void {
    this.messages.push({
      channel,
      ts: this.nextTs(),
      author: BOT_USER_ID,
      text: answer.text ?? '',
      blocks: withBlockIds(answer.blocks),
      visibleTo: userId,
    });
    this.changed();
  }

  /** The result of a modal submission or close, as Slack applies the bot's answer to the stack. */
  applyViewAnswer(userId: string, viewId: string, answer: Record<string, any> | null): void {
    const stack = this.modals.get(userId) ?? [];
    const index = stack.findIndex((v) => v.id === viewId);
    if (index < 0) return;
    const action = answer?.response_action;
    if (action === 'errors') {
      stack[index] = { ...stack[index]!, errors: answer!.errors as Record<string, string> };
    } else if (action === 'update') {
      stack[index] = { id: viewId, view: answer!.view, hash: this.hashOf() };
    } else if (action === 'push') {
      stack.push({ id: this.newViewId(), view: answer!.view, hash: this.hashOf() });
    } else if (action === 'clear') {
      stack.length = 0;
    } else {
      stack.splice(index);
    }
    this.modals.set(userId, stack);
    this.changed();
  }

  closeModal(userId: string, viewId: string): void {
    const stack = this.modals.get(userId) ?? [];
    const index = stack.findIndex((v) => v.id === viewId);
    if (index >= 0) stack.splice(index);
    this.changed();
  }

  private hashOf(): string {
    return `${Date.now()}.${Math.random().toString(36).slice(2, 10)}`;
  }

  private changed(): void {
    this.version += 1;
  }

  private record(method: string, ok: boolean, summary: string): void {
    this.log.push({ at: this.now().toISOString(), method, ok, summary });
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  /**
   * One Web API call, answered as Slack would. Unknown methods answer `unknown_method`, so a new
   * call the bot starts making shows up in the demo's log instead of silently "working".
   */
  call(method: string, args: Record<string, any>): Record<string, unknown> {
    const answer = this.answer(method, args);
    const ok = answer.ok === true;
    this.record(method, ok, ok ? this.summarize(method, args) : String(answer.error));
    if (ok && method !== 'auth.test' && !method.startsWith('users.') && !method.startsWith('conversations.')) this.changed();
    return answer;
  }

  private summarize(_method: string, args: Record<string, any>): string {
    const where = args.channel ? (this.resolveChannel(String(args.channel))?.name ?? String(args.channel)) : (args.user_id ?? '');
    const text = typeof args.text === 'string' ? args.text : typeof args.view?.title?.text === 'string' ? args.view.title.text : '';
    return `${where}${text ? `: ${text.slice(0, 120)}` : ''}`;
  }

  /** Files made with Slack's upload flow: an upload URL, the bytes sent to it, then completed. */
  readonly files = new Map<string, { filename: string; length: number; bytes: Buffer | null; completed: boolean; title?: string }>();

  /** The bytes sent to a file's upload URL; false when there is no such upload waiting. */
  acceptUpload(id: string, bytes: Buffer): boolean {
    const file = this.files.get(id);
    if (!file || file.bytes) return false;
    file.bytes = bytes;
    return true;
  }

  private answer(method: string, args: Record<string, any>): Record<string, unknown> {
    switch (method) {
      case 'files.getUploadURLExternal': {
        const id = `F${String(this.files.size + 1).padStart(8, '0')}`;
        this.files.set(id, { filename: String(args.filename), length: Number(args.length), bytes: null, completed: false });
        return { ok: true, upload_url: `${this.baseUrl()}demo/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list: Array<{ id: string; title?: string }> = typeof args.files === 'string' ? JSON.parse(args.files) : (args.files ?? []);
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file?.bytes || file.bytes.length !== file.length) return { ok: false, error: 'file_not_found' };
          file.completed = true;
          if (f.title) file.title = f.title;
        }
        // Shared into a conversation: it shows there as a message with the file's link.
        if (args.channel_id) {
          const links = list
            .map((f) => `<${this.baseUrl()}demo/file/${f.id}|${this.files.get(f.id)!.title ?? this.files.get(f.id)!.filename}>`)
            .join('\n');
          const text = `${args.initial_comment ? `${String(args.initial_comment)}\n` : ''}${links}`;
          const posted = this.answer('chat.postMessage', { channel: args.channel_id, text });
          if (posted.ok !== true) return posted;
        }
        return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'auth.test':
        return {
          ok: true,
          url: this.baseUrl(),
          team: 'Demo Company',
          team_id: this.teamId,
          user: 'mistake_recovery',
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
        };
      case 'users.info': {
        const user = this.user(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: this.teamId,
            name: user.name.toLowerCase(),
            real_name: user.name,
            tz: user.tz,
            is_bot: false,
            profile: { display_name: user.name, real_name: user.name },
          },
        };
      }
      case 'conversations.open': {
        const userId = String(args.users ?? '').split(',')[0]!;
        if (!this.user(userId)) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: this.dmChannelOf(userId).id } };
      }
      case 'conversations.info': {
        const channel = this.resolveChannel(String(args.channel));
        return channel
          ? // The bot is in every channel of the demo workspace.
            { ok: true, channel: { id: channel.id, name: channel.name, is_im: Boolean(channel.dmWith), is_member: true } }
          : { ok: false, error: 'channel_not_found' };
      }
      case 'chat.postMessage': {
        const channel = this.resolveChannel(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const message: DemoMessage = {
          channel: channel.id,
          ts: this.nextTs(),
          author: BOT_USER_ID,
          text: String(args.text ?? ''),
          ...(args.blocks ? { blocks: withBlockIds(args.blocks) } : {}),
          ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
          ...(args.metadata ? { metadata: args.metadata } : {}),
        };
        this.messages.push(message);
        return { ok: true, channel: channel.id, ts: message.ts, message: { type: 'message', ts: message.ts, text: message.text, bot_id: BOT_ID } };
      }
      case 'chat.update': {
        const channel = this.resolveChannel(String(args.channel));
        const message = this.messages.find((m) => m.channel === channel?.id && m.ts === args.ts && !m.visibleTo);
        if (!message) return { ok: false, error: 'message_not_found' };
        if (message.author !== BOT_USER_ID) return { ok: false, error: 'cant_update_message' };
        if (args.text !== undefined) message.text = String(args.text);
        if (args.blocks !== undefined) message.blocks = withBlockIds(args.blocks);
        message.edited = true;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.delete': {
        const channel = this.resolveChannel(String(args.channel));
        const index = this.messages.findIndex((m) => m.channel === channel?.id && m.ts === args.ts);
        if (index < 0) return { ok: false, error: 'message_not_found' };
        this.messages.splice(index, 1);
        return { ok: true, channel: channel!.id, ts: args.ts };
      }
      case 'chat.postEphemeral': {
        const channel = this.resolveChannel(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!this.user(String(args.user))) return { ok: false, error: 'user_not_in_channel' };
        const ts = this.nextTs();
        this.messages.push({
          channel: channel.id,
          ts,
          author: BOT_USER_ID,
          text: String(args.text ?? ''),
          ...(args.blocks ? { blocks: withBlockIds(args.blocks) } : {}),
          ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
          visibleTo: String(args.user),
        });
        return { ok: true, message_ts: ts };
      }
      case 'chat.getPermalink': {
        const channel = this.resolveChannel(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        return { ok: true, channel: channel.id, permalink: `${this.baseUrl()}archives/${channel.id}/p${String(args.message_ts).replace('.', '')}` };
      }
      case 'conversations.history': {
        const channel = this.resolveChannel(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const list = this.messages.filter((m) => m.channel === channel.id && !m.threadTs && !m.visibleTo);
        return { ok: true, messages: [...list].reverse().map((m) => this.asSlackMessage(m, args)), has_more: false };
      }
      case 'conversations.replies': {
        const channel = this.resolveChannel(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const list = this.messages.filter((m) => m.channel === channel.id && !m.visibleTo && (m.ts === args.ts || m.threadTs === args.ts));
        return { ok: true, messages: list.map((m) => this.asSlackMessage(m, args)), has_more: false };
      }
      case 'views.open':
      case 'views.push': {
        const userId = this.triggers.get(String(args.trigger_id));
        if (!userId) return { ok: false, error: 'invalid_trigger_id' };
        const view = parseView(args.view);
        if (!view) return { ok: false, error: 'invalid_arguments' };
        const stack = this.modals.get(userId) ?? [];
        if (method === 'views.open') stack.length = 0;
        const opened: DemoView = { id: this.newViewId(), view, hash: this.hashOf() };
        stack.push(opened);
        this.modals.set(userId, stack);
        return { ok: true, view: { id: opened.id, hash: opened.hash, ...view } };
      }
      case 'views.update': {
        const found = this.findModal(String(args.view_id));
        const view = parseView(args.view);
        if (!found) return { ok: false, error: 'not_found' };
        if (!view) return { ok: false, error: 'invalid_arguments' };
        if (args.hash && args.hash !== found.view.hash) return { ok: false, error: 'hash_conflict' };
        const updated: DemoView = { id: found.view.id, view, hash: this.hashOf() };
        this.modals.get(found.userId)![found.index] = updated;
        return { ok: true, view: { id: updated.id, hash: updated.hash, ...view } };
      }
      case 'views.publish': {
        const userId = String(args.user_id);
        if (!this.user(userId)) return { ok: false, error: 'user_not_found' };
        const view = parseView(args.view);
        if (view?.type !== 'home') return { ok: false, error: 'invalid_arguments' };
        const home: DemoView = { id: this.homes.get(userId)?.id ?? this.newViewId(), view, hash: this.hashOf() };
        this.homes.set(userId, home);
        return { ok: true, view: { id: home.id, hash: home.hash, ...view } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private asSlackMessage(m: DemoMessage, args: Record<string, any>): Record<string, unknown> {
    const all = args.include_all_metadata === true || args.include_all_metadata === 'true';
    return {
      type: 'message',
      ts: m.ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      text: m.text,
      ...(m.author === BOT_USER_ID ? { bot_id: BOT_ID } : { user: m.author }),
      ...(all && m.metadata ? { metadata: m.metadata } : {}),
    };
  }
}

function parseView(raw: unknown): Record<string, any> | null {
  if (typeof raw === 'string') {
    try {
      return parseView(JSON.parse(raw));
    } catch {
      return null;
    }
  }
  if (!raw || typeof raw !== 'object') return null;
  const view = raw as Record<string, any>;
  return Array.isArray(view.blocks) ? { ...view, blocks: withBlockIds(view.blocks) } : view;
}

/** Slack gives every block without a block_id one of its own, and sends it back with actions. */
export function withBlockIds(blocks: unknown): unknown[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  return blocks.map((block) =>
    block && typeof block === 'object' && !(block as Record<string, unknown>).block_id
      ? { ...(block as Record<string, unknown>), block_id: Math.random().toString(36).slice(2, 7) }
      : block,
  );
}
