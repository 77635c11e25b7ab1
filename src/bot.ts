import { App, LogLevel, type CustomRoute } from '@slack/bolt';
import type { Config } from './config';
import { createDb, isDatabaseReachable, type Db } from './db/client';
import { createLogger, type Logger } from './logger';
import { DeliveryWorker } from './notify/deliveries';
import { SlackRenderer } from './notify/render';
import { systemClock, type Clock } from './services/clock';
import { MistakeService } from './services/mistakes';
import { MistakeQueries } from './services/queries';
import { SettingsService, type WorkspaceDefaults } from './services/settings';
import type { BotDeps } from './slack/deps';
import { Jobs } from './jobs';
import { startScheduler } from './jobs/scheduler';
import { slackTimeZones } from './notify/people';
import { ReminderService } from './services/reminders';
import { registerListeners } from './slack/listeners';
import { boltLogger } from './slack/boltLogger';
import { createHttpReceiver } from './slack/receiver';

export interface Bot {
  app: App;
  deps: BotDeps;
  worker: DeliveryWorker;
  jobs: Jobs;
  /** Starts the receiver and, unless `scheduler: false`, the scheduled passes. */
  start(options?: { scheduler?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface BotOptions {
  clock?: Clock;
  logger?: Logger;
  db?: Db;
  /** Tests turn off Bolt's auth.test at start-up (their fake Web API answers it anyway). */
  tokenVerificationEnabled?: boolean;
  /** How long one Web API call may take before it counts as failed (tests shorten it). */
  slackTimeoutMs?: number;
}

export function workspaceDefaults(config: Config): WorkspaceDefaults {
  return {
    escalationChannelId: config.escalationChannelId,
    digestChannelId: config.digestChannelId,
    timezone: config.timezone,
    sla: config.sla,
    reminderIntervalMs: config.reminderIntervalMs,
    escalateAfterMs: config.escalateAfterMs,
    reminderCap: config.reminderCap,
    officeHours: config.officeHours,
    escalationContact: config.escalationContact,
    adminUserIds: config.adminUserIds,
  };
}

const BOLT_LOG_LEVEL = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/** Wires the bot together: database, services, the Bolt app and its receiver, the delivery worker. */
export async function createBot(config: Config, options: BotOptions = {}): Promise<Bot> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await createDb(config.databaseUrl));
  const settings = new SettingsService(db, workspaceDefaults(config), 30_000, clock);
  const mistakes = new MistakeService(db, settings, clock, { homeRefreshDelayMs: config.homeRefreshDelayMs });
  const queries = new MistakeQueries(db);

  let worker: DeliveryWorker | null = null;
  const health: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      void (async () => {
        const database = await isDatabaseReachable(db);
        const deliveries = database && worker ? await worker.health().catch(() => null) : null;
        res.writeHead(database ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: database, database: database ? 'reachable' : 'unreachable', deliveries }));
      })();
    },
  };

  const socketMode = Boolean(config.slack.appToken);
  const slackLogger = boltLogger(logger, config.logLevel);
  const app = new App({
    token: config.slack.botToken,
    ...(socketMode
      ? {
          signingSecret: config.slack.signingSecret,
          socketMode: true,
          appToken: config.slack.appToken,
          installerOptions: { port: config.port },
          customRoutes: [health],
        }
      : {
          receiver: createHttpReceiver({
            signingSecret: config.slack.signingSecret,
            customRoutes: [health],
            logger: slackLogger,
            logLevel: BOLT_LOG_LEVEL[config.logLevel],
          }),
        }),
    logger: slackLogger,
    logLevel: BOLT_LOG_LEVEL[config.logLevel],
    tokenVerificationEnabled: options.tokenVerificationEnabled ?? true,
    clientOptions: {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      // WebClient's default policy retries for about 30 minutes and pauses its whole queue on a
      // 429. Our outbox retries durably instead, so calls fail fast: a 429 rejects at once with
      // its Retry-After (the delivery waits that long, the others carry on), and a handler is
      // never stuck behind Slack while a person waits for their click to answer.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.slackTimeoutMs ?? 10_000,
    },
  });

  const reminders = new ReminderService(db, settings, clock);
  const renderer = new SlackRenderer(db, queries, settings, reminders, clock, app.client);
  worker = new DeliveryWorker(db, app.client, renderer, clock, logger, {
    leaseMs: config.leaseMs,
    // The App Home refreshes a change queued fall due this long after it: look again then.
    followUpMs: config.homeRefreshDelayMs,
  });
  const jobs = new Jobs({
    db,
    clock,
    logger,
    settings,
    mistakes,
    reminders,
    worker,
    schedules: config.schedules,
    timeZoneOf: slackTimeZones(app.client),
    owner: worker.workerId,
    leaseMs: config.leaseMs,
  });
  let stopScheduler: (() => Promise<void>) | null = null;
  const deps: BotDeps = { db, clock, logger, settings, mistakes, queries, deliveries: worker };
  registerListeners(app, deps);
  app.error(async (error) => {
    logger.error('unhandled listener error', { error: error.stack ?? String(error) });
  });

  return {
    app,
    deps,
    worker,
    jobs,
    async start(options = {}) {
      await settings.applyDefaults();
      if (socketMode) await app.start();
      else await app.start(config.port);
      logger.info('bot started', { mode: socketMode ? 'socket' : 'http', port: config.port });
      if (options.scheduler !== false) stopScheduler = startScheduler(jobs, config.schedules, config.timezone, logger);
      worker!.kick();
    },
    async stop() {
      await stopScheduler?.();
      await app.stop().catch(() => undefined);
      await db.$disconnect();
    },
  };
}
