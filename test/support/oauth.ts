// "Add to Slack" as a browser does it: the install page (which sets the state cookie and links to
// Slack with the state), Slack's approval (a code from the fake), and the redirect back.
import { randomBytes } from 'node:crypto';
import type { FakeSlack, FakeWorkspace } from './fakeSlack';
import { SIGNING_SECRET } from './slackRequests';

export const KEY = randomBytes(32).toString('base64');

/** The environment of OAuth mode: no SLACK_BOT_TOKEN, the app's credentials, an encryption key. */
export function oauthEnv(fake: FakeSlack, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: '',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_CLIENT_ID: fake.app.clientId,
    SLACK_CLIENT_SECRET: fake.app.clientSecret,
    SLACK_STATE_SECRET: 'test-state-secret',
    TOKEN_ENCRYPTION_KEY: KEY,
    ...overrides,
  };
}

export interface InstallStart {
  /** The state in the "Add to Slack" link. */
  state: string;
  /** The browser's cookie header for the callback. */
  cookie: string;
  html: string;
}

/** GET /slack/install, as the browser of the person installing. */
export async function openInstallPage(baseUrl: string): Promise<InstallStart> {
  const response = await fetch(`${baseUrl}/slack/install`);
  const html = await response.text();
  if (response.status !== 200) throw new Error(`/slack/install answered ${response.status}: ${html}`);
  const link = html.match(/href="([^"]*authorize[^"]*)"/)?.[1]?.replace(/&amp;/g, '&');
  if (!link) throw new Error('the install page has no link');
  const state = new URL(link).searchParams.get('state') ?? '';
  const cookie = (response.headers.getSetCookie?.() ?? [])
    .map((c) => c.split(';')[0]!)
    .filter((c) => c !== '')
    .join('; ');
  return { state, cookie, html };
}

/** Slack sends the browser back to /slack/oauth_redirect with a code and the state. */
export async function redirectBack(baseUrl: string, query: Record<string, string>, cookie?: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${baseUrl}/slack/oauth_redirect?${new URLSearchParams(query)}`, {
    headers: cookie ? { cookie } : {},
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text() };
}

/** The whole install: the page, the approval in Slack, the redirect. Returns the new bot token. */
export async function install(baseUrl: string, fake: FakeSlack, workspace: FakeWorkspace): Promise<string> {
  const start = await openInstallPage(baseUrl);
  const code = fake.approveInstall(workspace);
  const back = await redirectBack(baseUrl, { code, state: start.state }, start.cookie);
  if (back.status !== 200) throw new Error(`the install failed (${back.status}): ${back.html}`);
  const token = fake.tokenOf((workspace.isEnterpriseInstall ? workspace.enterpriseId : workspace.teamId)!);
  if (!token) throw new Error('Slack issued no token');
  return token;
}
