// Configuration from the environment (and .env), validated once at start-up.
//
// Every problem is collected before anything is reported: someone setting up the bot should fix
// their .env in one pass, not restart once per missing variable.

import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { providerOf } from './db/url';
import { CHANNEL_ID, USER_GROUP_ID, USER_ID } from './domain/slackIds';
import { parseCurrency } from './domain/customer';
import { parseDuration } from './domain/durations';
import { parseOfficeDays, parseOfficeHoursRange, type OfficeHours } from './domain/officeHours';
import type { Severity, SlaPolicy } from './domain/playbook';
import { cronProblem } from './domain/schedule';
import { isValidTimeZone } from './domain/time';
import { parseKey } from './services/tokenCipher';

export type { OfficeHours } from './domain/officeHours';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * "Add to Slack" (OAuth mode): one deployment serves every workspace that installs it, each with
 * its own token, stored encrypted. Set instead of SLACK_BOT_TOKEN.
 */
export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** Where Slack sends the installer back (must match the app's Redirect URL), when set. */
  redirectUri?: string;
  /** Seals tokens at rest (AES-256-GCM): the current key, then old keys that may still open. */
  encryptionKey: Buffer;
  oldEncryptionKeys: Buffer[];
}

/** The bot scopes an installation asks for (the same as manifest.yml). */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'files:write',
  'users:read',
  'channels:history',
  'groups:history',
  'im:history',
  'im:write',
  'channels:read',
  'groups:read',
];

export interface SlackConfig {
  /** Bot User OAuth Token (xoxb-…). Empty in OAuth mode, and when Slack isn't required. */
  botToken: string;
  /** Set in OAuth mode ("Add to Slack"), where each workspace's token comes from its installation. */
  oauth?: OAuthConfig;
  /** Verifies that HTTP requests come from Slack. Empty only when Slack isn't required. */
  signingSecret: string;
  /** App-level token (xapp-…): when present the bot connects over Socket Mode. */
  appToken?: string;
  /** Web API base URL, always ending in "/api/" (GovSlack, or a test double). */
  apiUrl?: string;
}

export interface Schedules {
  digest: string;
  reminders: string;
  escalations: string;
  deliveries: string;
  /** The weekly insights post; null when `INSIGHTS_CRON=off`. */
  insights: string | null;
}

export interface Config {
  slack: SlackConfig;
  port: number;
  databaseUrl: string;
  escalationChannelId: string;
  digestChannelId: string;
  timezone: string;
  schedules: Schedules;
  sla: SlaPolicy;
  reminderIntervalMs: number;
  escalateAfterMs: number;
  reminderCap: number;
  /** How long a process may hold a delivery or a scheduled run before another may take it over. */
  leaseMs: number;
  /** How long App Home refreshes caused by a change wait, so a burst of changes publishes once. */
  homeRefreshDelayMs: number;
  /**
   * How long after a post whose answer never came Slack may still act on it: until then the
   * bot looks for that post again instead of posting it again.
   */
  slackLatenessMs: number;
  /** Where the bot notes which SQLite database it uses, outside the database's own folder. */
  stateDir: string;
  officeHours: OfficeHours;
  escalationContact?: string;
  adminUserIds: string[];
  /** ISO 4217 code a report's value at risk is in unless the reporter names another. */
  defaultCurrency: string;
  /** How long after the customer was satisfied the owner is asked whether they came back; null: never. */
  checkInAfterMs: number | null;
  logLevel: LogLevel;
  /** Where lifecycle events are POSTed, signed with `secret` (Standard Webhooks); absent: none are. */
  webhook?: { url: string; secret: string };
}

export interface ConfigProblem {
  variable: string;
  /** What is wrong, as a sentence fragment: "is missing", "must start with xoxb-". */
  problem: string;
  /** A valid setting, as a line that could be pasted into .env. */
  example: string;
}

const SLACK_SECRETS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'];

export class ConfigError extends Error {
  declare readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    // Not enumerable, so printing the error shows the readable block once, not again as data.
    Object.defineProperty(this, 'problems', { value: Object.freeze([...problems]), enumerable: false });
    // Whoever prints this (console.error prints .stack) should show the list, not a trace
    // into this file: the fix is in .env, not in the code.
    this.stack = `${this.name}: ${this.message}`;
  }
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const width = Math.max(...problems.map((p) => p.variable.length));
  const lines = problems.map((p) => `  ${p.variable.padEnd(width)}  ${p.problem}. Example: ${p.example}`);
  const text = [`The configuration has ${count}. Set these in .env or the environment, then start again:`, ...lines];
  const missingSlack = problems.filter((p) => SLACK_SECRETS.includes(p.variable) && p.problem.startsWith('is missing')).map((p) => p.variable);
  if (missingSlack.length > 0) {
    text.push(
      '',
      `${missingSlack.join(' and ')} ${missingSlack.length === 1 ? 'comes' : 'come'} from your Slack app. If you have none yet,`,
      'create it from manifest.yml (see README, "Create the Slack app") and install it to your workspace.',
      'Then copy the Bot User OAuth Token (OAuth & Permissions) into SLACK_BOT_TOKEN and the Signing',
      'Secret (Basic Information → App Credentials) into SLACK_SIGNING_SECRET.',
      'To serve several workspaces with "Add to Slack" instead, leave SLACK_BOT_TOKEN unset and set',
      'SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and TOKEN_ENCRYPTION_KEY (see README, "Install in many workspaces (OAuth)").',
    );
  }
  return text.join('\n');
}

/** Loads .env into process.env (variables already set win), without dotenv's banner. */
export function loadDotenv(): void {
  dotenv.config({ quiet: true });
}

// ---------------------------------------------------------------------------------------------

const DEFAULTS = {
  PORT: '3000',
  DATABASE_URL: 'file:./data/mistakes.db',
  TIMEZONE: 'UTC',
  DIGEST_CRON: '0 9 * * 1-5',
  REMINDER_CRON: '*/15 * * * *',
  ESCALATION_CRON: '*/15 * * * *',
  DELIVERY_CRON: '*/10 * * * * *',
  INSIGHTS_CRON: '0 9 * * 1',
  SLA_CRITICAL: '30m',
  SLA_HIGH: '4h',
  SLA_MEDIUM: '1d',
  SLA_LOW: '3d',
  REMINDER_INTERVAL: '4h',
  ESCALATE_AFTER: '1d',
  REMINDER_CAP: '3',
  LEASE: '1m',
  HOME_REFRESH_DELAY: '2s',
  DEFAULT_CURRENCY: 'USD',
  CHECK_IN_AFTER: '30d',
  SLACK_LATENESS: '2m',
  OFFICE_HOURS: '09:00-18:00',
  OFFICE_DAYS: 'mon-fri',
  LOG_LEVEL: 'info',
} as const;

const WEBHOOK_SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What is wrong with a webhook address: it must be https, or http to this machine (for testing). */
function webhookUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  if (url.username || url.password) return 'must not carry a user name or password; the signature proves who sent a webhook';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  if (url.protocol === 'http:') return `must use https (http only to localhost or 127.0.0.1, for testing): "${text}"`;
  return `"${text}" is not an https URL`;
}

/**
 * What is wrong with a webhook secret: Standard Webhooks secrets are whsec_ followed by the
 * base64 of a random key of 24 to 64 bytes.
 */
function webhookSecretProblem(secret: string): string | null {
  if (!secret.startsWith('whsec_')) return 'must be a Standard Webhooks secret: whsec_ followed by base64';
  const key = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) return 'must be whsec_ followed by base64 (A-Z, a-z, 0-9, + and /, = padding)';
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes < 24 || bytes > 64) return `has a key of ${bytes} bytes; it must be 24 to 64 (for example: openssl rand -base64 32, after whsec_)`;
  return null;
}

/** Where state outside the database lives by default: the XDG state folder of the user running the bot. */
function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME?.trim() || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'mistake-recovery');
}

/**
 * Reads and validates the configuration. Throws a ConfigError listing every missing or invalid
 * variable. With `requireSlack: false` (jobs and scripts that never call Slack) the Slack
 * credentials and the escalation channel may be absent and are then empty strings.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options?: { requireSlack?: boolean }): Config {
  const requireSlack = options?.requireSlack ?? true;
  const problems: ConfigProblem[] = [];
  const fail = (variable: string, problem: string, example: string): void => {
    problems.push({ variable, problem, example: `${variable}=${example}` });
  };
  // `FOO=` in .env means "not set", as in most tools: it must not disable a default.
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const withDefault = (name: keyof typeof DEFAULTS): string => read(name) ?? DEFAULTS[name];

  // Slack: one workspace (SLACK_BOT_TOKEN), or any that installs the app (OAuth, "Add to Slack").
  const botToken = read('SLACK_BOT_TOKEN');
  const oauthNames = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthSet = oauthNames.filter((name) => read(name) !== undefined);
  const oauthMode = oauthSet.length > 0;
  const twoModes =
    'the bot runs either for one workspace (SLACK_BOT_TOKEN) or for every workspace that installs it with "Add to Slack" (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET), not both';
  if (oauthMode) {
    for (const name of oauthNames) {
      if (read(name) === undefined) {
        fail(
          name,
          `is missing: "Add to Slack" needs ${oauthNames.join(', ')} together (${oauthSet.join(', ')} ${oauthSet.length === 1 ? 'is' : 'are'} set)`,
          {
            SLACK_CLIENT_ID: '1234567890.1234567890',
            SLACK_CLIENT_SECRET: 'your-client-secret',
            SLACK_STATE_SECRET: 'a-long-random-string',
          }[name],
        );
      }
    }
    if (botToken !== undefined)
      fail('SLACK_BOT_TOKEN', `must be unset when ${oauthSet.join(', ')} ${oauthSet.length === 1 ? 'is' : 'are'} set: ${twoModes}`, '');
  }
  const encryptionText = read('TOKEN_ENCRYPTION_KEY');
  let encryptionKey: Buffer | null = null;
  if (encryptionText === undefined) {
    if (oauthMode)
      fail(
        'TOKEN_ENCRYPTION_KEY',
        'is missing: "Add to Slack" stores each workspace\'s token encrypted with it (32 bytes, base64)',
        '$(openssl rand -base64 32)',
      );
  } else {
    const key = parseKey(encryptionText);
    if (typeof key === 'string') fail('TOKEN_ENCRYPTION_KEY', key, '$(openssl rand -base64 32)');
    else encryptionKey = key;
  }
  const oldKeys: Buffer[] = [];
  const oldKeysText = read('TOKEN_ENCRYPTION_OLD_KEYS');
  if (oldKeysText !== undefined) {
    if (encryptionText === undefined)
      fail(
        'TOKEN_ENCRYPTION_OLD_KEYS',
        'is set without TOKEN_ENCRYPTION_KEY: old keys only read what they sealed, the current key is needed too',
        '',
      );
    oldKeysText
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '')
      .forEach((text, index) => {
        const key = parseKey(text);
        if (typeof key === 'string') fail('TOKEN_ENCRYPTION_OLD_KEYS', `key ${index + 1} ${key}`, 'old-key-1-base64,old-key-2-base64');
        else oldKeys.push(key);
      });
  }
  const redirectUri = read('SLACK_REDIRECT_URI');
  if (redirectUri !== undefined) {
    if (!oauthMode) fail('SLACK_REDIRECT_URI', 'is only used with "Add to Slack" (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET)', '');
    else if (!/^https?:\/\/[^/]+\/slack\/oauth_redirect$/.test(redirectUri)) {
      fail(
        'SLACK_REDIRECT_URI',
        `"${redirectUri}" must be this bot's address followed by /slack/oauth_redirect`,
        'https://bot.example.com/slack/oauth_redirect',
      );
    }
  }
  if (botToken === undefined) {
    if (requireSlack && !oauthMode) fail('SLACK_BOT_TOKEN', 'is missing', 'xoxb-your-bot-token');
  } else if (!botToken.startsWith('xoxb-')) {
    fail(
      'SLACK_BOT_TOKEN',
      `must be the Bot User OAuth Token, which starts with xoxb- (this one starts with "${botToken.slice(0, 5)}")`,
      'xoxb-your-bot-token',
    );
  }
  const signingSecret = read('SLACK_SIGNING_SECRET');
  if (signingSecret === undefined) {
    if (requireSlack) fail('SLACK_SIGNING_SECRET', 'is missing', 'your-signing-secret');
  } else if (/^xox|^xapp-/.test(signingSecret)) {
    fail('SLACK_SIGNING_SECRET', 'looks like a token; the Signing Secret is under Basic Information → App Credentials', 'your-signing-secret');
  }
  const appToken = read('SLACK_APP_TOKEN');
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    fail('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (or be left unset for HTTP mode)', 'xapp-your-app-token');
  } else if (appToken !== undefined && oauthMode) {
    fail(
      'SLACK_APP_TOKEN',
      'must be unset with "Add to Slack": installing runs over HTTP (/slack/install and /slack/oauth_redirect need a public URL), so the bot runs in HTTP mode',
      '',
    );
  }
  let apiUrl = read('SLACK_API_URL');
  if (apiUrl !== undefined) {
    if (!apiUrl.endsWith('/')) apiUrl += '/';
    let url: URL | null = null;
    try {
      url = new URL(apiUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.pathname.endsWith('/api/')) {
      fail('SLACK_API_URL', `"${read('SLACK_API_URL')}" is not a Web API base URL ending in /api/`, 'https://slack-gov.com/api/');
    }
  }

  // Server and storage.
  const portText = withDefault('PORT');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    fail('PORT', `"${portText}" is not a port number from 1 to 65535`, '3000');
  }
  const databaseUrl = withDefault('DATABASE_URL');
  if (providerOf(databaseUrl) === 'postgresql') {
    try {
      new URL(databaseUrl);
    } catch {
      fail('DATABASE_URL', 'is not a valid PostgreSQL connection URL', 'postgresql://bot:secret@db.internal:5432/mistakes');
    }
  } else if (!/^file:.+/.test(databaseUrl)) {
    fail('DATABASE_URL', 'must be a SQLite file (file:…) or a PostgreSQL URL (postgresql://…)', DEFAULTS.DATABASE_URL);
  }

  // Where the bot posts.
  const escalationChannelId = read('ESCALATION_CHANNEL_ID');
  const channelHint = "use the channel's ID (channel name → About, at the bottom), not its name";
  if (escalationChannelId === undefined) {
    // With "Add to Slack" each workspace's admins choose their channel in Settings.
    if (requireSlack && !oauthMode) {
      fail('ESCALATION_CHANNEL_ID', `is missing: the channel where mistake cards are posted; ${channelHint}`, 'C0123ABCDEF');
    }
  } else if (!CHANNEL_ID.test(escalationChannelId)) {
    fail('ESCALATION_CHANNEL_ID', `"${escalationChannelId}" is not a channel ID; ${channelHint}`, 'C0123ABCDEF');
  }
  const digestChannelId = read('DIGEST_CHANNEL_ID');
  if (digestChannelId !== undefined && !CHANNEL_ID.test(digestChannelId)) {
    fail('DIGEST_CHANNEL_ID', `"${digestChannelId}" is not a channel ID; ${channelHint}`, 'C0456DIGEST');
  }
  const timezone = withDefault('TIMEZONE');
  if (!isValidTimeZone(timezone)) {
    fail('TIMEZONE', `"${timezone}" is not an IANA timezone name`, 'Europe/Berlin');
  }

  // Schedules.
  const cron = (name: 'DIGEST_CRON' | 'REMINDER_CRON' | 'ESCALATION_CRON' | 'DELIVERY_CRON' | 'INSIGHTS_CRON', example: string): string => {
    const expression = withDefault(name);
    // One reading of the expression fires the jobs and computes their slots; it is checked here once.
    const problem = cronProblem(expression);
    if (problem) fail(name, problem, example);
    return expression;
  };
  const schedules: Schedules = {
    digest: cron('DIGEST_CRON', '"0 9 * * 1-5"'),
    reminders: cron('REMINDER_CRON', '"*/15 * * * *"'),
    escalations: cron('ESCALATION_CRON', '"*/15 * * * *"'),
    deliveries: cron('DELIVERY_CRON', '"*/10 * * * * *"'),
    insights: withDefault('INSIGHTS_CRON').toLowerCase() === 'off' ? null : cron('INSIGHTS_CRON', '"0 9 * * 1" (or off)'),
  };

  // Urgency and reminders.
  const duration = (name: keyof typeof DEFAULTS, example: string): number => {
    const text = withDefault(name);
    const ms = parseDuration(text);
    if (ms === null) {
      fail(name, `"${text}" is not a duration (like 30m, 4h, 1d, 1h30m, or 0 for immediately)`, example);
      return 0;
    }
    return ms;
  };
  const stepMs: Record<Severity, number> = {
    critical: duration('SLA_CRITICAL', '30m'),
    high: duration('SLA_HIGH', '4h'),
    medium: duration('SLA_MEDIUM', '1d'),
    low: duration('SLA_LOW', '3d'),
  };
  const reminderIntervalMs = duration('REMINDER_INTERVAL', '4h');
  const escalateAfterMs = duration('ESCALATE_AFTER', '1d');
  const leaseMs = duration('LEASE', '1m');
  if (leaseMs > 0 && leaseMs < 1000) fail('LEASE', 'must be at least 1s', '1m');
  const homeRefreshDelayMs = duration('HOME_REFRESH_DELAY', '5s');
  if (homeRefreshDelayMs > 60_000) fail('HOME_REFRESH_DELAY', 'must be 1m or less: App Home would lag behind', '2s');
  const slackLatenessMs = duration('SLACK_LATENESS', '2m');
  if (slackLatenessMs > 60 * 60_000) fail('SLACK_LATENESS', 'must be 1h or less: a lost post would wait that long', '2m');
  const stateDir = path.resolve(read('STATE_DIR') ?? defaultStateDir(env));
  const capText = withDefault('REMINDER_CAP');
  const reminderCap = Number(capText);
  if (!/^\d+$/.test(capText) || reminderCap < 1) {
    fail('REMINDER_CAP', `"${capText}" is not a whole number of reminders, 1 or more`, '3');
  }

  const hoursText = withDefault('OFFICE_HOURS');
  const range = parseOfficeHoursRange(hoursText);
  if (typeof range === 'string') fail('OFFICE_HOURS', range.replace(/\.$/, ''), '09:00-18:00');
  const daysText = withDefault('OFFICE_DAYS');
  const days = parseOfficeDays(daysText);
  if (typeof days === 'string') fail('OFFICE_DAYS', days.replace(/\.$/, ''), 'mon-fri');

  // People.
  const escalationContact = read('ESCALATION_CONTACT');
  if (escalationContact !== undefined && !USER_ID.test(escalationContact) && !USER_GROUP_ID.test(escalationContact)) {
    fail(
      'ESCALATION_CONTACT',
      `"${escalationContact}" is not a user ID (U…/W…) or user group ID (S…); copy it from the profile's "Copy member ID", not the @name`,
      'U0123ABCDEF',
    );
  }
  const currencyText = withDefault('DEFAULT_CURRENCY');
  const defaultCurrency = parseCurrency(currencyText) ?? 'USD';
  if (!parseCurrency(currencyText)) fail('DEFAULT_CURRENCY', `"${currencyText}" is not an ISO 4217 currency code`, 'EUR');

  const checkInText = withDefault('CHECK_IN_AFTER');
  let checkInAfterMs: number | null = null;
  if (checkInText.toLowerCase() !== 'off') {
    checkInAfterMs = parseDuration(checkInText);
    if (checkInAfterMs === null || checkInAfterMs < 60_000) {
      fail('CHECK_IN_AFTER', `"${checkInText}" is not a duration of 1m or more (like 30d or 2w), or off`, '30d');
      checkInAfterMs = null;
    }
  }

  const adminText = read('ADMIN_USER_IDS') ?? '';
  const adminUserIds = [
    ...new Set(
      adminText
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    ),
  ];
  const badAdmins = adminUserIds.filter((id) => !USER_ID.test(id));
  if (badAdmins.length > 0) {
    fail(
      'ADMIN_USER_IDS',
      `${badAdmins.map((id) => `"${id}"`).join(', ')} ${badAdmins.length === 1 ? 'is not a user ID' : 'are not user IDs'} (U… or W…, comma-separated)`,
      'U0123ABCDEF,U0456GHIJKL',
    );
  }

  // Webhooks.
  const webhookUrl = read('WEBHOOK_URL');
  const webhookSecret = read('WEBHOOK_SECRET');
  const urlProblem = webhookUrl === undefined ? null : webhookUrlProblem(webhookUrl);
  if (urlProblem) fail('WEBHOOK_URL', urlProblem, 'https://hooks.example.com/mistakes');
  const secretProblem = webhookSecret === undefined ? null : webhookSecretProblem(webhookSecret);
  if (secretProblem) fail('WEBHOOK_SECRET', secretProblem, WEBHOOK_SECRET_EXAMPLE);
  if (webhookUrl !== undefined && webhookSecret === undefined) {
    fail('WEBHOOK_SECRET', 'is missing: webhooks are always signed, so WEBHOOK_URL needs a secret', WEBHOOK_SECRET_EXAMPLE);
  }
  if (webhookSecret !== undefined && webhookUrl === undefined) {
    fail('WEBHOOK_URL', 'is missing: WEBHOOK_SECRET is set but there is nowhere to send webhooks', 'https://hooks.example.com/mistakes');
  }

  const levelText = withDefault('LOG_LEVEL').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(levelText)) {
    fail('LOG_LEVEL', `"${levelText}" is not one of ${LOG_LEVELS.join(', ')}`, 'info');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const slack: SlackConfig = { botToken: botToken ?? '', signingSecret: signingSecret ?? '' };
  if (oauthMode && encryptionKey) {
    slack.oauth = Object.freeze({
      clientId: read('SLACK_CLIENT_ID')!,
      clientSecret: read('SLACK_CLIENT_SECRET')!,
      stateSecret: read('SLACK_STATE_SECRET')!,
      ...(redirectUri !== undefined ? { redirectUri } : {}),
      encryptionKey,
      oldEncryptionKeys: oldKeys,
    });
  }
  if (appToken !== undefined) slack.appToken = appToken;
  if (apiUrl !== undefined) slack.apiUrl = apiUrl;
  const officeHours = range as { startMinute: number; endMinute: number };

  const config: Config = {
    slack: Object.freeze(slack),
    port,
    databaseUrl,
    escalationChannelId: escalationChannelId ?? '',
    digestChannelId: digestChannelId ?? escalationChannelId ?? '',
    timezone,
    schedules: Object.freeze(schedules),
    sla: Object.freeze({ stepMs: Object.freeze(stepMs) }),
    reminderIntervalMs,
    escalateAfterMs,
    reminderCap,
    leaseMs,
    homeRefreshDelayMs,
    slackLatenessMs,
    stateDir,
    officeHours: Object.freeze({
      startMinute: officeHours.startMinute,
      endMinute: officeHours.endMinute,
      days: Object.freeze(days as number[]) as number[],
    }),
    adminUserIds: Object.freeze(adminUserIds) as string[],
    defaultCurrency,
    checkInAfterMs,
    logLevel: levelText as LogLevel,
  };
  if (escalationContact !== undefined) config.escalationContact = escalationContact;
  if (webhookUrl !== undefined && webhookSecret !== undefined) config.webhook = Object.freeze({ url: webhookUrl, secret: webhookSecret });
  return Object.freeze(config);
}
