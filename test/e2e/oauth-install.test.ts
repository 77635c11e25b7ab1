// "Add to Slack" end to end: Bolt's OAuth support over real HTTP, the fake Slack answering
// oauth.v2.access, installations stored sealed in the database, and the state parameter checked.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { freshSqlite } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { startHarness, type Harness } from '../support/harness';
import { install, KEY, oauthEnv, openInstallPage, redirectBack } from '../support/oauth';
import { postToSlackEndpoint, slashCommand } from '../support/slackRequests';

let fake: FakeSlack;
let h: Harness;

beforeEach(async () => {
  fake = await new FakeSlack().start();
  h = await startHarness({ fake, env: oauthEnv(fake) });
});

afterEach(async () => {
  await h.close();
  await fake.stop();
});

const ONE = { teamId: 'T0ONE', teamName: 'One', installerId: 'UONEADMIN' };
const installations = () => h.t.db.installation.findMany({ orderBy: { key: 'asc' } });

describe('GET /slack/install', () => {
  it('offers "Add to Slack", linking to Slack with the app, the scopes and a state', async () => {
    const start = await openInstallPage(h.baseUrl);
    expect(start.html).toContain('Add to Slack');
    const link = new URL(start.html.match(/href="([^"]*authorize[^"]*)"/)![1]!.replace(/&amp;/g, '&'));
    expect(link.searchParams.get('client_id')).toBe(fake.app.clientId);
    expect(link.searchParams.get('scope')).toBe(
      'commands,chat:write,files:write,users:read,channels:history,groups:history,im:history,im:write,channels:read,groups:read',
    );
    expect(start.state).not.toBe('');
    expect(start.cookie).toContain(start.state);
  });
});

describe('GET /slack/oauth_redirect', () => {
  it('completes the install: asks Slack for the token and stores the installation, sealed', async () => {
    const token = await install(h.baseUrl, fake, ONE);
    const access = fake.called('oauth.v2.access');
    expect(access).toHaveLength(1);
    const rows = await installations();
    expect(rows).toEqual([
      expect.objectContaining({ key: 'T:T0ONE', teamId: 'T0ONE', isEnterpriseInstall: false, installerUserId: 'UONEADMIN', revokedAt: null }),
    ]);
    expect(rows[0]!.secret).not.toContain(token);
    expect(rows[0]!.secret).toMatch(/^v1\./);
  });

  it('refuses a forged state with a clear page and stores nothing', async () => {
    const start = await openInstallPage(h.baseUrl);
    const forged = `${start.state.split('.')[0]}.${'A'.repeat(43)}`;
    const back = await redirectBack(h.baseUrl, { code: fake.approveInstall(ONE), state: forged }, start.cookie.replace(start.state, forged));
    expect(back.status).toBe(400);
    expect(back.html).toContain('This install link cannot be used');
    expect(back.html).toContain('Nothing was installed');
    expect(fake.called('oauth.v2.access')).toHaveLength(0);
    expect(await installations()).toEqual([]);
  });

  it('refuses a state made up entirely, and one that is not for this browser', async () => {
    const start = await openInstallPage(h.baseUrl);
    const madeUp = await redirectBack(h.baseUrl, { code: fake.approveInstall(ONE), state: 'made-up' }, 'slack-app-oauth-state=made-up');
    expect(madeUp.status).toBe(400);
    const otherBrowser = await redirectBack(h.baseUrl, { code: fake.approveInstall(ONE), state: start.state });
    expect(otherBrowser.status).toBe(400);
    expect(fake.called('oauth.v2.access')).toHaveLength(0);
    expect(await installations()).toEqual([]);
  });

  it('refuses a missing state with a clear page and stores nothing', async () => {
    const start = await openInstallPage(h.baseUrl);
    const back = await redirectBack(h.baseUrl, { code: fake.approveInstall(ONE) }, start.cookie);
    expect(back.status).toBe(400);
    expect(back.html).toContain('This install link cannot be used');
    expect(fake.called('oauth.v2.access')).toHaveLength(0);
    expect(await installations()).toEqual([]);
  });

  it('refuses a replayed state (the same link and cookie used again) and stores nothing more', async () => {
    const start = await openInstallPage(h.baseUrl);
    const first = await redirectBack(h.baseUrl, { code: fake.approveInstall(ONE), state: start.state }, start.cookie);
    expect(first.status).toBe(200);
    const before = await installations();
    const replay = await redirectBack(
      h.baseUrl,
      { code: fake.approveInstall({ ...ONE, installerId: 'UMALLORY' }), state: start.state },
      start.cookie,
    );
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('already used');
    expect(fake.called('oauth.v2.access')).toHaveLength(1);
    expect(await installations()).toEqual(before);
  });

  it('says the install was cancelled when the person declined in Slack', async () => {
    const start = await openInstallPage(h.baseUrl);
    const back = await redirectBack(h.baseUrl, { error: 'access_denied', state: start.state }, start.cookie);
    expect(back.status).toBe(400);
    expect(back.html).toContain('Installation cancelled');
    expect(await installations()).toEqual([]);
  });

  it('stores an Enterprise Grid org-wide install under its organization', async () => {
    await install(h.baseUrl, fake, { enterpriseId: 'E0GRID', enterpriseName: 'Grid', isEnterpriseInstall: true, installerId: 'UGRIDADMIN' });
    expect(await installations()).toEqual([
      expect.objectContaining({ key: 'E:E0GRID', teamId: null, enterpriseId: 'E0GRID', isEnterpriseInstall: true, installerUserId: 'UGRIDADMIN' }),
    ]);
  });
});

describe('tokens at rest', () => {
  it('never appear in the database file or the logs, even at debug level', async () => {
    await h.close();
    h = await startHarness({ fake, env: oauthEnv(fake, { LOG_LEVEL: 'debug' }) });
    const tokens = [
      await install(h.baseUrl, fake, ONE),
      await install(h.baseUrl, fake, { teamId: 'T0TWO', installerId: 'UTWOADMIN' }),
      await install(h.baseUrl, fake, { enterpriseId: 'E0GRID', isEnterpriseInstall: true, installerId: 'UGRIDADMIN' }),
    ];
    // Every log line, whatever its level (the harness keeps them all).
    const logs = JSON.stringify(h.logger.lines);
    expect(h.logger.lines.some((l) => l.level === 'debug')).toBe(true);
    await h.bot.db.$disconnect();
    const files = [h.t.file, `${h.t.file}-wal`, `${h.t.file}-shm`].filter((f) => fs.existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(token).toMatch(/^xoxb-/);
      for (const file of files) expect(fs.readFileSync(file).includes(Buffer.from(token))).toBe(false);
      expect(logs.includes(token)).toBe(false);
    }
    // The search does find what is there: the installing user's id is stored in plain text.
    expect(
      fs.readFileSync(h.t.file).includes(Buffer.from('UONEADMIN')) || fs.readFileSync(`${h.t.file}-wal`).includes(Buffer.from('UONEADMIN')),
    ).toBe(true);
  });
});

describe('key rotation', () => {
  it('a bot restarted with a new TOKEN_ENCRYPTION_KEY and the old one in TOKEN_ENCRYPTION_OLD_KEYS keeps working, then needs only the new key', async () => {
    const t = await freshSqlite();
    try {
      const first = await startHarness({ fake, t, env: oauthEnv(fake) });
      const token = await install(first.baseUrl, fake, ONE);
      await first.close();
      const sealedBefore = (await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).secret;

      const NEW = randomBytes(32).toString('base64');
      const rotated = await startHarness({ fake, t, env: oauthEnv(fake, { TOKEN_ENCRYPTION_KEY: NEW, TOKEN_ENCRYPTION_OLD_KEYS: KEY }) });
      expect((await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).secret).not.toBe(sealedBefore);
      await rotated.close();

      // The old key is gone from the settings: the bot still acts with the workspace's token.
      const after = await startHarness({ fake, t, env: oauthEnv(fake, { TOKEN_ENCRYPTION_KEY: NEW }) });
      const opened = fake.called('views.open').length;
      const command = await postToSlackEndpoint(after.baseUrl, slashCommand('flour to the wrong address', { userId: 'UALICE', teamId: 'T0ONE' }));
      expect(command.status).toBe(200);
      const modal = await fake.waitFor('views.open', opened);
      expect(modal.token).toBe(token);
      await after.close();
    } finally {
      await t.close();
    }
  });

  it('refuses to start when no configured key opens the stored tokens, naming the setting', async () => {
    const t = await freshSqlite();
    try {
      const first = await startHarness({ fake, t, env: oauthEnv(fake) });
      await install(first.baseUrl, fake, ONE);
      await first.close();
      await expect(startHarness({ fake, t, env: oauthEnv(fake, { TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') }) })).rejects.toThrow(
        /TOKEN_ENCRYPTION_OLD_KEYS/,
      );
    } finally {
      await t.close();
    }
  });
});
