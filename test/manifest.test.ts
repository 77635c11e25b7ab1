// manifest.yml asks for what the bot uses: the scopes an "Add to Slack" install asks for are the
// manifest's, and the events that stop a workspace are subscribed to.
import fs from 'node:fs';
import path from 'node:path';
import { BOT_SCOPES } from '../src/config';

const manifest = fs.readFileSync(path.join(__dirname, '..', 'manifest.yml'), 'utf8');
/** The list items (not comments) of the block that follows `key:`. */
function listAfter(key: string): string[] {
  const start = manifest.indexOf(`${key}:\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const items: string[] = [];
  for (const line of manifest.slice(start).split('\n').slice(1)) {
    if (/^\s*#/.test(line)) continue;
    const item = /^\s+- (\S+)\s*$/.exec(line);
    if (!item) break;
    items.push(item[1]!);
  }
  return items;
}

it('asks for the bot scopes an installation asks for', () => {
  expect(listAfter('    bot')).toEqual(BOT_SCOPES);
});

it('subscribes to the events the bot handles, uninstalls included', () => {
  expect(listAfter('    bot_events')).toEqual(['app_home_opened', 'app_uninstalled', 'tokens_revoked']);
});

it('names the OAuth redirect path the bot serves', () => {
  expect(manifest).toContain('/slack/oauth_redirect');
});
