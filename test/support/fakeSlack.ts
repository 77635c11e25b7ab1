import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

export interface RecordedCall {
  method: string;
  args: Record<string, any>;
  /** The token the call was made with (Authorization: Bearer …, or a token argument). */
  token?: string;
  at: number;
  /** What the fake answered (set once it answered ok). */
  response?: Record<string, any>;
}

/** How the fake answers one call: a Slack error, an HTTP status, a slow answer, or a dropped connection. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'error'; error: string }
  /** The answer comes after `delayMs`; Slack acts at once, or only as it answers (`actsAtEnd`). */
  | { kind: 'slow'; delayMs: number; actsAtEnd?: boolean }
  | { kind: 'drop' }
  /** No answer, and Slack acts on the call only when the test says so (`applyLate`). */
  | { kind: 'late' };

const JSON_FIELDS = ['blocks', 'view', 'attachments', 'metadata'];

/** Outbox kinds that become a chat.postMessage (a card is posted once, then edited in place). */
const POSTING_KINDS: ReadonlySet<string> = new Set(['card', 'reply', 'dm', 'escalation', 'reminder', 'digest', 'insights', 'message']);

/** A message as the fake keeps it: a post, or a file shared with a comment. */
interface FakeMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
  metadata?: unknown;
  files?: Array<{ id: string; name: string; title?: string }>;
}

/** The columns of a Delivery row the ledger needs. */
export interface DeliveryRow {
  id: number;
  kind: string;
  status: string;
  lastError: string | null;
}

export interface DeliveryLedger {
  /** Deliveries that reached Slack (each counted once). */
  delivered: number;
  /** Delivery ids that should be in Slack and are not. */
  lost: number[];
  /** Delivery ids Slack holds more than once. */
  duplicated: number[];
  /** Delivery ids in Slack that the outbox does not know (another database's, or a bug). */
  strangers: string[];
}

/** A workspace (or an Enterprise Grid org, for an org-wide install) the fake can install the app in. */
export interface FakeWorkspace {
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
  isEnterpriseInstall?: boolean;
  installerId: string;
}

/**
 * A local stand-in for Slack's Web API: records every call the bot makes (only successful ones
 * count as delivered) and can be told to fail, so tests see what reaches Slack and how often.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Calls that were answered ok: what Slack would actually show. */
  readonly delivered: RecordedCall[] = [];
  private server: http.Server | null = null;
  private faults: Array<{ method: string | '*'; fault: Fault; remaining: number }> = [];
  /** How many calls were answered with a fault (an outage the bot had to live through). */
  faultsServed = 0;
  private tsCounter = 0;
  /** Calls Slack has received but not acted on yet (`late` faults). */
  private readonly lateCalls: Array<{ call: RecordedCall; res: http.ServerResponse }> = [];
  /** What Slack would hold, per channel (DMs under D<user id>), for history look-ups. */
  private readonly messages = new Map<string, FakeMessage[]>();
  port = 0;
  /** OAuth: codes Slack hands out when someone approves an install, each usable once. */
  private readonly codes = new Map<string, FakeWorkspace>();
  /** Tokens issued by installs, and the workspace each acts in. */
  readonly tokens = new Map<string, FakeWorkspace>();
  /** Tokens Slack no longer accepts (the app was uninstalled, or they were revoked). */
  readonly revokedTokens = new Set<string>();
  private installs = 0;
  /** Channels the bot is not a member of (conversations.info answers is_member: false). */
  readonly notMemberOf = new Set<string>();
  /** The app's credentials, checked by oauth.v2.access. */
  app = { clientId: '1111.2222', clientSecret: 'test-client-secret' };

  /** Someone approves the install in Slack: the code Slack sends back to the redirect URL. */
  approveInstall(workspace: FakeWorkspace): string {
    const code = `code-${++this.installs}-${Math.random().toString(36).slice(2)}`;
    this.codes.set(code, workspace);
    return code;
  }

  /** The bot token of the latest install in this workspace (or org). */
  tokenOf(id: string): string | undefined {
    return [...this.tokens].filter(([, w]) => (w.isEnterpriseInstall ? w.enterpriseId : w.teamId) === id).pop()?.[0];
  }

  /** Calls made with `token`. */
  callsWith(token: string): RecordedCall[] {
    return this.calls.filter((c) => c.token === token);
  }
  /**
   * Files, as Slack's upload flow makes them: an upload URL handed out by
   * files.getUploadURLExternal, the bytes sent to it, then files.completeUploadExternal.
   */
  readonly files = new Map<
    string,
    { filename: string; length: number; bytes: Buffer | null; completed: boolean; title?: string; channel?: string }
  >();
  private fileCounter = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: calls get "connection refused" until `start(port)` again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls of `method` ('*' for any) get `fault`. */
  fail(method: string | '*', fault: Fault, times = 1): void {
    this.faults.push({ method, fault, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** How many calls are waiting to be acted on late. */
  get lateCount(): number {
    return this.lateCalls.length;
  }

  /** Slack finally acts on the calls it held (their callers gave up long ago). */
  applyLate(): void {
    for (const { call, res } of this.lateCalls.splice(0)) {
      const body = this.answer(call.method, call.args, call.token);
      call.response = body;
      this.delivered.push(call);
      if (!res.destroyed) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }
    }
  }

  called(method: string): RecordedCall[] {
    return this.delivered.filter((c) => c.method === method);
  }

  /** Waits until `method` has been answered more than `after` times (the bot calls after its ack). */
  async waitFor(method: string, after = 0, timeoutMs = 5000): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    while (this.called(method).length <= after) {
      if (Date.now() > deadline) throw new Error(`no ${method} call arrived within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.called(method)[after]!;
  }

  /** Every post Slack took, by the outbox delivery id it carries (posts without one are left out). */
  postsByDeliveryId(): Map<string, RecordedCall[]> {
    const byId = new Map<string, RecordedCall[]>();
    for (const call of this.called('chat.postMessage')) {
      const id = call.args.metadata?.event_payload?.delivery_id;
      if (typeof id !== 'string') continue;
      byId.set(id, [...(byId.get(id) ?? []), call]);
    }
    return byId;
  }

  /**
   * What reached Slack compared with what the outbox says it sent: a delivery that should have
   * posted but is not in Slack is lost, one that is in Slack more than once is duplicated.
   */
  ledger(rows: DeliveryRow[]): DeliveryLedger {
    const posts = this.postsByDeliveryId();
    const lost: number[] = [];
    const duplicated: number[] = [];
    let delivered = 0;
    for (const row of rows) {
      if (!POSTING_KINDS.has(row.kind)) continue;
      const count = posts.get(String(row.id))?.length ?? 0;
      delivered += Math.min(count, 1);
      if (count > 1) duplicated.push(row.id);
      // A delivery marked sent with a note was skipped on purpose (everything in it was done).
      const skipped = row.status === 'sent' && row.lastError !== null && count === 0;
      if (count === 0 && !skipped) lost.push(row.id);
    }
    const known = new Set(rows.map((r) => String(r.id)));
    const strangers = [...posts.keys()].filter((id) => !known.has(id));
    return { delivered, lost, duplicated, strangers };
  }

  lastView(): any {
    const opened = this.called('views.open');
    return opened[opened.length - 1]?.args.view;
  }

  reset(): void {
    this.calls.length = 0;
    this.delivered.length = 0;
    this.revokedTokens.clear();
    this.faults = [];
    this.lateCalls.length = 0;
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upload = /^\/upload\/([A-Z0-9]+)$/.exec(req.url ?? '');
    if (upload) {
      // The upload URL takes the file's bytes (a POST of the raw body, as Slack accepts it).
      const file = this.files.get(upload[1]!);
      if (!file || file.bytes) {
        res.writeHead(404).end();
        return;
      }
      file.bytes = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${file.bytes.length}`);
      return;
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
    const args = parseArgs(raw, String(req.headers['content-type'] ?? ''));
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const token = bearer || (typeof args.token === 'string' ? args.token : undefined);
    const call: RecordedCall = { method, args, at: Date.now(), ...(token ? { token } : {}) };
    this.calls.push(call);
    if (token && this.revokedTokens.has(token)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'token_revoked' }));
      return;
    }
    if (method === 'oauth.v2.access') {
      const body = this.oauthAccess(args, req.headers.authorization);
      if (body.ok) {
        call.response = body;
        this.delivered.push(call);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }

    const index = this.faults.findIndex((f) => (f.method === '*' || f.method === method) && f.remaining > 0);
    let entryDelay = 0;
    if (index >= 0) {
      const entry = this.faults[index]!;
      entry.remaining -= 1;
      if (entry.remaining === 0) this.faults.splice(index, 1);
      const fault = entry.fault;
      this.faultsServed += 1;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'late') {
        this.lateCalls.push({ call, res });
        return;
      }
      if (fault.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        res.writeHead(fault.status, headers);
        res.end(JSON.stringify({ ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' }));
        return;
      }
      if (fault.kind === 'error') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: fault.error }));
        return;
      }
      entryDelay = fault.delayMs;
      if (fault.actsAtEnd) {
        await new Promise((r) => setTimeout(r, entryDelay));
        entryDelay = 0;
      }
    }

    // Slack acts on a call at once, even when its answer is slow to come back (and a client that
    // gave up waiting has moved on).
    const body = this.answer(method, args, token);
    call.response = body;
    this.delivered.push(call);
    if (entryDelay > 0) await new Promise((r) => setTimeout(r, entryDelay));
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** oauth.v2.access: a code from an approved install, once, for this app's credentials. */
  private oauthAccess(args: Record<string, any>, authorization: string | undefined): Record<string, unknown> {
    let clientId = args.client_id;
    let clientSecret = args.client_secret;
    if (authorization?.startsWith('Basic ')) {
      [clientId, clientSecret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    }
    if (clientId !== this.app.clientId || clientSecret !== this.app.clientSecret) return { ok: false, error: 'invalid_client_id' };
    const workspace = this.codes.get(String(args.code));
    if (!workspace) return { ok: false, error: 'invalid_code' };
    this.codes.delete(String(args.code));
    const n = this.installs;
    const token = `xoxb-${workspace.isEnterpriseInstall ? workspace.enterpriseId : workspace.teamId}-${n}-${Math.random().toString(36).slice(2, 10)}`;
    this.tokens.set(token, workspace);
    return {
      ok: true,
      app_id: 'A0APP',
      authed_user: { id: workspace.installerId },
      scope: 'commands,chat:write,files:write,users:read,channels:history,groups:history,im:history,im:write,channels:read,groups:read',
      token_type: 'bot',
      access_token: token,
      bot_user_id: 'UBOT',
      team: workspace.isEnterpriseInstall ? null : { id: workspace.teamId, name: workspace.teamName ?? workspace.teamId },
      enterprise: workspace.enterpriseId ? { id: workspace.enterpriseId, name: workspace.enterpriseName ?? workspace.enterpriseId } : null,
      is_enterprise_install: workspace.isEnterpriseInstall === true,
    };
  }

  private answer(method: string, args: Record<string, any>, token?: string): Record<string, unknown> {
    switch (method) {
      case 'auth.test': {
        const installed = token ? this.tokens.get(token) : undefined;
        if (installed) {
          return {
            ok: true,
            url: `https://${(installed.teamId ?? installed.enterpriseId ?? 'org').toLowerCase()}.slack.com/`,
            team: installed.teamName ?? installed.teamId,
            team_id: installed.teamId,
            ...(installed.enterpriseId ? { enterprise_id: installed.enterpriseId } : {}),
            is_enterprise_install: installed.isEnterpriseInstall === true,
            user_id: 'UBOT',
            bot_id: 'B_BOT',
          };
        }
        return { ok: true, url: 'https://acme.slack.com/', team: 'Acme', team_id: 'T_ACME', user_id: 'UBOT', bot_id: 'B_BOT' };
      }
      case 'chat.postMessage': {
        // An image block may show an uploaded file once its upload was completed.
        for (const block of Array.isArray(args.blocks) ? args.blocks : []) {
          const id = block?.type === 'image' ? block.slack_file?.id : undefined;
          if (id !== undefined && !this.files.get(id)?.completed) return { ok: false, error: 'invalid_blocks' };
        }
        const ts = this.nextTs();
        const channel = dmChannel(String(args.channel));
        const list = this.messages.get(channel) ?? [];
        list.push({ ts, thread_ts: args.thread_ts, text: args.text, metadata: args.metadata });
        this.messages.set(channel, list);
        return { ok: true, channel, ts, message: { ts, text: args.text } };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: dmChannel(String(args.users)) } };
      case 'conversations.history': {
        // Newest first, a page at a time, as Slack pages history.
        const list = (this.messages.get(String(args.channel)) ?? []).filter((m) => !m.thread_ts);
        return page(
          [...list].reverse().map((m) => withMetadata(m, args)),
          args,
        );
      }
      case 'conversations.replies': {
        const list = (this.messages.get(String(args.channel)) ?? []).filter((m) => m.ts === args.ts || m.thread_ts === args.ts);
        return page(
          list.map((m) => withMetadata(m, args)),
          args,
        );
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'conversations.info':
        return { ok: true, channel: { id: args.channel, is_member: !this.notMemberOf.has(String(args.channel)) } };
      case 'files.getUploadURLExternal': {
        this.fileCounter += 1;
        const id = `F${String(this.fileCounter).padStart(8, '0')}`;
        this.files.set(id, { filename: String(args.filename), length: Number(args.length), bytes: null, completed: false });
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list: Array<{ id: string; title?: string }> = typeof args.files === 'string' ? JSON.parse(args.files) : (args.files ?? []);
        for (const f of list) {
          const file = this.files.get(f.id);
          // Slack refuses a file whose bytes never arrived, or arrived with another length.
          if (!file?.bytes || file.bytes.length !== file.length) return { ok: false, error: 'file_not_found' };
        }
        for (const f of list) {
          const file = this.files.get(f.id)!;
          file.completed = true;
          if (f.title) file.title = f.title;
          if (args.channel_id) file.channel = String(args.channel_id);
        }
        if (args.channel_id) {
          // Shared in a channel: a message with the files (and the comment) appears there.
          const channel = String(args.channel_id);
          const messages = this.messages.get(channel) ?? [];
          const files = list.map((f) => ({ id: f.id, name: this.files.get(f.id)!.filename, ...(f.title ? { title: f.title } : {}) }));
          messages.push({ ts: this.nextTs(), text: args.initial_comment === undefined ? '' : String(args.initial_comment), files });
          this.messages.set(channel, messages);
        }
        return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { ok: true, view: { id: `V${this.calls.length}`, ...(args.view ?? {}) } };
      default:
        return { ok: true };
    }
  }
}

/** One page of messages: `limit` of them (Slack's default is 100) from the `cursor` on. */
function page(messages: unknown[], args: Record<string, any>): Record<string, unknown> {
  const limit = Math.max(1, Math.min(999, Number(args.limit) || 100));
  const from = Number(String(args.cursor ?? '').replace(/^offset:/, '')) || 0;
  const slice = messages.slice(from, from + limit);
  const more = from + limit < messages.length;
  return { ok: true, messages: slice, has_more: more, ...(more ? { response_metadata: { next_cursor: `offset:${from + limit}` } } : {}) };
}

/** Posting to a user id lands in the app's DM with them. */
function dmChannel(channel: string): string {
  return /^[UW]/.test(channel) ? `D${channel}` : channel;
}

function withMetadata(m: FakeMessage, args: Record<string, any>) {
  const all = args.include_all_metadata === true || args.include_all_metadata === 'true';
  return {
    type: 'message',
    ts: m.ts,
    thread_ts: m.thread_ts,
    text: m.text,
    ...(m.files ? { files: m.files } : {}),
    ...(all && m.metadata ? { metadata: m.metadata } : {}),
  };
}

function parseArgs(raw: string, contentType: string): Record<string, any> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return {};
    }
  }
  const parsed = parseQuery(raw) as Record<string, any>;
  for (const field of JSON_FIELDS) {
    if (typeof parsed[field] === 'string') {
      try {
        parsed[field] = JSON.parse(parsed[field]);
      } catch {
        // leave as sent
      }
    }
  }
  return parsed;
}
