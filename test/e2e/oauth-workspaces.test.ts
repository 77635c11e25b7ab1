// One deployment, several workspaces installed with "Add to Slack": every Web API call carries
// the token of the workspace it acts in; uninstalling stops a workspace without deleting
// anything, and reinstalling resumes it.
import { Actions, Inputs } from '../../src/slack/ids';
import { FakeSlack, type RecordedCall } from '../support/fakeSlack';
import { findAction, startHarness, type Harness } from '../support/harness';
import { install, oauthEnv } from '../support/oauth';
import { buttonClick, eventCallback, postToSlackEndpoint, type SlackPost, slashCommand, viewSubmission } from '../support/slackRequests';

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
const TWO = { teamId: 'T0TWO', teamName: 'Two', installerId: 'UTWOADMIN' };
/** Who works where: each person belongs to one workspace. */
const TEAM_OF: Record<string, string> = { UALICE: 'T0ONE', UONEADMIN: 'T0ONE', UBOB: 'T0TWO', UTWOADMIN: 'T0TWO', UGRACE: 'T0GRID1' };

const REPORT = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'We shipped their flour to the wrong address.',
  [Inputs.impact]: 'Their Saturday market stall had nothing to bake with.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

/** Trigger ids name the workspace a modal opens in (Slack ties each to its request). */
const triggers = new Map<string, string>();

/** An org-wide install's workspaces send their organization with every request. */
function fromOrg(post: SlackPost, enterpriseId: string): SlackPost {
  if (post.contentType.includes('x-www-form-urlencoded')) {
    const form = new URLSearchParams(post.body);
    if (form.has('payload')) {
      const payload = JSON.parse(form.get('payload')!);
      form.set('payload', JSON.stringify({ ...payload, enterprise: { id: enterpriseId }, is_enterprise_install: true }));
    } else {
      form.set('enterprise_id', enterpriseId);
      form.set('is_enterprise_install', 'true');
    }
    return { ...post, body: form.toString() };
  }
  return post;
}

/** /mistake and the report modal, as `userId` in their workspace. */
async function report(userId: string, customer: string, org?: string): Promise<{ status: number; json?: any }> {
  const teamId = TEAM_OF[userId]!;
  const wrap = (p: SlackPost) => (org ? fromOrg(p, org) : p);
  const post = slashCommand('flour to the wrong address', { userId, teamId });
  const trigger = new URLSearchParams(post.body).get('trigger_id');
  if (trigger) triggers.set(trigger, teamId);
  const command = await postToSlackEndpoint(h.baseUrl, wrap(post));
  if (command.status !== 200) return command;
  // Its own modal (two people may be reporting at once).
  let modal: RecordedCall | undefined;
  for (const deadline = Date.now() + 5000; !modal && Date.now() < deadline; await new Promise((r) => setTimeout(r, 5))) {
    modal = fake.called('views.open').find((c) => c.args.trigger_id === trigger);
  }
  if (!modal) throw new Error('the report modal did not open');
  const submitted = await postToSlackEndpoint(
    h.baseUrl,
    wrap(viewSubmission(modal.args.view, { ...REPORT, [Inputs.customer]: customer }, { userId, teamId })),
  );
  await h.deliver();
  return submitted;
}

/** The workspace a recorded call acts in, from what it names (a person, a delivery, a message). */
async function workspaceOf(call: RecordedCall, triggers: Map<string, string>): Promise<string | undefined> {
  const a = call.args;
  const deliveryId = a.metadata?.event_payload?.delivery_id;
  if (deliveryId) return (await h.t.db.delivery.findUnique({ where: { id: Number(deliveryId) } }))?.teamId;
  for (const user of [a.user, a.user_id, a.users]) if (typeof user === 'string' && TEAM_OF[user]) return TEAM_OF[user];
  if (typeof a.channel === 'string' && TEAM_OF[a.channel]) return TEAM_OF[a.channel];
  if (typeof a.trigger_id === 'string' && triggers.has(a.trigger_id)) return triggers.get(a.trigger_id);
  if (call.method === 'chat.update') {
    const post = fake.delivered.find((p) => p.method === 'chat.postMessage' && p.response?.ts === a.ts);
    return post ? workspaceOf(post, triggers) : undefined;
  }
  return undefined;
}

async function cardOf(customer: string) {
  const mistake = await h.t.db.mistake.findFirstOrThrow({ where: { customer } });
  const post = fake.called('chat.postMessage').find((c) => c.response?.ts === mistake.threadTs && !c.args.thread_ts);
  if (!post) throw new Error(`no card for ${customer}`);
  return { mistake, post };
}

async function health(): Promise<any> {
  return (await fetch(`${h.baseUrl}/healthz`)).json();
}

it('uses each workspace’s own token for every call, in listeners, deliveries and passes', async () => {
  const tokens = { T0ONE: await install(h.baseUrl, fake, ONE), T0TWO: await install(h.baseUrl, fake, TWO) };
  expect(tokens.T0ONE).not.toBe(tokens.T0TWO);
  fake.reset();
  const remember = (post: SlackPost, teamId: string) => {
    const form = new URLSearchParams(post.body);
    const trigger = form.get('trigger_id') ?? JSON.parse(form.get('payload') ?? '{}').trigger_id;
    if (trigger) triggers.set(trigger, teamId);
    return post;
  };
  // Both workspaces at once.
  const [one, two] = await Promise.all([report('UALICE', 'Alpha Bakery'), report('UBOB', 'Beta Books')]);
  expect([one.status, two.status]).toEqual([200, 200]);
  for (const [customer, user] of [
    ['Alpha Bakery', 'UALICE'],
    ['Beta Books', 'UBOB'],
  ] as const) {
    const { mistake, post } = await cardOf(customer);
    expect(mistake.teamId).toBe(TEAM_OF[user]);
    // The card's Apologize opens a form; the click recorded at once (still answered for older messages)
    // is the stored click this test follows to Slack.
    const button = findAction(post.args.blocks, Actions.apologizeForm);
    const clicked = await postToSlackEndpoint(
      h.baseUrl,
      remember(
        buttonClick(Actions.apologize, button.value, {
          userId: user,
          teamId: TEAM_OF[user],
          channelId: post.args.channel,
          messageTs: post.response!.ts,
        }),
        TEAM_OF[user]!,
      ),
    );
    expect(clicked.status).toBe(200);
  }
  await new Promise((r) => setTimeout(r, 200));
  await h.deliver();
  // The scheduled passes, for both workspaces.
  const digests = await h.bot.jobs.digest({ onDemand: true });
  expect(digests.map((d) => d.teamId).sort()).toEqual(['T0ONE', 'T0TWO']);
  await h.bot.jobs.reminders();
  await h.bot.jobs.escalations();
  await h.deliver();

  const calls = fake.calls;
  expect(calls.length).toBeGreaterThan(15);
  const installed = new Set(Object.values(tokens));
  const wrong: string[] = [];
  let attributed = 0;
  for (const call of calls) {
    if (!call.token || !installed.has(call.token)) {
      wrong.push(`${call.method} without an installed token (${call.token ? 'another token' : 'none'})`);
      continue;
    }
    const team = await workspaceOf(call, triggers);
    if (team === undefined) {
      // Only auth.test (the workspace's address) names nothing; it is asked with a workspace's token.
      if (call.method !== 'auth.test') wrong.push(`${call.method}: could not tell its workspace`);
      continue;
    }
    attributed++;
    if (call.token !== tokens[team as keyof typeof tokens]) wrong.push(`${call.method} for ${team} with the other workspace's token`);
  }
  expect(wrong).toEqual([]);
  expect(attributed).toBeGreaterThan(10);
  // Each workspace got its card and its digest, each with its own token.
  for (const team of ['T0ONE', 'T0TWO'] as const) {
    const posts = fake.callsWith(tokens[team]).filter((c) => c.method === 'chat.postMessage');
    expect(posts.some((c) => c.args.channel === 'CESCALATIONS')).toBe(true);
    expect(posts.some((c) => c.args.channel === 'CDIGEST0001')).toBe(true);
  }
});

it('install, use, uninstall and reinstall, two workspaces at once: nothing deleted, the uninstalled one paused and resumed', async () => {
  const first = { T0ONE: await install(h.baseUrl, fake, ONE), T0TWO: await install(h.baseUrl, fake, TWO) };
  expect(await report('UALICE', 'Alpha Bakery')).toMatchObject({ status: 200 });
  expect(await report('UBOB', 'Beta Books')).toMatchObject({ status: 200 });
  expect(await health()).toMatchObject({ ok: true, workspaces: { installed: 2, uninstalled: 0, tokenRefused: [] } });

  // Workspace one's next card cannot be posted yet (Slack is briefly failing): it waits, pending.
  fake.fail('chat.postMessage', { kind: 'error', error: 'internal_error' }, 1);
  expect(await report('UALICE', 'Gamma Garden')).toMatchObject({ status: 200 });
  const waiting = await h.t.db.delivery.findFirstOrThrow({ where: { teamId: 'T0ONE', kind: 'card', status: 'pending' } });

  // Workspace one uninstalls the app. Slack stops accepting its token.
  const uninstalledAt = Date.now();
  fake.revokedTokens.add(first.T0ONE);
  const uninstalled = await postToSlackEndpoint(h.baseUrl, eventCallback({ type: 'app_uninstalled', event_ts: '1.0' }, 'T0ONE'));
  expect(uninstalled.status).toBe(200);
  await waitUntil(async () => (await h.t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).revokedAt !== null);
  expect(await h.t.db.delivery.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'paused' });
  expect(await health()).toMatchObject({ workspaces: { installed: 1, uninstalled: 1 } });

  // Its requests are no longer acted on; the other workspace carries on.
  const mistakesBefore = await h.t.db.mistake.count();
  const opened = fake.called('views.open').length;
  await postToSlackEndpoint(h.baseUrl, slashCommand('flour to the wrong address', { userId: 'UALICE', teamId: 'T0ONE' }));
  expect(fake.called('views.open')).toHaveLength(opened);
  expect(await report('UBOB', 'Delta Dairy')).toMatchObject({ status: 200 });
  expect(await h.t.db.mistake.count()).toBe(mistakesBefore + 1);

  // Scheduled passes skip it; deliveries for it wait.
  const digests = await h.bot.jobs.digest({ onDemand: true });
  expect(digests.map((d) => d.teamId)).toEqual(['T0TWO']);
  await h.bot.jobs.reminders();
  await h.bot.jobs.escalations();
  await h.bot.worker.tryAllNow();
  await h.deliver();
  expect(fake.calls.filter((c) => c.token === first.T0ONE && c.at >= uninstalledAt).map((c) => c.method)).toEqual([]);
  expect(await h.t.db.delivery.count({ where: { teamId: 'T0ONE', status: 'paused' } })).toBeGreaterThanOrEqual(1);
  expect(await h.t.db.delivery.count({ where: { teamId: 'T0ONE', status: 'sent', sentAt: { gte: new Date(uninstalledAt) } } })).toBe(0);

  // Nothing was deleted.
  expect(await h.t.db.mistake.count({ where: { teamId: 'T0ONE' } })).toBe(2);
  expect(await h.t.db.installation.count()).toBe(2);

  // Reinstalled: a new token, and what waited is sent with it.
  const again = await install(h.baseUrl, fake, ONE);
  expect(again).not.toBe(first.T0ONE);
  expect(await h.t.db.delivery.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'pending' });
  await h.bot.worker.tryAllNow();
  await h.deliver();
  expect(await h.t.db.delivery.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'sent' });
  const gamma = await cardOf('Gamma Garden');
  expect(gamma.post.token).toBe(again);
  expect(await health()).toMatchObject({ workspaces: { installed: 2, uninstalled: 0, tokenRefused: [] } });
  // And its scheduled passes run again.
  expect((await h.bot.jobs.digest({ onDemand: true })).map((d) => d.teamId)).toEqual(['T0ONE', 'T0TWO']);
  expect(await report('UALICE', 'Epsilon Eggs')).toMatchObject({ status: 200 });
  expect((await cardOf('Epsilon Eggs')).post.token).toBe(again);
});

it('tokens_revoked for the bot stops the workspace like an uninstall', async () => {
  await install(h.baseUrl, fake, ONE);
  const revoked = await postToSlackEndpoint(
    h.baseUrl,
    eventCallback({ type: 'tokens_revoked', tokens: { bot: ['UBOT'] }, event_ts: '1.0' }, 'T0ONE'),
  );
  expect(revoked.status).toBe(200);
  await waitUntil(async () => (await h.t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).revokedReason === 'revoked');
  expect(await h.bot.deps.settings.allTeams()).toEqual([]);
});

it('/healthz names a workspace whose token Slack refuses', async () => {
  await install(h.baseUrl, fake, ONE);
  const two = await install(h.baseUrl, fake, TWO);
  // Slack stops accepting workspace two's token without telling the bot.
  expect(await report('UBOB', 'Beta Books')).toMatchObject({ status: 200 });
  fake.revokedTokens.add(two);
  await h.t.db.delivery.updateMany({ data: { status: 'sent' } });
  await h.bot.jobs.digest({ onDemand: true });
  await h.deliver();
  expect(await health()).toMatchObject({ workspaces: { installed: 2, tokenRefused: ['T0TWO'] } });
});

it('serves every workspace of an organization that installed the app org-wide, with the org’s token', async () => {
  const token = await install(h.baseUrl, fake, { enterpriseId: 'E0GRID', isEnterpriseInstall: true, installerId: 'UGRIDADMIN' });
  expect(await report('UGRACE', 'Grid Goods', 'E0GRID')).toMatchObject({ status: 200 });
  const { mistake, post } = await cardOf('Grid Goods');
  expect(mistake.teamId).toBe('T0GRID1');
  expect(post.token).toBe(token);
  expect((await h.bot.deps.settings.allTeams()).map((p) => p.teamId)).toEqual(['T0GRID1']);
});

it('does not act for a workspace that never installed the app', async () => {
  await install(h.baseUrl, fake, ONE);
  const opened = fake.called('views.open').length;
  await postToSlackEndpoint(h.baseUrl, slashCommand('flour to the wrong address', { userId: 'UBOB', teamId: 'T0TWO' }));
  await new Promise((r) => setTimeout(r, 100));
  expect(fake.called('views.open')).toHaveLength(opened);
  expect(await h.t.db.mistake.count()).toBe(0);
});

async function waitUntil(done: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('it did not happen');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('the installer is an admin of their workspace: without a default channel, reports wait until they choose one in Settings', async () => {
  await h.close();
  h = await startHarness({ fake, env: oauthEnv(fake, { ESCALATION_CHANNEL_ID: '', DIGEST_CHANNEL_ID: '', ADMIN_USER_IDS: '' }) });
  await install(h.baseUrl, fake, ONE);
  const refused = await report('UALICE', 'Alpha Bakery');
  expect(refused.json.response_action).toBe('errors');
  expect(JSON.stringify(refused.json.errors)).toMatch(/No escalation channel is set for this workspace yet/);
  expect(await h.t.db.mistake.count()).toBe(0);

  // The installer opens Settings from App Home and picks the channels.
  const opened = fake.called('views.open').length;
  const clicked = await postToSlackEndpoint(h.baseUrl, buttonClick(Actions.openSettings, 'settings', { userId: 'UONEADMIN', teamId: 'T0ONE' }));
  expect(clicked.status).toBe(200);
  const form = (await fake.waitFor('views.open', opened)).args.view;
  const saved = await postToSlackEndpoint(
    h.baseUrl,
    viewSubmission(
      form,
      { [Inputs.escalationChannel]: 'C0ONEESCAL', [Inputs.digestChannel]: 'C0ONEDIGEST' },
      { userId: 'UONEADMIN', teamId: 'T0ONE' },
    ),
  );
  expect(saved.json?.response_action).toBeUndefined();
  expect(await report('UALICE', 'Alpha Bakery')).toMatchObject({ status: 200 });
  expect((await cardOf('Alpha Bakery')).post.args.channel).toBe('C0ONEESCAL');
  // Someone else in that workspace is no admin.
  const told = fake.called('chat.postMessage').length;
  await postToSlackEndpoint(h.baseUrl, buttonClick(Actions.openSettings, 'settings', { userId: 'UALICE', teamId: 'T0ONE' }));
  expect((await fake.waitFor('chat.postMessage', told)).args.text).toMatch(/Only this workspace's admins/);
});
