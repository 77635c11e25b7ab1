// App Home refreshes caused by changes wait HOME_REFRESH_DELAY, so a burst of changes publishes
// each person's Home once, from the latest data; opening the tab publishes at once.
import { ManualClock } from '../../src/services/clock';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick, eventCallback, postToSlackEndpoint, slashCommand, viewSubmission } from '../support/slackRequests';

let h: Harness;

afterEach(async () => {
  await h.close();
});

const ALICE = 'UALICE';
const REPORT = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'We shipped their flour to the wrong address.',
  [Inputs.impact]: 'Their Saturday market stall had nothing to bake with.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const homesOf = (userId: string) => h.fake.called('views.publish').filter((c) => c.args.user_id === userId);

async function report(): Promise<number> {
  const opened = h.fake.called('views.open').length;
  expect((await postToSlackEndpoint(h.baseUrl, slashCommand('flour to the wrong address', { userId: ALICE }))).status).toBe(200);
  await h.fake.waitFor('views.open', opened);
  const submitted = await postToSlackEndpoint(h.baseUrl, viewSubmission(h.fake.lastView(), REPORT, { userId: ALICE }));
  expect(submitted.status).toBe(200);
  await h.deliver();
  return (await h.t.db.mistake.findFirstOrThrow({ orderBy: { id: 'desc' } })).id;
}

/** Apologize through the apology form, from the card's button: the draft kept, a call recorded. */
async function apologize(mistakeId: number): Promise<void> {
  const { version } = await h.t.db.mistake.findUniqueOrThrow({ where: { id: mistakeId } });
  const opened = h.fake.called('views.open').length;
  const res = await postToSlackEndpoint(h.baseUrl, buttonClick(Actions.apologizeForm, encodeValue({ m: mistakeId, v: version }), { userId: ALICE }));
  expect(res.status).toBe(200);
  await h.fake.waitFor('views.open', opened);
  const values = { [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Called them and said sorry.' };
  const submitted = await postToSlackEndpoint(h.baseUrl, viewSubmission(h.fake.lastView(), values, { userId: ALICE }));
  expect(submitted.status).toBe(200);
  expect(submitted.json?.response_action).toBeUndefined();
  await h.deliver();
}

it('publishes the Home once for a report and a click right after it, showing where they ended', async () => {
  // The clock is the test's, so "right after" holds however slow the machine is.
  const clock = new ManualClock('2026-11-23T10:00:00Z');
  h = await startHarness({ clock, env: { HOME_REFRESH_DELAY: '1m' } });
  const id = await report();
  clock.advance(20_000);
  await apologize(id);
  expect(homesOf(ALICE)).toHaveLength(0);
  // The card and the thread were not kept waiting.
  expect(h.fake.called('chat.update')).toHaveLength(1);
  expect(h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts)).toHaveLength(2);

  clock.advance(61_000);
  await h.deliver();
  const homes = homesOf(ALICE);
  expect(homes).toHaveLength(1);
  const shown = JSON.stringify(homes[0]!.args.view);
  expect(shown).toContain('Harbor Bakery');
  expect(shown).toContain('Ask what they want');
});

it('sends a waiting refresh by itself once its delay has passed', async () => {
  h = await startHarness({ env: { HOME_REFRESH_DELAY: '1s' } });
  await report();
  // Nobody drains the queue here: the worker's own follow-up pass sends it.
  const deadline = Date.now() + 30_000;
  while (homesOf(ALICE).length === 0 && Date.now() < deadline) await sleep(50);
  expect(homesOf(ALICE)).toHaveLength(1);
  expect(JSON.stringify(homesOf(ALICE)[0]!.args.view)).toContain('Harbor Bakery');
  expect(await h.t.db.delivery.count({ where: { kind: 'home', status: 'pending' } })).toBe(0);
});

it('publishes at once when the tab is opened, even while a refresh is waiting', async () => {
  h = await startHarness({ env: { HOME_REFRESH_DELAY: '1m' } });
  const id = await report();
  await apologize(id);
  expect(homesOf(ALICE)).toHaveLength(0);
  const opened = await postToSlackEndpoint(h.baseUrl, eventCallback({ type: 'app_home_opened', user: ALICE, tab: 'home', channel: 'D0ALICE01' }));
  expect(opened.status).toBe(200);
  await h.deliver();
  expect(homesOf(ALICE)).toHaveLength(1);
  expect(JSON.stringify(homesOf(ALICE)[0]!.args.view)).toContain('Ask what they want');
  // The waiting refresh was the same one: nothing is left to send.
  expect(await h.t.db.delivery.count({ where: { kind: 'home', status: 'pending' } })).toBe(0);
});

it('publishes at once with HOME_REFRESH_DELAY=0', async () => {
  h = await startHarness({ env: { HOME_REFRESH_DELAY: '0' } });
  const id = await report();
  expect(homesOf(ALICE)).toHaveLength(1);
  await apologize(id);
  expect(homesOf(ALICE)).toHaveLength(2);
});
