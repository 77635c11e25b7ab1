import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { ConfigError, loadConfig, loadDotenv, type Config } from '../src/config';

const VALID = {
  SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
  SLACK_SIGNING_SECRET: 'test-signing-secret',
  ESCALATION_CHANNEL_ID: 'C0123ABCD',
};

const ALL_VARIABLES = [
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'LEASE',
  'HOME_REFRESH_DELAY',
  'SLACK_LATENESS',
  'STATE_DIR',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'SLACK_CLIENT_ID',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SLACK_REDIRECT_URI',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_OLD_KEYS',
  'PORT',
  'DATABASE_URL',
  'ESCALATION_CHANNEL_ID',
  'DIGEST_CHANNEL_ID',
  'TIMEZONE',
  'DIGEST_CRON',
  'REMINDER_CRON',
  'ESCALATION_CRON',
  'DELIVERY_CRON',
  'INSIGHTS_CRON',
  'SLA_CRITICAL',
  'SLA_HIGH',
  'SLA_MEDIUM',
  'SLA_LOW',
  'REMINDER_INTERVAL',
  'ESCALATE_AFTER',
  'REMINDER_CAP',
  'OFFICE_HOURS',
  'OFFICE_DAYS',
  'ESCALATION_CONTACT',
  'ADMIN_USER_IDS',
  'DEFAULT_CURRENCY',
  'CHECK_IN_AFTER',
  'LOG_LEVEL',
];

const load = (extra: Record<string, string> = {}): Config => loadConfig({ ...VALID, ...extra });

/** The ConfigError thrown for `env`, or a failure when none is. */
function errorFor(env: Record<string, string>, options?: { requireSlack?: boolean }): ConfigError {
  try {
    loadConfig(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const problemVariables = (error: ConfigError): string[] => error.problems.map((p) => p.variable);

describe('loadConfig: defaults', () => {
  it('fills in every default from a minimal environment', () => {
    const config = load();
    expect(config).toEqual({
      slack: { botToken: 'xoxb-test-bot-token', signingSecret: 'test-signing-secret' },
      port: 3000,
      databaseUrl: 'file:./data/mistakes.db',
      defaultCurrency: 'USD',
      checkInAfterMs: 30 * 24 * 3_600_000,
      escalationChannelId: 'C0123ABCD',
      digestChannelId: 'C0123ABCD',
      timezone: 'UTC',
      schedules: {
        digest: '0 9 * * 1-5',
        reminders: '*/15 * * * *',
        insights: '0 9 * * 1',
        escalations: '*/15 * * * *',
        deliveries: '*/10 * * * * *',
      },
      sla: { stepMs: { critical: 30 * 60_000, high: 4 * 3_600_000, medium: 86_400_000, low: 3 * 86_400_000 } },
      reminderIntervalMs: 4 * 3_600_000,
      escalateAfterMs: 86_400_000,
      leaseMs: 60_000,
      homeRefreshDelayMs: 2000,
      slackLatenessMs: 2 * 60_000,
      stateDir: path.join(os.homedir(), '.local', 'state', 'mistake-recovery'),
      reminderCap: 3,
      officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
      adminUserIds: [],
      logLevel: 'info',
    });
    expect('appToken' in config.slack).toBe(false);
    expect('escalationContact' in config).toBe(false);
  });

  it('keeps its state in XDG_STATE_HOME when that is set, and in STATE_DIR (made absolute) above all', () => {
    expect(load({ XDG_STATE_HOME: '/srv/state' }).stateDir).toBe(path.join('/srv/state', 'mistake-recovery'));
    expect(load({ XDG_STATE_HOME: '/srv/state', STATE_DIR: 'relative/state' }).stateDir).toBe(path.resolve('relative/state'));
  });

  it('refuses a SLACK_LATENESS over an hour: a post that was never taken would wait that long', () => {
    expect(load({ SLACK_LATENESS: '30s' }).slackLatenessMs).toBe(30_000);
    expect(problemVariables(errorFor({ ...VALID, SLACK_LATENESS: '2h' }))).toEqual(['SLACK_LATENESS']);
    expect(problemVariables(errorFor({ ...VALID, SLACK_LATENESS: 'soon' }))).toEqual(['SLACK_LATENESS']);
  });

  it('treats an empty or blank value as unset, so a copied .env.example keeps the defaults', () => {
    const config = load({ PORT: '', TIMEZONE: '   ', SLA_HIGH: '', DIGEST_CHANNEL_ID: '' });
    expect(config.port).toBe(3000);
    expect(config.timezone).toBe('UTC');
    expect(config.sla.stepMs.high).toBe(4 * 3_600_000);
    expect(config.digestChannelId).toBe('C0123ABCD');
  });

  it('reads the environment it is given, not process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not a port';
    try {
      expect(load().port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('is frozen all the way down', () => {
    const config = load({ ADMIN_USER_IDS: 'U0123ABCD' });
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.slack as { botToken: string }).botToken = 'xoxb-other';
    }).toThrow(TypeError);
    expect(() => {
      config.sla.stepMs.critical = 0;
    }).toThrow(TypeError);
    expect(() => config.adminUserIds.push('U9999')).toThrow(TypeError);
    expect(() => config.officeHours.days.push(6)).toThrow(TypeError);
    expect(() => {
      (config.schedules as { digest: string }).digest = '* * * * *';
    }).toThrow(TypeError);
  });
});

describe('loadConfig: reading each variable', () => {
  it('accepts a full, valid environment', () => {
    const config = load({
      SLACK_APP_TOKEN: 'xapp-test-app-token',
      SLACK_API_URL: 'https://slack-gov.com/api',
      PORT: '8080',
      DATABASE_URL: 'postgresql://bot:secret@db.internal:5432/mistakes',
      DIGEST_CHANNEL_ID: 'G0456DIGEST',
      TIMEZONE: 'America/Los_Angeles',
      DIGEST_CRON: '30 8 * * mon-fri',
      REMINDER_CRON: '*/5 * * * *',
      ESCALATION_CRON: '0 * * * *',
      DELIVERY_CRON: '*/30 * * * * *',
      SLA_CRITICAL: '0',
      SLA_HIGH: '1h30m',
      SLA_MEDIUM: '8h',
      SLA_LOW: '1w',
      REMINDER_INTERVAL: '90m',
      ESCALATE_AFTER: '12h',
      REMINDER_CAP: '5',
      HOME_REFRESH_DELAY: '0',
      OFFICE_HOURS: '08:30-17:30',
      OFFICE_DAYS: 'mon,tue,thu-sat',
      ESCALATION_CONTACT: 'S0123TEAM',
      ADMIN_USER_IDS: ' U0123ABCD , W0456EFGH,,U0123ABCD ',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.slack).toEqual({
      botToken: 'xoxb-test-bot-token',
      signingSecret: 'test-signing-secret',
      appToken: 'xapp-test-app-token',
      apiUrl: 'https://slack-gov.com/api/',
    });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgresql://bot:secret@db.internal:5432/mistakes');
    expect(config.digestChannelId).toBe('G0456DIGEST');
    expect(config.timezone).toBe('America/Los_Angeles');
    expect(config.schedules).toEqual({
      digest: '30 8 * * mon-fri',
      reminders: '*/5 * * * *',
      escalations: '0 * * * *',
      deliveries: '*/30 * * * * *',
      insights: '0 9 * * 1',
    });
    expect(config.sla.stepMs).toEqual({ critical: 0, high: 5_400_000, medium: 8 * 3_600_000, low: 7 * 86_400_000 });
    expect(config.reminderIntervalMs).toBe(90 * 60_000);
    expect(config.escalateAfterMs).toBe(12 * 3_600_000);
    expect(config.reminderCap).toBe(5);
    expect(config.homeRefreshDelayMs).toBe(0);
    expect(config.officeHours).toEqual({ startMinute: 510, endMinute: 1050, days: [1, 2, 4, 5, 6] });
    expect(config.escalationContact).toBe('S0123TEAM');
    expect(config.adminUserIds).toEqual(['U0123ABCD', 'W0456EFGH']);
    expect(config.logLevel).toBe('debug');
  });

  it.each([
    ['https://slack-gov.com/api', 'https://slack-gov.com/api/'],
    ['https://slack-gov.com/api/', 'https://slack-gov.com/api/'],
    ['http://localhost:4010/api', 'http://localhost:4010/api/'],
  ])('normalises SLACK_API_URL %p to %p', (input, expected) => {
    expect(load({ SLACK_API_URL: input }).slack.apiUrl).toBe(expected);
  });

  it.each(['postgres://bot@localhost/mistakes', 'postgresql://bot:pw@db:5432/m?sslmode=require', 'file:./other.db', 'file:/var/lib/bot/m.db'])(
    'accepts DATABASE_URL %p',
    (url) => {
      expect(load({ DATABASE_URL: url }).databaseUrl).toBe(url);
    },
  );

  it('accepts user (U/W) and user group (S) ids as the escalation contact', () => {
    expect(load({ ESCALATION_CONTACT: 'U0123ABCD' }).escalationContact).toBe('U0123ABCD');
    expect(load({ ESCALATION_CONTACT: 'W0123ABCD' }).escalationContact).toBe('W0123ABCD');
  });
});

describe('loadConfig: invalid values, each named with its variable', () => {
  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-a-user-token', /xoxb-/],
    ['SLACK_SIGNING_SECRET', 'xoxb-pasted-the-wrong-thing', /looks like a token/],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token', /xapp-/],
    ['SLACK_API_URL', 'https://slack-gov.com/', /\/api\//],
    ['SLACK_API_URL', 'not a url', /\/api\//],
    ['SLACK_API_URL', 'ftp://slack-gov.com/api/', /\/api\//],
    ['PORT', '0', /1 to 65535/],
    ['PORT', '65536', /1 to 65535/],
    ['PORT', '80.5', /1 to 65535/],
    ['PORT', 'http', /1 to 65535/],
    ['DATABASE_URL', 'mysql://root@localhost/m', /SQLite|PostgreSQL/],
    ['DATABASE_URL', './data/mistakes.db', /SQLite|PostgreSQL/],
    ['DATABASE_URL', 'file:', /SQLite|PostgreSQL/],
    ['DATABASE_URL', 'postgresql://bot:secret@[bad/m', /PostgreSQL/],
    ['ESCALATION_CHANNEL_ID', '#mistakes', /channel ID/],
    ['ESCALATION_CHANNEL_ID', 'U0123ABCD', /channel ID/],
    ['DIGEST_CHANNEL_ID', 'general', /channel ID/],
    ['TIMEZONE', 'Europe/Atlantis', /IANA/],
    ['TIMEZONE', 'CEST+2', /IANA/],
    ['DIGEST_CRON', '0 25 * * *', /cron/],
    ['REMINDER_CRON', 'every 15 minutes', /cron/],
    ['ESCALATION_CRON', '* * * * * * *', /cron/],
    ['DELIVERY_CRON', '*/10 * * *', /cron/],
    ['SLA_CRITICAL', 'soon', /duration/],
    ['SLA_HIGH', '4 hours', /duration/],
    ['SLA_MEDIUM', '-1d', /duration/],
    ['SLA_LOW', '3x', /duration/],
    ['REMINDER_INTERVAL', 'often', /duration/],
    ['ESCALATE_AFTER', '1.5d', /duration/],
    ['HOME_REFRESH_DELAY', '2 seconds', /duration/],
    ['HOME_REFRESH_DELAY', '5m', /1m or less/],
    ['REMINDER_CAP', '0', /1 or more/],
    ['REMINDER_CAP', '-2', /1 or more/],
    ['REMINDER_CAP', '2.5', /1 or more/],
    ['OFFICE_HOURS', '9-5', /HH:MM/],
    ['OFFICE_HOURS', '18:00-09:00', /closes before it opens/],
    ['OFFICE_DAYS', 'weekdays', /day/],
    ['ESCALATION_CONTACT', '@alice', /user ID|user group/],
    ['ESCALATION_CONTACT', 'C0123ABCD', /user ID|user group/],
    ['ADMIN_USER_IDS', 'U0123ABCD,@bob', /"@bob"/],
    ['ADMIN_USER_IDS', 'S0123TEAM', /"S0123TEAM"/],
    ['LOG_LEVEL', 'verbose', /debug, info, warn, error/],
    ['DEFAULT_CURRENCY', 'EURO', /ISO 4217/],
    ['DEFAULT_CURRENCY', 'XYZ', /ISO 4217/],
    ['CHECK_IN_AFTER', 'soon', /duration|off/],
  ])('%s=%p is refused', (variable, value, reason) => {
    const error = errorFor({ ...VALID, [variable]: value });
    expect(problemVariables(error)).toEqual([variable]);
    const problem = error.problems[0]!;
    expect(problem.problem).toMatch(reason);
    expect(problem.example.startsWith(`${variable}=`)).toBe(true);
    // The example offered must itself be accepted.
    const exampleValue = problem.example.slice(variable.length + 1).replace(/^"(.*)"$/, '$1');
    expect(() => load({ [variable]: exampleValue })).not.toThrow();
  });
});

describe('ConfigError: every problem at once, readably', () => {
  const messy = {
    SLACK_BOT_TOKEN: 'xoxp-wrong',
    PORT: '99999',
    DATABASE_URL: 'mongodb://x',
    TIMEZONE: 'Nowhere/Special',
    DIGEST_CRON: 'daily',
    SLA_HIGH: 'fast',
    REMINDER_CAP: '0',
    OFFICE_DAYS: 'someday',
    LOG_LEVEL: 'loud',
  };

  it('lists every missing and invalid variable in one message, one line each', () => {
    const error = errorFor(messy);
    const expected = [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PORT',
      'DATABASE_URL',
      'ESCALATION_CHANNEL_ID',
      'TIMEZONE',
      'DIGEST_CRON',
      'SLA_HIGH',
      'REMINDER_CAP',
      'OFFICE_DAYS',
      'LOG_LEVEL',
    ];
    expect(problemVariables(error).sort()).toEqual([...expected].sort());
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/11 problems/);
    for (const variable of expected) {
      const matching = lines.filter((line) => line.startsWith(`  ${variable} `));
      expect(matching).toHaveLength(1);
      expect(matching[0]).toContain(`Example: ${variable}=`);
    }
  });

  it('carries no stack trace, even when printed whole', () => {
    const error = errorFor(messy);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(String(error.stack)).not.toMatch(/\n\s+at /);
    expect(String(error.stack)).toContain('PORT');
  });

  it('sends someone without Slack tokens to manifest.yml, naming the missing ones', () => {
    const error = errorFor({ ESCALATION_CHANNEL_ID: 'C0123ABCD' });
    expect(problemVariables(error)).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
    expect(error.message).toContain('manifest.yml');
    expect(error.message).toContain('Create the Slack app');
    expect(error.message).toMatch(/SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET come from your Slack app/);
  });

  it('does not send anyone to the manifest for problems unrelated to the tokens', () => {
    const error = errorFor({ ...VALID, PORT: 'x' });
    expect(error.message).not.toContain('manifest.yml');
    expect(error.message).toMatch(/^The configuration has 1 problem\./);
  });
});

describe('the two Slack modes', () => {
  const KEY = Buffer.alloc(32, 7).toString('base64');
  const OAUTH = {
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    ESCALATION_CHANNEL_ID: 'C0123ABCD',
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret',
    SLACK_STATE_SECRET: 'state-secret',
    TOKEN_ENCRYPTION_KEY: KEY,
  };

  it('single workspace: SLACK_BOT_TOKEN, no OAuth', () => {
    expect(load().slack.oauth).toBeUndefined();
  });

  it('OAuth ("Add to Slack"): client id, client secret, state secret and an encryption key, no bot token', () => {
    const config = loadConfig(OAUTH);
    expect(config.slack.botToken).toBe('');
    expect(config.slack.oauth).toMatchObject({ clientId: '1111.2222', clientSecret: 'client-secret', stateSecret: 'state-secret' });
    expect(config.slack.oauth!.encryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it('leaves the escalation channel to each workspace’s Settings in OAuth mode', () => {
    const { ESCALATION_CHANNEL_ID, ...withoutChannel } = OAUTH;
    expect(loadConfig(withoutChannel).escalationChannelId).toBe('');
  });

  it('refuses both modes at once, explaining the two', () => {
    const error = errorFor({ ...OAUTH, SLACK_BOT_TOKEN: 'xoxb-test-bot-token' });
    expect(problemVariables(error)).toEqual(['SLACK_BOT_TOKEN']);
    expect(error.message).toMatch(/either for one workspace \(SLACK_BOT_TOKEN\) or for every workspace that installs it/);
  });

  it('refuses partial OAuth settings, naming each one missing', () => {
    const { SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, ...partial } = OAUTH;
    const error = errorFor(partial);
    expect(problemVariables(error)).toEqual(['SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET']);
    expect(error.message).toMatch(/needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET together/);
  });

  it('refuses OAuth with Socket Mode: installing needs the HTTP endpoints', () => {
    expect(problemVariables(errorFor({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1-abc' }))).toEqual(['SLACK_APP_TOKEN']);
  });

  it('requires TOKEN_ENCRYPTION_KEY in OAuth mode, as 32 bytes of base64', () => {
    const { TOKEN_ENCRYPTION_KEY, ...withoutKey } = OAUTH;
    expect(problemVariables(errorFor(withoutKey))).toEqual(['TOKEN_ENCRYPTION_KEY']);
    expect(errorFor({ ...OAUTH, TOKEN_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }).message).toMatch(/16 bytes once decoded; it must be 32/);
  });

  it('reads old keys for rotation, and refuses them without a current key', () => {
    const old = Buffer.alloc(32, 1).toString('base64');
    expect(
      loadConfig({ ...OAUTH, TOKEN_ENCRYPTION_OLD_KEYS: `${old}, ${Buffer.alloc(32, 2).toString('base64')}` }).slack.oauth!.oldEncryptionKeys,
    ).toHaveLength(2);
    expect(problemVariables(errorFor({ ...VALID, TOKEN_ENCRYPTION_OLD_KEYS: old }))).toEqual(['TOKEN_ENCRYPTION_OLD_KEYS']);
    expect(problemVariables(errorFor({ ...OAUTH, TOKEN_ENCRYPTION_OLD_KEYS: 'short' }))).toEqual(['TOKEN_ENCRYPTION_OLD_KEYS']);
  });

  it('refuses SLACK_REDIRECT_URI outside OAuth mode or pointing elsewhere', () => {
    expect(problemVariables(errorFor({ ...VALID, SLACK_REDIRECT_URI: 'https://bot.example.com/slack/oauth_redirect' }))).toEqual([
      'SLACK_REDIRECT_URI',
    ]);
    expect(problemVariables(errorFor({ ...OAUTH, SLACK_REDIRECT_URI: 'https://bot.example.com/callback' }))).toEqual(['SLACK_REDIRECT_URI']);
    expect(loadConfig({ ...OAUTH, SLACK_REDIRECT_URI: 'https://bot.example.com/slack/oauth_redirect' }).slack.oauth!.redirectUri).toBe(
      'https://bot.example.com/slack/oauth_redirect',
    );
  });

  it('tells someone without a bot token about both modes', () => {
    const error = errorFor({ ESCALATION_CHANNEL_ID: 'C0123ABCD' });
    expect(error.message).toContain('"Add to Slack"');
    expect(error.message).toContain('SLACK_CLIENT_ID');
  });
});

describe('requireSlack: false', () => {
  it('loads without Slack credentials or channel, leaving them empty', () => {
    const config = loadConfig({}, { requireSlack: false });
    expect(config.slack).toEqual({ botToken: '', signingSecret: '' });
    expect(config.escalationChannelId).toBe('');
    expect(config.digestChannelId).toBe('');
    expect(config.port).toBe(3000);
  });

  it('still refuses Slack values that are present but wrong', () => {
    const error = errorFor({ SLACK_BOT_TOKEN: 'xoxp-user', ESCALATION_CHANNEL_ID: '#general' }, { requireSlack: false });
    expect(problemVariables(error)).toEqual(['SLACK_BOT_TOKEN', 'ESCALATION_CHANNEL_ID']);
  });
});

describe('loadConfig: webhooks', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('has none unless both WEBHOOK_URL and WEBHOOK_SECRET are set', () => {
    expect('webhook' in load()).toBe(false);
    expect(load({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: SECRET }).webhook).toEqual({
      url: 'https://hooks.example.com/x',
      secret: SECRET,
    });
  });

  it('takes https anywhere, and http only to this machine (for testing)', () => {
    for (const url of ['http://localhost:8080/hook', 'http://127.0.0.1:9/h', 'http://[::1]:9/h']) {
      expect(load({ WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET }).webhook?.url).toBe(url);
    }
    for (const url of ['http://hooks.example.com/x', 'ftp://hooks.example.com/x', 'hooks.example.com/x', 'https://user:pw@hooks.example.com/']) {
      const error = errorFor({ ...VALID, WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET });
      expect(problemVariables(error)).toEqual(['WEBHOOK_URL']);
      expect(error.message).toContain('WEBHOOK_URL=https://hooks.example.com/mistakes');
    }
    expect(errorFor({ ...VALID, WEBHOOK_URL: 'http://hooks.example.com/x', WEBHOOK_SECRET: SECRET }).message).toMatch(/must use https/);
  });

  it('wants a Standard Webhooks secret: whsec_ and the base64 of 24 to 64 bytes', () => {
    const url = 'https://hooks.example.com/x';
    for (const secret of [
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_not base64!',
      'whsec_c2hvcnQ=',
      `whsec_${Buffer.alloc(65).toString('base64')}`,
    ]) {
      const error = errorFor({ ...VALID, WEBHOOK_URL: url, WEBHOOK_SECRET: secret });
      expect(problemVariables(error)).toEqual(['WEBHOOK_SECRET']);
      expect(error.message).toContain('whsec_');
    }
    expect(load({ WEBHOOK_URL: url, WEBHOOK_SECRET: `whsec_${Buffer.alloc(64, 7).toString('base64')}` }).webhook).toBeDefined();
  });

  it('refuses a URL without a secret (webhooks are always signed), and a secret without a URL', () => {
    const noSecret = errorFor({ ...VALID, WEBHOOK_URL: 'https://hooks.example.com/x' });
    expect(problemVariables(noSecret)).toEqual(['WEBHOOK_SECRET']);
    expect(noSecret.message).toMatch(/WEBHOOK_SECRET\s+is missing: webhooks are always signed/);
    expect(problemVariables(errorFor({ ...VALID, WEBHOOK_SECRET: SECRET }))).toEqual(['WEBHOOK_URL']);
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
  const lines = text.split('\n');

  it.each(ALL_VARIABLES)('documents %s with a comment giving what it is, its default and an example', (variable) => {
    const index = lines.findIndex((line) => line.startsWith(`${variable}=`));
    expect(index).toBeGreaterThan(0);
    const comment = lines[index - 1]!;
    expect(comment.startsWith(`# ${variable}:`)).toBe(true);
    expect(comment).toMatch(/Default:|Required/);
    expect(comment).toMatch(/Example: \S/);
  });

  it('documents nothing the configuration does not read', () => {
    const documented = lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.slice(0, l.indexOf('=')));
    expect(documented.sort()).toEqual([...ALL_VARIABLES].sort());
  });

  it('copied as it is, asks only for the Slack credentials and channel', () => {
    const error = errorFor(dotenv.parse(text));
    expect(problemVariables(error)).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'ESCALATION_CHANNEL_ID']);
    expect(() => loadConfig(dotenv.parse(text), { requireSlack: false })).not.toThrow();
  });

  it('gives examples that are themselves valid', () => {
    const examples: Record<string, string> = {};
    for (const line of lines) {
      const match = /^# ([A-Z_]+):.*Example: (.+)$/.exec(line);
      if (match) examples[match[1]!] = match[2]!.trim();
    }
    expect(Object.keys(examples).sort()).toEqual([...ALL_VARIABLES].sort());
    // The two Slack modes exclude each other: each mode's examples are valid together.
    const { SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_REDIRECT_URI, ...single } = examples;
    expect(() => loadConfig(single)).not.toThrow();
    const { SLACK_BOT_TOKEN, SLACK_APP_TOKEN, ...oauth } = examples;
    expect(loadConfig(oauth).slack.oauth).toBeDefined();
  });
});

describe('loadDotenv', () => {
  const cwd = process.cwd();
  let dir: string;
  const names = ['CONFIG_TEST_FROM_FILE', 'CONFIG_TEST_ALREADY_SET'];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
    fs.writeFileSync(path.join(dir, '.env'), 'CONFIG_TEST_FROM_FILE=from-file\nCONFIG_TEST_ALREADY_SET=from-file\n');
    process.chdir(dir);
  });

  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const name of names) delete process.env[name];
    jest.restoreAllMocks();
  });

  it('loads .env from the working directory, quietly, without overriding the environment', () => {
    process.env.CONFIG_TEST_ALREADY_SET = 'from-environment';
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    loadDotenv();
    expect(process.env.CONFIG_TEST_FROM_FILE).toBe('from-file');
    expect(process.env.CONFIG_TEST_ALREADY_SET).toBe('from-environment');
    expect(log).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
  });
});
