import { App, LogLevel, type CustomRoute } from '@slack/bolt';
import type { Config } from './config';
import { createDb, fileGuardOf, providerOf, type Db } from './db/client';
import { DatabaseHealth, type DatabaseReport } from './db/health';
import { createLogger, type Logger } from './logger';
import { DeliveryWorker } from './notify/deliveries';
import { WebhookWorker } from './notify/webhooks';
import { SlackRenderer } from './notify/render';
import { systemClock, type Clock } from './services/clock';
import { InteractionService } from './services/interactions';
import { MistakeService } from './services/mistakes';
import { MistakeQueries } from './services/queries';
import { Outbox } from './services/outbox';
import { ScheduledRuns } from './services/scheduledRuns';
import { SentMessages } from './services/sentMessages';
import { SettingsService, type WorkspaceDefaults } from './services/settings';
import type { BotDeps } from './slack/deps';
import { Jobs } from './jobs';
import { startScheduler } from './jobs/scheduler';
import { slackTimeZones } from './notify/people';
import { ReminderService } from './services/reminders';
import { APPLYING_AT_ONCE, ClickApplier } from './slack/clicks';
import { Intake } from './slack/intake';
import { registerListeners } from './slack/listeners';
import { boltLogger } from './slack/boltLogger';
import { registerWorkspaceGuard, type InstalledWorkspace } from './slack/listeners/workspace';
import { createHttpReceiver } from './slack/receiver';
import { refusalOf } from './slack/refusals';
import { BOT_SCOPES } from './config';
import { perWorkspace, singleWorkspace, type SlackClients } from './notify/clients';
import { DatabaseStateStore, Installations } from './services/installations';
import { TokenCipher } from './services/tokenCipher';
import { installPage, installPages } from './slack/installPages';

export interface Bot {
  app: App;
  /** The database the services use (the Slack layer never sees it). */
  db: Db;
  deps: BotDeps;
  /** What the bot has queued to post, and how each post went. */
  outbox: Outbox;
  worker: DeliveryWorker;
  jobs: Jobs;
  /** Applies clicks that were stored but not applied (their process died, or the database failed). */
  clicks: ClickApplier;
  /** The workspace the bot token belongs to, once `start` has asked Slack (null in OAuth mode). */
  installed(): InstalledWorkspace | null;
  /** OAuth mode: the installations made with "Add to Slack" (null with SLACK_BOT_TOKEN). */
  installations: Installations | null;
  /** The Web API client of each workspace. */
  clients: SlackClients;
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
    defaultCurrency: config.defaultCurrency,
    checkInAfterMs: config.checkInAfterMs,
  };
}

// How often the SQLite file is looked at (health checks look too), and stored clicks whose lease ran out.
const FILE_CHECK_MS = 5000;
const CLICK_RECOVERY_MS = 5000;
/** How long stopping waits for the delivery pass under way (Slack answers within its own timeout). */
const STOP_DELIVERIES_MS = 5000;

/**
 * Asks Slack which workspace the bot token belongs to. Slack may be briefly unreachable while the
 * bot starts: it is asked again for a while before giving up with a reason.
 */
async function identifyWorkspace(app: App, logger: Logger): Promise<InstalledWorkspace> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 6; attempt++) {
    try {
      const identity = await app.client.auth.test();
      if (!identity.team_id && !identity.enterprise_id) throw new Error('auth.test named no workspace');
      const workspace: InstalledWorkspace = { teamId: identity.team_id ?? '' };
      if (identity.is_enterprise_install && identity.enterprise_id) workspace.enterpriseId = identity.enterprise_id;
      return workspace;
    } catch (error) {
      lastError = error;
      logger.warn('could not ask Slack which workspace this bot is installed in; trying again', { attempt, error: String(error) });
      await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
    }
  }
  throw new Error(
    `Slack did not say which workspace SLACK_BOT_TOKEN belongs to (auth.test): ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

const BOLT_LOG_LEVEL = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/** Wires the bot together: database, services, the Bolt app and its receiver, the delivery worker. */
export async function createBot(config: Config, options: BotOptions = {}): Promise<Bot> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await createDb(config.databaseUrl, { stateDir: config.stateDir }));
  const settings = new SettingsService(db, workspaceDefaults(config), 30_000, clock);
  const mistakes = new MistakeService(db, settings, clock, { homeRefreshDelayMs: config.homeRefreshDelayMs, webhooks: Boolean(config.webhook) });
  const queries = new MistakeQueries(db, logger);
  const outbox = new Outbox(db, logger);
  const oauth = config.slack.oauth;
  const installations = oauth ? new Installations(db, new TokenCipher(oauth.encryptionKey, oauth.oldEncryptionKeys), logger, clock) : null;
  let clients: SlackClients | null = null;

  let worker: DeliveryWorker | null = null;
  let interactions: InteractionService | null = null;
  const databaseHealth = new DatabaseHealth(db);
  let lastReport: DatabaseReport | null = null;
  const health: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      void (async () => {
        let status = 503;
        let body: Record<string, unknown>;
        try {
          const database = await databaseHealth.check();
          noteDatabase(database);
          const reachable = database.database === 'reachable';
          const [deliveries, clicks, workspaces] = await Promise.all([
            reachable && worker ? worker.health().catch(() => null) : null,
            reachable && interactions ? interactions.health().catch(() => null) : null,
            reachable ? workspaceHealth().catch(() => null) : null,
          ]);
          status = database.ok ? 200 : 503;
          body = { ...database, deliveries, clicks, workspaces };
        } catch (error) {
          body = { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      })();
    },
  };
  /** How many workspaces the bot serves, and which of them Slack refuses the token of. */
  async function workspaceHealth(): Promise<{ installed: number; uninstalled?: number; tokenRefused: string[] }> {
    const refused = clients?.refused() ?? [];
    if (!installations) return { installed: installed ? 1 : 0, tokenRefused: refused };
    const stored = await installations.health();
    return { ...stored, tokenRefused: [...new Set([...stored.tokenRefused, ...refused])].sort() };
  }
  /** A change in what the database lets us do is logged once, not on every health check. */
  function noteDatabase(report: DatabaseReport): void {
    const was = lastReport;
    lastReport = report;
    if (was && was.ok === report.ok && was.writes === report.writes && was.file === report.file) return;
    if (report.ok) {
      if (was) logger.info('database writes succeed again', {});
    } else {
      logger.error('database does not accept writes', { database: report.database, writes: report.writes, file: report.file, error: report.error });
    }
  }

  const socketMode = Boolean(config.slack.appToken);
  /** The Slack requests being answered; applying clicks and sending deliveries let them go first. */
  const intake = new Intake();
  const slackLogger = boltLogger(logger, config.logLevel);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // WebClient's default policy retries for about 30 minutes and pauses its whole queue on a
    // 429. Our outbox retries durably instead, so calls fail fast: a 429 rejects at once with
    // its Retry-After (the delivery waits that long, the others carry on), and a handler is
    // never stuck behind Slack while a person waits for their click to answer.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.slackTimeoutMs ?? 10_000,
  };
  // "Add to Slack" with Bolt's OAuth support: /slack/install and /slack/oauth_redirect, and every
  // request authorized with its workspace's installation.
  const oauthOptions =
    oauth && installations
      ? {
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          stateSecret: oauth.stateSecret,
          scopes: BOT_SCOPES,
          installationStore: installations,
          ...(oauth.redirectUri ? { redirectUri: oauth.redirectUri } : {}),
          installerOptions: {
            stateStore: new DatabaseStateStore(db, oauth.stateSecret, clock),
            callbackOptions: installPages,
            renderHtmlForInstallPath: installPage,
            clientOptions: { ...clientOptions, logger: slackLogger },
          },
        }
      : {};
  const app = new App({
    ...(oauth ? {} : { token: config.slack.botToken }),
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
            intake,
            customRoutes: [health],
            logger: slackLogger,
            logLevel: BOLT_LOG_LEVEL[config.logLevel],
            ...oauthOptions,
          }),
        }),
    logger: slackLogger,
    logLevel: BOLT_LOG_LEVEL[config.logLevel],
    tokenVerificationEnabled: options.tokenVerificationEnabled ?? true,
    // Bolt's per-conversation state is not used (everything lives in the database); its default
    // store looks every request's conversation up and makes an error for each it does not hold.
    convoStore: false,
    clientOptions,
  });
  clients = installations ? perWorkspace(installations, { ...clientOptions, logger: slackLogger }) : singleWorkspace(app.client);

  const reminders = new ReminderService(db, settings, clock);
  const renderer = new SlackRenderer(queries, new SentMessages(db, logger), outbox, settings, reminders, clock, clients);
  worker = new DeliveryWorker(outbox, clients, renderer, clock, logger, {
    leaseMs: config.leaseMs,
    latenessMs: config.slackLatenessMs,
    // The App Home refreshes a change queued fall due this long after it: look again then.
    followUpMs: config.homeRefreshDelayMs,
    // Always there: with no WEBHOOK_URL it only clears webhooks queued before it was unset.
    webhooks: new WebhookWorker(outbox, config.webhook ?? null, clock, logger, { leaseMs: config.leaseMs }),
    intake,
  });
  interactions = new InteractionService(db, clock, { owner: worker.workerId, leaseMs: config.leaseMs, logger });
  const jobs = new Jobs({
    clock,
    logger,
    settings,
    mistakes,
    queries,
    reminders,
    runs: new ScheduledRuns(db, outbox, logger),
    outbox,
    worker,
    schedules: config.schedules,
    timeZoneOf: slackTimeZones(clients),
    owner: worker.workerId,
    leaseMs: config.leaseMs,
  });
  let stopScheduler: (() => Promise<void>) | null = null;
  const base = { clock, logger, settings, mistakes, queries, deliveries: worker, interactions };
  const clicks = new ClickApplier(base, clients, APPLYING_AT_ONCE[providerOf(config.databaseUrl)], intake);
  const deps: BotDeps = { ...base, clicks, installations };
  let installed: InstalledWorkspace | null = null;
  let identifying: Promise<InstalledWorkspace> | null = null;
  /** Which workspace the token belongs to, asked of Slack once (again if that failed). */
  const identify = () =>
    (identifying ??= identifyWorkspace(app, logger).then(
      (workspace) => (installed = workspace),
      (error: unknown) => {
        identifying = null;
        throw error;
      },
    ));
  // Scheduled passes, and operator passes run without start(), serve the installed workspace only
  // (in OAuth mode: every workspace the app is installed in now, not one it was uninstalled from).
  settings.serveOnly(
    installations
      ? () => installations.servedTeams()
      : async () => {
          const workspace = await identify();
          return workspace.enterpriseId ? null : workspace.teamId;
        },
  );
  if (installations) settings.installersFrom((teamId) => installations.installerOf(teamId));
  registerWorkspaceGuard(app, installations ? { installations } : () => installed, logger);
  registerListeners(app, deps);
  app.error(async (error) => {
    // Answered with its own HTTP status by the receiver.
    if (refusalOf(error)) throw error;
    logger.error('unhandled listener error', { error: error.stack ?? String(error) });
  });
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, work: () => Promise<unknown> | unknown) => {
    const timer = setInterval(
      () =>
        void Promise.resolve()
          .then(work)
          .catch(() => undefined),
      ms,
    );
    timer.unref?.();
    timers.push(timer);
  };

  return {
    app,
    db,
    deps,
    outbox,
    worker,
    jobs,
    clicks,
    installed: () => installed,
    installations,
    clients,
    async start(options = {}) {
      if (!installations) await identify();
      // After a key rotation every stored token is sealed again with the current key.
      else await installations.resealAll();
      const guard = fileGuardOf(db);
      if (guard) {
        every(FILE_CHECK_MS, () => {
          const was = guard.reason;
          if (guard.check() !== 'ok' && !was) logger.error('database file is gone; refusing writes', { reason: guard.reason });
        });
      }
      await settings.applyDefaults();
      if (socketMode) await app.start();
      else await app.start(config.port);
      logger.info('bot started', { mode: socketMode ? 'socket' : 'http', port: config.port });
      if (options.scheduler !== false) {
        stopScheduler = startScheduler(jobs, config.schedules, config.timezone, logger);
        // Clicks whose process died before applying them: at start, and every few seconds.
        void clicks.recover().catch((error: unknown) => logger.error('click recovery failed', { error: String(error) }));
        every(CLICK_RECOVERY_MS, () => clicks.recover());
      }
      worker!.kick();
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await stopScheduler?.();
      await app.stop().catch(() => undefined);
      // Clicks already answered are applied before the database goes (a crash leaves them to recovery).
      await clicks.settled();
      // What is due is sent (bounded) before the connection closes, and what the pass under way
      // claimed but did not start is given back: it would otherwise stay claimed until its lease
      // runs out, and wait that long.
      await worker?.stop(STOP_DELIVERIES_MS);
      await db.$disconnect();
    },
  };
}
