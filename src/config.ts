// Configuration from the environment (and .env), validated once at start-up.
//
// Every problem is collected before anything is reported: someone setting up the bot should fix
// their .env in one pass, not restart once per missing variable.

import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { providerOf } from './db/url';
import { CHANNEL_ID, USER_GROUP_ID, USER_ID } from './domain/slackIds';
import { parseDuration } from './domain/durations';
import { parseOfficeDays, parseOfficeHoursRange, type OfficeHours } from './domain/officeHours';
import type { Severity, SlaPolicy } from './domain/playbook';
import { cronProblem } from './domain/schedule';
import { isValidTimeZone } from './domain/time';

export type { OfficeHours } from './domain/officeHours';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SlackConfig {
  /** Bot User OAuth Token (xoxb-…). Empty only when Slack isn't required. */
  botToken: string;
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
  logLevel: LogLevel;
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
  SLACK_LATENESS: '2m',
  OFFICE_HOURS: '09:00-18:00',
  OFFICE_DAYS: 'mon-fri',
  LOG_LEVEL: 'info',
} as const;

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

  // Slack.
  const botToken = read('SLACK_BOT_TOKEN');
  if (botToken === undefined) {
    if (requireSlack) fail('SLACK_BOT_TOKEN', 'is missing', 'xoxb-your-bot-token');
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
    if (requireSlack) {
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

  const levelText = withDefault('LOG_LEVEL').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(levelText)) {
    fail('LOG_LEVEL', `"${levelText}" is not one of ${LOG_LEVELS.join(', ')}`, 'info');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const slack: SlackConfig = { botToken: botToken ?? '', signingSecret: signingSecret ?? '' };
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
    logLevel: levelText as LogLevel,
  };
  if (escalationContact !== undefined) config.escalationContact = escalationContact;
  return Object.freeze(config);
}
