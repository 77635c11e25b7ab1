// `npm run demo`: the real bot, with no Slack workspace. One local server plays both sides:
//
// - `/api/*` answers the bot's Web API calls from an in-memory workspace (DemoWorkspace);
// - `/` is a page that shows that workspace (channels, threads, DMs, App Home, modals) and sends
//   what a person does there to the bot as signed requests shaped exactly like Slack's.
//
// The bot is the production bot (createBot, its listeners, services, outbox and delivery worker)
// on a throwaway SQLite file, with a clock the page can move forward so reminders and
// escalations can be seen. Nothing here is reachable from `npm start`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { createBot, type Bot } from '../bot';
import { loadConfig } from '../config';
import { createDb } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { displayDateTimeFormat } from '../domain/time';
import { describeCheckIns, describeDeliveries, describeDigest, describeEscalations, describeInsights, describeReminders } from '../jobs/report';
import { createLogger, type Logger } from '../logger';
import type { Clock } from '../services/clock';
import { COMMAND } from '../slack/ids';
import { blocksToHtml, textToHtml, type RenderContext } from './blockKit';
import { escapeHtml, mrkdwnToHtml } from './mrkdwn';
import {
  appHomeOpened,
  blockActions,
  deliverToBot,
  newTriggerId,
  slashCommand,
  viewClosed,
  viewSubmission,
  type ElementAction,
  type SlackPost,
} from './requests';
import { BOT_USER_ID, DemoWorkspace, type DemoMessage, type DemoUser } from './workspace';

/**
 * The demo's clock: real time, moved forward by the page's "+1 hour" / "+1 day" buttons. The
 * offset is also written to a file (DEMO_CLOCK_FILE in the operator environment), so a pass run
 * from another terminal sees the page's time: reminders due on the page are due for it too, and
 * a delivery it holds is not mistaken by the demo for one whose lease ran out long ago.
 */
export class DemoClock implements Clock {
  offsetMs = 0;
  constructor(private readonly file?: string) {
    this.write();
  }
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
    this.write();
  }
  private write(): void {
    if (!this.file) return;
    // Written whole, then renamed: a reader never sees half a number.
    fs.writeFileSync(`${this.file}.tmp`, String(this.offsetMs));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}

export const DEMO_TEAM = { id: 'TDEMO00001', domain: 'demo' };
export const DEMO_CHANNELS = { mistakes: 'CMISTAKES01', digest: 'CTEAMDIGEST' };

export function demoUsers(tz: string): DemoUser[] {
  return [
    { id: 'UDEMOALICE', name: 'Alice Rivera', role: 'reporter', tz },
    { id: 'UDEMOBOBBY', name: 'Bob Chen', role: 'owner', tz },
    { id: 'UDEMOCAROL', name: 'Carol Diaz', role: 'bystander', tz },
    { id: 'UDEMODANA1', name: 'Dana Okafor', role: 'admin', tz },
  ];
}

export interface DemoOptions {
  /** The page's port (0 picks a free one). */
  port: number;
  timeZone: string;
  logger?: Logger;
  /** Where the throwaway database goes; a fresh temporary folder by default (removed on close). */
  dataDir?: string;
}

export interface Demo {
  url: string;
  workspace: DemoWorkspace;
  clock: DemoClock;
  bot: Bot;
  /**
   * What an operator command needs to run beside the demo (`npm run job -- digest` in another
   * terminal): the demo's database and stand-in Slack, its token, secret and channels. Empty
   * values keep a developer's .env from switching the command to Socket Mode or OAuth.
   */
  operatorEnv: Record<string, string>;
  close(): Promise<void>;
}

/** The folder holding the page (it is not compiled, so it is read from the sources). */
function pageDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'src', 'demo', 'page');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('The demo page (src/demo/page) is missing.');
  }
}

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // The page sends small forms; anything this big is a mistake, not a click.
    if (size > 2_000_000) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const JSON_FIELDS = ['blocks', 'view', 'attachments', 'metadata'];

/** The Web API's arguments: a form (with JSON-encoded fields) or a JSON body, as the client sends them. */
function apiArgs(raw: string, contentType: string): Record<string, any> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, any>;
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
        // left as sent; the method answers invalid_arguments
      }
    }
  }
  return parsed;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const logger = options.logger ?? createLogger('warn');
  const signingSecret = crypto.randomBytes(16).toString('hex');
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mistake-recovery-demo-'));
  const clockFile = path.join(dataDir, 'demo-clock');
  const clock = new DemoClock(clockFile);
  const ownsDataDir = options.dataDir === undefined;
  let baseUrl = '';
  const workspace = new DemoWorkspace(
    {
      teamId: DEMO_TEAM.id,
      domain: DEMO_TEAM.domain,
      users: demoUsers(options.timeZone),
      channels: [
        { id: DEMO_CHANNELS.mistakes, name: 'mistakes' },
        { id: DEMO_CHANNELS.digest, name: 'team-digest' },
      ],
      baseUrl: () => baseUrl,
    },
    () => clock.now(),
  );
  const activity: Array<{ at: string; text: string }> = [];
  const note = (text: string) => {
    activity.push({ at: clock.now().toISOString(), text });
    if (activity.length > 100) activity.shift();
    workspace.version += 1;
  };

  let bot: Bot | null = null;
  let botUrl = '';
  const responseUrls = new Map<string, { userId: string; channelId: string; messageTs?: string }>();

  /** A response_url the bot may post to (Bolt's respond()), remembered for whoever acted. */
  const responseUrlFor = (userId: string, channelId: string, messageTs?: string): string => {
    const token = crypto.randomBytes(8).toString('hex');
    responseUrls.set(token, { userId, channelId, ...(messageTs ? { messageTs } : {}) });
    if (responseUrls.size > 500) responseUrls.delete(responseUrls.keys().next().value!);
    return `${baseUrl}demo/respond/${token}`;
  };

  const who = (userId: string) => {
    const user = workspace.user(userId);
    if (!user) throw new DemoInputError(`Unknown demo user ${userId}.`);
    return { userId: user.id, userName: user.name.split(' ')[0]!.toLowerCase() };
  };

  const toBot = async (post: SlackPost) => {
    const answer = await deliverToBot(botUrl, post, signingSecret);
    if (answer.status !== 200) note(`The bot answered HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`);
    return answer;
  };

  const renderContext = (userId: string, errors?: Record<string, string>): RenderContext => ({
    userName: (id) => workspace.user(id)?.name ?? (id === BOT_USER_ID ? 'Mistake Recovery' : undefined),
    channelName: (id) => workspace.channels.find((c) => c.id === id)?.name,
    timeZone: workspace.user(userId)?.tz ?? options.timeZone,
    now: clock.now(),
    users: workspace.users.map((u) => ({ id: u.id, name: u.name })),
    channels: workspace.channels.filter((c) => !c.dmWith).map((c) => ({ id: c.id, name: c.name })),
    ...(errors ? { errors } : {}),
  });

  const messageHtml = (m: DemoMessage, userId: string, replies: DemoMessage[]): string => {
    const ctx = renderContext(userId);
    const author = m.author === BOT_USER_ID ? 'Mistake Recovery' : (workspace.user(m.author)?.name ?? m.author);
    const body =
      m.blocks && Array.isArray(m.blocks) && m.blocks.length > 0
        ? blocksToHtml(m.blocks, ctx)
        : `<div class="bk-text">${mrkdwnToHtml(m.text, ctx)}</div>`;
    const time = displayDateTimeFormat(ctx.timeZone, MESSAGE_TIME).format(new Date(Number(m.ts.split('.')[0]) * 1000));
    const visible = replies.filter((r) => !r.visibleTo || r.visibleTo === userId);
    const thread =
      !m.threadTs && visible.length > 0
        ? `<button class="thread-link" data-open-thread="${escapeHtml(m.ts)}">${visible.length} ${visible.length === 1 ? 'reply' : 'replies'}</button>`
        : '';
    return (
      `<article class="message${m.visibleTo ? ' ephemeral' : ''}" data-channel="${escapeHtml(m.channel)}" data-ts="${escapeHtml(m.ts)}"` +
      `${m.threadTs ? ` data-thread-ts="${escapeHtml(m.threadTs)}"` : ''}${m.visibleTo ? ' data-ephemeral="true"' : ''}>` +
      `<div class="avatar${m.author === BOT_USER_ID ? ' bot' : ''}">${escapeHtml(author.slice(0, 1))}</div>` +
      `<div class="content"><div class="meta"><strong>${escapeHtml(author)}</strong>${m.author === BOT_USER_ID ? ' <span class="app">APP</span>' : ''} <span class="time">${time}</span>` +
      `${m.edited ? ' <span class="edited">(edited)</span>' : ''}${m.visibleTo ? ' <span class="only-you">Only visible to you</span>' : ''}</div>` +
      `<div class="body">${body}</div>${thread}</div></article>`
    );
  };

  /** Everything the page shows for one person, looking at one conversation (and maybe a thread). */
  const state = (userId: string, conversation: string, threadTs: string | null) => {
    const user = workspace.user(userId) ?? workspace.users[0]!;
    const dm = workspace.dmChannelOf(user.id);
    const conversations = [
      ...workspace.channels.filter((c) => !c.dmWith).map((c) => ({ id: c.id, name: `# ${c.name}`, kind: 'channel' })),
      { id: dm.id, name: 'Mistake Recovery (DM)', kind: 'dm' },
      { id: 'home', name: 'Mistake Recovery: Home', kind: 'home' },
    ];
    const visible = (m: DemoMessage) => !m.visibleTo || m.visibleTo === user.id;
    let main = '';
    if (conversation === 'home') {
      const home = workspace.home(user.id);
      main = home ? `<div class="home">${blocksToHtml(home.view.blocks, renderContext(user.id))}</div>` : '<p class="empty">Opening App Home…</p>';
    } else {
      const channelId = conversation === 'dm' ? dm.id : conversation;
      const inChannel = workspace.messages.filter((m) => m.channel === channelId && visible(m));
      const top = inChannel.filter((m) => !m.threadTs);
      main = top.length
        ? top
            .map((m) =>
              messageHtml(
                m,
                user.id,
                inChannel.filter((r) => r.threadTs === m.ts),
              ),
            )
            .join('')
        : `<p class="empty">Nothing here yet.${channelId === DEMO_CHANNELS.mistakes ? ' Type <code>/mistake</code> below to report one.' : ''}</p>`;
    }
    let thread: string | null = null;
    if (threadTs && conversation !== 'home') {
      const channelId = conversation === 'dm' ? dm.id : conversation;
      const parent = workspace.messages.find((m) => m.channel === channelId && m.ts === threadTs);
      if (parent) {
        const replies = workspace.messages.filter((m) => m.channel === channelId && m.threadTs === threadTs && visible(m));
        thread = [
          messageHtml(parent, user.id, []),
          `<div class="replies-count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>`,
          ...replies.map((r) => messageHtml(r, user.id, [])),
        ].join('');
      }
    }
    const top = workspace.modalStack(user.id).at(-1);
    const modal = top
      ? {
          id: top.id,
          hash: top.hash,
          title: textToHtml(top.view.title, renderContext(user.id)),
          submit: top.view.submit ? textToHtml(top.view.submit, renderContext(user.id)) : null,
          close: textToHtml(top.view.close ?? { type: 'plain_text', text: 'Cancel' }, renderContext(user.id)),
          html: blocksToHtml(top.view.blocks, renderContext(user.id, top.errors)),
        }
      : null;
    return {
      version: workspace.version,
      clock: { iso: clock.now().toISOString(), label: clockLabel(clock.now(), user.tz), advancedMs: clock.offsetMs },
      timeZone: user.tz,
      you: user.id,
      users: workspace.users.map((u) => ({ id: u.id, name: u.name, role: u.role })),
      conversations,
      conversation,
      main,
      thread,
      modal,
      activity: activity
        .slice(-12)
        .reverse()
        .map((a) => ({ at: clockLabel(new Date(a.at), user.tz), text: a.text })),
      api: workspace.log
        .slice(-15)
        .reverse()
        .map((l) => ({ at: clockLabel(new Date(l.at), user.tz), method: l.method, ok: l.ok, summary: l.summary })),
    };
  };

  /** A pass run now, with what the operator command would say about it. */
  const runPass = async (name: string): Promise<string> => {
    const jobs = bot!.jobs;
    const now = clock.now();
    let lines: string[];
    if (name === 'digest') {
      const outcomes = await jobs.digest({ onDemand: true, again: true });
      await jobs.deliveries();
      lines = [];
      for (const outcome of outcomes) {
        const posted = outcome.deliveryKey ? await bot!.outbox.record(outcome.teamId, outcome.deliveryKey) : null;
        lines.push(...describeDigest(outcome, posted, { now, workspaceUrl: baseUrl }).filter((l) => !l.startsWith('To post an extra copy')));
      }
      if (outcomes.length === 0) lines.push('No workspace has used the bot yet: report a mistake first.');
    } else if (name === 'insights') {
      const outcomes = await jobs.insights({ onDemand: true, again: true });
      await jobs.deliveries();
      lines = [];
      for (const outcome of outcomes) {
        const posted = outcome.deliveryKey ? await bot!.outbox.record(outcome.teamId, outcome.deliveryKey) : null;
        lines.push(...describeInsights(outcome, posted, { now, workspaceUrl: baseUrl }).filter((l) => !l.startsWith('To post an extra copy')));
      }
      if (outcomes.length === 0) lines.push('No workspace has used the bot yet: report a mistake first.');
    } else if (name === 'reminders') {
      lines = [describeReminders(await jobs.reminders(`reminders:demo:${now.toISOString()}`))];
    } else if (name === 'escalations') {
      lines = [describeEscalations(await jobs.escalations(`escalations:demo:${now.toISOString()}`))];
    } else if (name === 'check-ins') {
      lines = [describeCheckIns(await jobs.checkIns(`check-ins:demo:${now.toISOString()}`))];
    } else if (name === 'deliveries') {
      lines = [describeDeliveries(await jobs.deliveries({ ignoreBackoff: true }), await bot!.worker.health())];
    } else {
      throw new DemoInputError(`There is no pass called "${name}".`);
    }
    await jobs.deliveries();
    return lines.join(' ');
  };

  const handleDemo = async (route: string, input: Record<string, any>): Promise<unknown> => {
    const userId = String(input.user ?? '');
    switch (route) {
      case 'command': {
        const person = who(userId);
        const conversation = String(input.conversation ?? DEMO_CHANNELS.mistakes);
        const channelId = conversation === 'dm' ? workspace.dmChannelOf(userId).id : conversation;
        const channel = workspace.channels.find((c) => c.id === channelId);
        if (!channel) throw new DemoInputError('Pick a channel or a DM first.');
        const text = String(input.text ?? '').trim();
        if (!text) return { ok: true };
        const [command = ''] = text.split(/\s+/);
        if (!command.startsWith('/')) {
          workspace.postAsPerson(userId, channelId, text, input.threadTs ? String(input.threadTs) : undefined);
          return { ok: true };
        }
        if (command !== COMMAND) {
          workspace.postCommandAnswer(userId, channelId, { text: `\`${command}\` is not a valid command. This demo knows \`${COMMAND}\`.` });
          return { ok: true };
        }
        const triggerId = newTriggerId();
        workspace.registerTrigger(triggerId, userId);
        const answer = await toBot(
          slashCommand(
            DEMO_TEAM,
            person,
            { channelId, channelName: channel.name },
            command,
            text.slice(command.length).trim(),
            triggerId,
            responseUrlFor(userId, channelId),
          ),
        );
        if (answer.status !== 200) {
          workspace.postCommandAnswer(userId, channelId, { text: `${COMMAND} failed with the error "dispatch_failed" (HTTP ${answer.status}).` });
        } else if (answer.body && (answer.body.text || answer.body.blocks)) {
          workspace.postCommandAnswer(userId, channelId, answer.body);
        }
        return { ok: true };
      }
      case 'action': {
        const person = who(userId);
        const action = elementAction(input.action);
        const triggerId = newTriggerId();
        workspace.registerTrigger(triggerId, userId);
        const container = input.container as Record<string, any>;
        if (container?.kind === 'message') {
          const message = workspace.messages.find((m) => m.channel === container.channel && m.ts === container.ts);
          if (!message) throw new DemoInputError('That message is gone.');
          const channel = workspace.channels.find((c) => c.id === message.channel)!;
          await toBot(
            blockActions(
              DEMO_TEAM,
              person,
              {
                type: 'message',
                channelId: channel.id,
                channelName: channel.name,
                messageTs: message.ts,
                ...(message.threadTs ? { threadTs: message.threadTs } : {}),
                text: message.text,
                ...(message.blocks ? { blocks: message.blocks } : {}),
                ...(message.visibleTo ? { ephemeral: true } : {}),
              },
              action,
              triggerId,
              responseUrlFor(userId, channel.id, message.ts),
            ),
          );
          return { ok: true };
        }
        const view = container?.kind === 'home' ? workspace.home(userId) : workspace.findModal(String(container?.viewId ?? ''))?.view;
        if (!view) throw new DemoInputError('That view is closed.');
        await toBot(
          blockActions(
            DEMO_TEAM,
            person,
            { type: 'view', view: view.view, viewId: view.id, hash: view.hash, state: stateValues(input.values) },
            action,
            triggerId,
            responseUrlFor(userId, workspace.dmChannelOf(userId).id),
          ),
        );
        return { ok: true };
      }
      case 'submit': {
        const person = who(userId);
        const found = workspace.findModal(String(input.viewId ?? ''));
        if (!found || found.userId !== userId) throw new DemoInputError('That form is no longer open.');
        const triggerId = newTriggerId();
        workspace.registerTrigger(triggerId, userId);
        const answer = await toBot(
          viewSubmission(DEMO_TEAM, person, found.view.view, found.view.id, found.view.hash, stateValues(input.values), triggerId),
        );
        if (answer.status === 200) workspace.applyViewAnswer(userId, found.view.id, answer.body);
        else note('The form could not be submitted: the bot did not answer in time. Try again.');
        return { ok: answer.status === 200 };
      }
      case 'close': {
        const person = who(userId);
        const found = workspace.findModal(String(input.viewId ?? ''));
        if (!found) return { ok: true };
        if (found.view.view.notify_on_close) await toBot(viewClosed(DEMO_TEAM, person, found.view.view, found.view.id, found.view.hash));
        workspace.closeModal(userId, found.view.id);
        return { ok: true };
      }
      case 'home': {
        who(userId);
        await toBot(appHomeOpened(DEMO_TEAM, userId, workspace.dmChannelOf(userId).id, workspace.home(userId)?.id));
        return { ok: true };
      }
      case 'clock': {
        const ms = Number(input.advanceMs);
        if (!Number.isFinite(ms) || ms <= 0 || ms > 30 * 86_400_000) throw new DemoInputError('The clock moves forward by up to 30 days at a time.');
        clock.advance(ms);
        note(`The demo clock moved forward ${ms >= 86_400_000 ? `${ms / 86_400_000} day(s)` : `${ms / 3_600_000} hour(s)`}.`);
        await bot!.jobs.deliveries();
        return { ok: true };
      }
      case 'pass': {
        const said = await runPass(String(input.name ?? ''));
        note(said);
        return { ok: true, said };
      }
      default:
        throw new DemoInputError(`Unknown demo request "${route}".`);
    }
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
          const method = url.pathname.slice('/api/'.length);
          const args = apiArgs(await readBody(req), String(req.headers['content-type'] ?? ''));
          send(res, 200, workspace.call(method, args));
          return;
        }
        if (req.method === 'POST' && url.pathname.startsWith('/demo/upload/')) {
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          const ok = workspace.acceptUpload(url.pathname.slice('/demo/upload/'.length), Buffer.concat(chunks));
          res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
          res.end(ok ? 'OK' : 'no such upload');
          return;
        }
        if (req.method === 'GET' && url.pathname.startsWith('/demo/file/')) {
          const file = workspace.files.get(url.pathname.slice('/demo/file/'.length));
          if (!file?.completed || !file.bytes) return send(res, 404, { ok: false, error: 'file_not_found' });
          res.writeHead(200, { 'content-type': file.filename.endsWith('.png') ? 'image/png' : 'text/csv; charset=utf-8' });
          res.end(file.bytes);
          return;
        }
        if (req.method === 'POST' && url.pathname.startsWith('/demo/respond/')) {
          const target = responseUrls.get(url.pathname.slice('/demo/respond/'.length));
          const body = apiArgs(await readBody(req), 'application/json');
          if (!target) return send(res, 404, { ok: false, error: 'expired_url' });
          if (body.replace_original && target.messageTs) {
            workspace.call('chat.update', { channel: target.channelId, ts: target.messageTs, text: body.text, blocks: body.blocks });
          } else if (body.delete_original && target.messageTs) {
            workspace.call('chat.delete', { channel: target.channelId, ts: target.messageTs });
          } else if (body.response_type === 'in_channel') {
            workspace.call('chat.postMessage', { channel: target.channelId, text: body.text, blocks: body.blocks });
          } else {
            workspace.postCommandAnswer(target.userId, target.channelId, body);
          }
          return send(res, 200, { ok: true });
        }
        if (req.method === 'POST' && url.pathname.startsWith('/demo/')) {
          let input: Record<string, any>;
          try {
            input = JSON.parse(await readBody(req)) as Record<string, any>;
          } catch {
            return send(res, 400, { ok: false, error: 'The demo page sent something that is not JSON.' });
          }
          const result = await handleDemo(url.pathname.slice('/demo/'.length), input);
          return send(res, 200, result);
        }
        if (req.method === 'GET' && url.pathname === '/demo/state') {
          const userId = url.searchParams.get('user') ?? workspace.users[0]!.id;
          return send(res, 200, state(userId, url.searchParams.get('conversation') ?? DEMO_CHANNELS.mistakes, url.searchParams.get('thread')));
        }
        if (req.method === 'GET' && url.pathname === '/favicon.ico') {
          res.writeHead(204);
          res.end();
          return;
        }
        if (req.method === 'GET') {
          // Thread links (…/archives/C…/p…) open the page at that thread.
          const name = url.pathname === '/' || url.pathname.startsWith('/archives/') ? 'index.html' : url.pathname.slice(1);
          const type = ASSETS[name];
          if (!type) return send(res, 404, { ok: false, error: 'not found' });
          res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
          res.end(fs.readFileSync(path.join(pageDir(), name)));
          return;
        }
        send(res, 405, { ok: false, error: 'method not allowed' });
      } catch (error) {
        if (error instanceof DemoInputError) return send(res, 400, { ok: false, error: error.message });
        logger.error('demo request failed', { path: url.pathname, error: error instanceof Error ? error.stack : String(error) });
        send(res, 500, { ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://localhost:${port}/`;

  const databaseUrl = `file:${path.join(dataDir, 'demo.db')}`;
  await migrateDatabase(databaseUrl);
  const receiverPort = await freePort();
  const operatorEnv: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    SLACK_BOT_TOKEN: 'xoxb-demo-token',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_APP_TOKEN: '',
    SLACK_CLIENT_ID: '',
    SLACK_CLIENT_SECRET: '',
    SLACK_STATE_SECRET: '',
    ESCALATION_CHANNEL_ID: DEMO_CHANNELS.mistakes,
    DIGEST_CHANNEL_ID: DEMO_CHANNELS.digest,
    TIMEZONE: options.timeZone,
    ADMIN_USER_IDS: 'UDEMODANA1',
    DEMO_CLOCK_FILE: clockFile,
  };
  const config = loadConfig({
    ...operatorEnv,
    PORT: String(receiverPort),
    // Home refreshes go out at once, so every click shows on App Home straight away.
    HOME_REFRESH_DELAY: '0',
    LOG_LEVEL: 'warn',
  });
  const db = await createDb(databaseUrl);
  bot = await createBot(config, { clock, logger, db, slackTimeoutMs: 5000 });
  // The schedule stays off: the page runs each pass when asked, against the demo clock.
  await bot.start({ scheduler: false });
  botUrl = `http://127.0.0.1:${receiverPort}`;
  // What failed once (it should not, here) is retried, as the schedule would.
  const retry = setInterval(() => void bot?.jobs.deliveries().catch(() => undefined), 2000);
  retry.unref();

  return {
    url: baseUrl,
    workspace,
    clock,
    bot,
    operatorEnv,
    async close() {
      clearInterval(retry);
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bot?.stop();
      if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export class DemoInputError extends Error {}

/** The page's element action, checked and shaped as Slack reports it. */
function elementAction(raw: unknown): ElementAction {
  const a = (raw ?? {}) as Record<string, any>;
  if (typeof a.action_id !== 'string' || typeof a.type !== 'string') throw new DemoInputError('That click did not name an action.');
  const action: ElementAction = { type: a.type, action_id: a.action_id, block_id: String(a.block_id ?? '') };
  if (a.type === 'button' && typeof a.value === 'string') action.value = a.value;
  if ((a.type === 'overflow' || a.type === 'static_select') && typeof a.selected === 'string') {
    action.selected_option = { text: { type: 'plain_text', text: String(a.selectedText ?? a.selected) }, value: a.selected };
  }
  if (a.type === 'users_select' && typeof a.selected === 'string') action.selected_user = a.selected;
  if (a.type === 'datepicker' && typeof a.selected === 'string') action.selected_date = a.selected;
  return action;
}

/** A modal's inputs as Slack's view.state.values: block id → action id → the element's value. */
export function stateValues(raw: unknown): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  if (!Array.isArray(raw)) return values;
  for (const input of raw as Array<Record<string, any>>) {
    const blockId = String(input.block_id ?? '');
    const actionId = String(input.action_id ?? '');
    if (!blockId || !actionId) continue;
    const type = String(input.type ?? 'plain_text_input');
    const value = input.value === undefined || input.value === null || input.value === '' ? null : input.value;
    let entry: Record<string, unknown>;
    switch (type) {
      case 'static_select':
      case 'radio_buttons':
        entry = {
          type,
          selected_option: value === null ? null : { text: { type: 'plain_text', text: String(input.text ?? value) }, value: String(value) },
        };
        break;
      case 'checkboxes':
        entry = {
          type,
          selected_options: (Array.isArray(value) ? value : []).map((v: unknown) => ({
            text: { type: 'plain_text', text: String(v) },
            value: String(v),
          })),
        };
        break;
      case 'users_select':
        entry = { type, selected_user: value };
        break;
      case 'conversations_select':
        entry = { type, selected_conversation: value };
        break;
      case 'multi_users_select':
        entry = { type, selected_users: Array.isArray(value) ? value.map(String) : value === null ? [] : [String(value)] };
        break;
      case 'datepicker':
        entry = { type, selected_date: value };
        break;
      default:
        entry = { type, value };
    }
    values[blockId] = { [actionId]: entry };
  }
  return values;
}

const MESSAGE_TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const CLOCK_LABEL: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

function clockLabel(date: Date, timeZone: string): string {
  return displayDateTimeFormat(timeZone, CLOCK_LABEL).format(date);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = http.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
