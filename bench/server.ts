// Child process: one app under test, listening on 127.0.0.1.
//   BENCH_MODE=bare  a bare Bolt app (HTTP receiver, same signing secret and Web API client
//                    settings as the bot) whose listeners only ack().
//   BENCH_MODE=bot   the real bot: createBot on the database BENCH_DATABASE_URL names, the fake
//                    Slack Web API at BENCH_SLACK_API_URL, no scheduler.
// IPC from the parent: { type: 'stats' } → errors logged so far; { type: 'stop' }.
import os from 'node:os';
import path from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import type { Logger } from '../src/logger';
// Only ids (no code the bot runs): the bare app must not load the bot's modules.
import { Actions, COMMAND, Views } from '../src/slack/ids';

const mode = process.env.BENCH_MODE;
const port = Number(process.env.BENCH_PORT);
const secret = process.env.BENCH_SIGNING_SECRET ?? '';
const slackApiUrl = process.env.BENCH_SLACK_API_URL ?? '';
const databaseUrl = process.env.BENCH_DATABASE_URL ?? '';

const errors: string[] = [];
let errorCount = 0;
function recordError(message: string, fields?: Record<string, unknown>): void {
  errorCount++;
  if (errors.length < 5) errors.push(`${message} ${JSON.stringify(fields ?? {}).slice(0, 400)}`);
}

/** Keeps errors (and warnings, which include delivery retries) for the parent; drops the rest. */
const logger: Logger & { warnings: number } = {
  warnings: 0,
  debug: () => undefined,
  info: () => undefined,
  warn(message, fields) {
    logger.warnings++;
    if (errors.length < 5) errors.push(`warn: ${message} ${JSON.stringify(fields ?? {}).slice(0, 400)}`);
  },
  error: recordError,
};

async function startBare(): Promise<() => Promise<void>> {
  const app = new App({
    token: 'xoxb-bench-token',
    signingSecret: secret,
    // As `npm start` runs the bot: the token is verified once at start. Without it Bolt asks
    // auth.test again for every request, a Web API round trip `npm start` never makes.
    tokenVerificationEnabled: true,
    logLevel: LogLevel.ERROR,
    // The bot's Web API client settings, pointed at the same fake.
    clientOptions: { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 },
  });
  app.command(COMMAND, async ({ ack }) => ack());
  app.view(Views.report, async ({ ack }) => ack());
  app.action(Actions.apologize, async ({ ack }) => ack());
  app.error(async (error) => recordError('bolt error', { error: String(error) }));
  await app.start(port);
  return () => app.stop().then(() => undefined);
}

async function startBot(): Promise<() => Promise<void>> {
  // Loaded here, so the bare app's process holds Bolt alone.
  const { createBot } = await import('../src/bot');
  const { loadConfig } = await import('../src/config');
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: secret,
    SLACK_API_URL: slackApiUrl,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'Europe/Berlin',
    LOG_LEVEL: 'error',
    // Where the bot notes its database: a scratch folder, not the home folder of whoever runs this.
    STATE_DIR: path.join(os.tmpdir(), 'mistakes-bench-state'),
    ...(process.env.BENCH_HOME_REFRESH_DELAY ? { HOME_REFRESH_DELAY: process.env.BENCH_HOME_REFRESH_DELAY } : {}),
    ...(process.env.BENCH_ADMIN_USER_IDS ? { ADMIN_USER_IDS: process.env.BENCH_ADMIN_USER_IDS } : {}),
  });
  // BENCH_COUNT_QUERIES=1 (a separate diagnostic run, not the timed ones): the same SQLite client
  // createDb opens, with Prisma's query events on, to count the statements each request costs.
  const db = process.env.BENCH_COUNT_QUERIES === '1' ? await countingSqlite(databaseUrl) : undefined;
  const bot = await createBot(config, { logger, ...(db ? { db } : {}) });
  await bot.start({ scheduler: false });
  return () => bot.stop();
}

const statements: Record<string, number> = {};

async function countingSqlite(url: string) {
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const { PrismaClient } = await import('../src/generated/prisma/client');
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url, timeout: 5000 }), log: [{ emit: 'event', level: 'query' }] });
  for (const pragma of ['journal_mode = WAL', 'busy_timeout = 5000', 'foreign_keys = ON', 'synchronous = NORMAL', 'cache_size = -4000']) {
    await client.$queryRawUnsafe(`PRAGMA ${pragma}`);
  }
  client.$on('query', (e) => {
    // A leading comment (the urgent mark on a click's insert) is not the verb.
    const verb = /^\s*(?:\/\*.*?\*\/\s*)?(\w+)/.exec(e.query)?.[1]?.toUpperCase() ?? '?';
    statements[verb] = (statements[verb] ?? 0) + 1;
  });
  return client as unknown as import('../src/db/client').Db;
}

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT is not set');
  const stop = mode === 'bare' ? await startBare() : mode === 'bot' ? await startBot() : null;
  if (!stop) throw new Error(`BENCH_MODE must be bare or bot, not ${mode}`);
  process.on('message', (message: { type: string }) => {
    // The parent starts this process with --expose-gc: memory is reported after a full collection.
    if (message.type === 'stats-after-gc') (globalThis as { gc?: () => void }).gc?.();
    if (message.type === 'stats' || message.type === 'stats-after-gc') {
      process.send?.({
        type: message.type,
        errors: errorCount,
        warnings: logger.warnings,
        samples: errors,
        memory: process.memoryUsage(),
        statements: { ...statements },
      });
    }
    if (message.type === 'stop') {
      const timer = setTimeout(() => process.exit(0), 5000);
      void stop().finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
