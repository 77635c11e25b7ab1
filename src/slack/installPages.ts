import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackOptions, Installation } from '@slack/oauth';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(res: ServerResponse, status: number, title: string, paragraphs: string[]): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
      '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head>' +
      `<body><h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</body></html>`,
  );
}

/** GET /slack/install: one "Add to Slack" link to Slack's authorization page, carrying the state. */
export function installPage(addToSlackUrl: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Install Mistake Recovery</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}' +
    'a.add{display:inline-block;padding:.6rem 1.2rem;border:1px solid #ccc;border-radius:6px;font-weight:600;text-decoration:none;color:#1d1c1d}</style></head>' +
    '<body><h1>Install Mistake Recovery</h1>' +
    '<p>Mistake Recovery walks your team through recovering a customer after a mistake: own it, apologize, ask, make it right, confirm.</p>' +
    `<p><a class="add" href="${escapeHtml(addToSlackUrl)}">Add to Slack</a></p>` +
    '<p>Slack asks you to pick the workspace (or, in an Enterprise Grid, the organization) and shows what the app may do there.</p>' +
    '</body></html>'
  );
}

const START_AGAIN = 'To install, start again from <a href="/slack/install">the install page</a>.';

/** What the person who clicked "Add to Slack" sees once Slack sends them back. */
export const installPages: Pick<CallbackOptions, 'success' | 'failure'> = {
  success(installation: Installation, _options: unknown, _req: IncomingMessage, res: ServerResponse) {
    const where = installation.isEnterpriseInstall ? installation.enterprise?.name : installation.team?.name;
    page(res, 200, 'Mistake Recovery is installed', [
      `It is now installed in ${escapeHtml(where ?? 'your workspace')}.`,
      'Invite it to the channel where mistakes should be handled (<code>/invite @Mistake Recovery</code>), then open the app’s Home tab in Slack and choose that channel under <strong>Settings</strong> (you are one of its admins there).',
      'Then anyone can type <code>/mistake</code> to report a mistake.',
    ]);
  },
  failure(error: { code?: string; message?: string }, _options: unknown, _req: IncomingMessage, res: ServerResponse) {
    switch (error.code) {
      case 'slack_oauth_invalid_state':
      case 'slack_oauth_missing_state':
        page(res, 400, 'This install link cannot be used', [
          'Nothing was installed. The link was already used, has expired, was opened in another browser, or did not come from this app.',
          START_AGAIN,
        ]);
        return;
      case 'slack_oauth_installer_authorization_error':
        page(res, 400, 'Installation cancelled', ['Nothing was installed.', START_AGAIN]);
        return;
      case 'slack_oauth_missing_code':
        page(res, 400, 'This is not an answer from Slack', [
          'Nothing was installed: Slack sends people here with a code, and this request had none.',
          START_AGAIN,
        ]);
        return;
      default:
        page(res, 500, 'The installation did not complete', [
          'Nothing was installed: Slack could not confirm the installation. Please try again in a moment.',
          START_AGAIN,
        ]);
    }
  },
};
