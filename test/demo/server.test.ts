// The demo server without a browser: the page's requests reach the real bot as signed Slack
// requests, and what the bot does shows up in the state the page draws.
import { startDemo, type Demo } from '../../src/demo/server';
import { runNpm } from '../support/processes';
import { Actions, Inputs } from '../../src/slack/ids';
import { formatDay } from '../../src/slack/views/text';

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({ port: 0, timeZone: 'Europe/Berlin' });
});

afterAll(async () => {
  await demo.close();
});

async function act(route: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const response = await fetch(`${demo.url}demo/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function state(user: string, conversation = 'CMISTAKES01', thread?: string): Promise<any> {
  const query = new URLSearchParams({ user, conversation, ...(thread ? { thread } : {}) });
  return (await fetch(`${demo.url}demo/state?${query}`)).json();
}

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

it('serves the page', async () => {
  const page = await fetch(demo.url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Mistake Recovery — demo</title>');
  // A thread link from a card opens the same page.
  expect((await fetch(`${demo.url}archives/CMISTAKES01/p1764000000000100`)).status).toBe(200);
  expect((await fetch(`${demo.url}../package.json`)).status).toBe(404);
});

it('takes /mistake through the real bot: modal, card, thread, and a private refusal for a bystander', async () => {
  expect((await act('command', { user: 'UDEMOALICE', conversation: 'CMISTAKES01', text: '/mistake Wrong cake delivered' })).status).toBe(200);
  const withModal = await until(
    () => state('UDEMOALICE'),
    (s) => s.modal !== null,
    'the report modal',
  );
  expect(withModal.modal.title).toBe('Report a mistake');
  expect(withModal.modal.html).toContain('Wrong cake delivered');

  // A form sent without what it needs comes back with field errors, and nothing is stored.
  await act('submit', { user: 'UDEMOALICE', viewId: withModal.modal.id, values: [] });
  const refused = await state('UDEMOALICE');
  expect(refused.modal.html).toContain('class="bk-error"');
  expect(await demo.bot.db.mistake.count()).toBe(0);

  const values = [
    { block_id: Inputs.customer, action_id: Inputs.customer, type: 'plain_text_input', value: 'Harbor Bakery' },
    { block_id: Inputs.whatHappened, action_id: Inputs.whatHappened, type: 'plain_text_input', value: 'Wrong cake delivered' },
    { block_id: Inputs.impact, action_id: Inputs.impact, type: 'plain_text_input', value: 'No cake at the wedding' },
    { block_id: Inputs.severity, action_id: Inputs.severity, type: 'static_select', value: 'high' },
    { block_id: Inputs.owner, action_id: Inputs.owner, type: 'users_select', value: 'UDEMOBOBBY' },
  ];
  expect((await act('submit', { user: 'UDEMOALICE', viewId: withModal.modal.id, values })).json.ok).toBe(true);
  const withCard = await until(
    () => state('UDEMOALICE'),
    (s) => s.modal === null && s.main.includes('Mistake #1'),
    'the card',
  );
  expect(withCard.main).toContain('Harbor Bakery');
  const card = demo.workspace.messages.find((m) => m.channel === 'CMISTAKES01' && !m.threadTs && m.text.includes('Mistake #1'))!;

  // Carol clicks Bob's button: she alone is told why nothing happened.
  const button = (card.blocks as any[]).flatMap((b) => b.elements ?? []).find((e: any) => e.action_id === Actions.own);
  expect(button).toBeTruthy();
  await act('action', {
    user: 'UDEMOCAROL',
    container: { kind: 'message', channel: card.channel, ts: card.ts },
    action: { type: 'button', action_id: button.action_id, block_id: 'x', value: button.value },
  });
  const carol = await until(
    () => state('UDEMOCAROL'),
    (s) => s.main.includes('Only visible to you'),
    'the private refusal',
  );
  expect(carol.main).toMatch(/ephemeral/);
  expect((await state('UDEMOALICE')).main).not.toContain('Only visible to you');
  expect((await demo.bot.db.mistake.findFirstOrThrow()).state).toBe('reported');

  // The thread holds the full report for everyone.
  const thread = await state('UDEMOBOBBY', 'CMISTAKES01', card.ts);
  expect(thread.thread).toContain('Harbor Bakery');
});

it('runs passes and moves the clock, and says what happened in words', async () => {
  const reminders = await act('pass', { user: 'UDEMOBOBBY', name: 'reminders' });
  expect(reminders.json.said).toMatch(/^Reminders: /);
  const before = demo.clock.now().getTime();
  expect((await act('clock', { user: 'UDEMOBOBBY', advanceMs: 86_400_000 })).status).toBe(200);
  expect(demo.clock.now().getTime() - before).toBeGreaterThanOrEqual(86_400_000);
  const escalations = await act('pass', { user: 'UDEMOBOBBY', name: 'escalations' });
  expect(escalations.json.said).toMatch(/^Escalations: /);
  const checkIns = await act('pass', { user: 'UDEMOBOBBY', name: 'check-ins' });
  expect(checkIns.json.said).toMatch(/^Check-ins: /);
  const digest = await act('pass', { user: 'UDEMOBOBBY', name: 'digest' });
  expect(digest.json.said).toMatch(/digest/);
  const shown = await state('UDEMOBOBBY', 'CTEAMDIGEST');
  expect(shown.main).toMatch(/digest|All clear/i);
  expect(shown.activity.map((a: any) => a.text).join('\n')).toMatch(/moved forward 1 day/);

  // The insights pass uploads its chart to the stand-in, which serves it for the image block.
  const insights = await act('pass', { user: 'UDEMOBOBBY', name: 'insights' });
  expect(insights.json.said).toMatch(/insights post/);
  const post = demo.workspace.messages.find((m) => m.channel === 'CTEAMDIGEST' && (m.blocks as any[] | undefined)?.some((b) => b.type === 'image'));
  expect(post).toBeTruthy();
  const image = (post!.blocks as any[]).find((b) => b.type === 'image');
  const png = await fetch(`${demo.url}demo/file/${image.slack_file.id}`);
  expect(png.headers.get('content-type')).toBe('image/png');
  expect(
    Buffer.from(await png.arrayBuffer())
      .subarray(1, 4)
      .toString(),
  ).toBe('PNG');
  expect((await state('UDEMOBOBBY', 'CTEAMDIGEST')).main).toContain(`/demo/file/${image.slack_file.id}`);
});

it('answers bad input from the page with a clear message and changes nothing', async () => {
  const mistakes = await demo.bot.db.mistake.count();
  expect(await act('pass', { user: 'UDEMOBOBBY', name: 'payroll' })).toEqual({
    status: 400,
    json: { ok: false, error: 'There is no pass called "payroll".' },
  });
  expect((await act('clock', { user: 'UDEMOBOBBY', advanceMs: -5 })).status).toBe(400);
  expect((await act('command', { user: 'UNOBODY001', text: '/mistake x' })).json.error).toBe('Unknown demo user UNOBODY001.');
  const garbled = await fetch(`${demo.url}demo/command`, { method: 'POST', body: '{nope' });
  expect(garbled.status).toBe(400);
  expect(await demo.bot.db.mistake.count()).toBe(mistakes);
});

it("answers the bot's Web API calls as Slack does, and names the ones it does not know", async () => {
  const call = (method: string, args: Record<string, string>) =>
    fetch(`${demo.url}api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args),
    }).then((r) => r.json());
  expect(await call('auth.test', {})).toMatchObject({ ok: true, team_id: 'TDEMO00001', url: demo.url });
  expect(await call('chat.postMessage', { channel: 'CNOWHERE01', text: 'hi' })).toEqual({ ok: false, error: 'channel_not_found' });
  expect(await call('admin.users.remove', {})).toEqual({ ok: false, error: 'unknown_method' });
  expect(await call('users.info', { user: 'UDEMOBOBBY' })).toMatchObject({ ok: true, user: { tz: 'Europe/Berlin' } });
});

it('gives the environment an operator command needs to run beside it', async () => {
  // As the demo prints it: `npm run job -- digest` in another terminal, against the demo's
  // database and stand-in Slack. The post shows up in the demo's digest channel.
  // The workspace is known once someone opened the app (when this test runs alone too).
  expect((await act('home', { user: 'UDEMOALICE' })).status).toBe(200);
  await until(
    () => state('UDEMOALICE', 'home'),
    (s) => s.main.includes('Your open recoveries'),
    'App Home',
  );
  const posts = async () => ((await state('UDEMOALICE', 'CTEAMDIGEST')).main.match(/<article class="message"/g) ?? []).length;
  const before = await posts();
  // The page's clock moved on (a day in the test above, two more here); the command follows it,
  // so its "today" is the page's, and a delivery it holds is not taken for one abandoned days ago.
  expect((await act('clock', { user: 'UDEMOBOBBY', advanceMs: 2 * 86_400_000 })).status).toBe(200);
  const pageDay = formatDay(demo.clock.now(), 'Europe/Berlin');
  expect(pageDay).not.toBe(formatDay(new Date(), 'Europe/Berlin'));
  const ran = await runNpm(['run', '--silent', 'job', '--', 'digest', '--again'], demo.operatorEnv);
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/digest .*was posted/i);
  expect(ran.stdout.toLowerCase()).toContain(`today's digest (${pageDay.toLowerCase()})`);
  await until(posts, (n) => n === before + 1, 'the digest in the digest channel');
}, 180_000);
