// A whole recovery over signed HTTP, with WEBHOOK_URL pointing at a loopback receiver that checks
// every signature with the Standard Webhooks reference library and is down for a while: the
// receiver ends up with every lifecycle event, in order, and Slack never waited for it.
import { Actions, Inputs } from '../../src/slack/ids';
import { Flow, REPORT } from '../support/flow';
import { type Harness, startHarness } from '../support/harness';
import { slashCommand, viewSubmission } from '../support/slackRequests';
import { type Answer, WEBHOOK_TEST_SECRET, WebhookReceiver } from '../support/webhookReceiver';

const ALICE = 'UALICE';
const BOB = 'UBOB';

let h: Harness;
let flow: Flow;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
  h = await startHarness({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: WEBHOOK_TEST_SECRET } });
  flow = new Flow(h);
});

afterEach(async () => {
  // The receiver first: a request it left hanging fails now, and is given back to the outbox.
  await receiver.stop();
  await h.bot.worker.webhooks!.drain();
  await h.close();
});

async function allWebhooksSent(): Promise<void> {
  for (let round = 0; round < 40; round++) {
    await h.bot.worker.tryAllNow();
    if ((await h.t.db.delivery.count({ where: { kind: 'webhook', status: { not: 'sent' } } })) === 0) return;
  }
  throw new Error('webhooks were still waiting after every round');
}

it('sends every event of a recovery (report → … → reopened → … → closed), signed, through an outage, in order', async () => {
  // Down for the first eight requests (error statuses and dropped connections), then back.
  const failures: Answer[] = [503, 'reset', 500, 502];
  receiver.answerWith((n) => (n < 8 ? failures[n % failures.length]! : 200));

  const id = await flow.report({ ...REPORT, [Inputs.owner]: BOB }, ALICE);
  await flow.click(Actions.own, flow.dms(BOB)[0]!, BOB);
  await flow.apologize(id, BOB);
  await flow.click(Actions.ask, await flow.card(id), BOB);
  await flow.submit({ [Inputs.answer]: 'Deliver by Friday and waive the fee.' }, BOB);
  await flow.makeRight(id, BOB);
  await flow.notSatisfied(id, 'The new batch was the wrong type of flour', BOB);
  await flow.makeRight(id, BOB, 'The right flour, delivered by hand');
  await flow.click(Actions.satisfied, await flow.card(id), BOB);
  await flow.submit({ [Inputs.comment]: 'Happy, will order again' }, BOB);
  await flow.click(Actions.reopen, await flow.card(id), ALICE);
  await flow.submit({ [Inputs.reason]: 'They called: one sack was missing' }, ALICE);
  await flow.makeRight(id, BOB, 'The missing sack, delivered');
  await flow.click(Actions.satisfied, await flow.card(id), BOB);
  await flow.submit({ [Inputs.comment]: 'All there now' }, BOB);
  await flow.rootCauseAnalysis(await flow.card(id), BOB, BOB);
  await flow.click(Actions.preventionDone, await flow.card(id), BOB);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).state).toBe('closed');

  await allWebhooksSent();
  expect(receiver.received.filter((r) => !r.verified)).toEqual([]);
  expect(receiver.received.filter((r) => r.answer !== 200)).toHaveLength(8);
  const events = receiver.events();
  expect(events.map((e) => e.type)).toEqual([
    'mistake.reported',
    'mistake.step_completed', // own
    'mistake.step_completed', // apologize
    'mistake.step_completed', // ask
    'mistake.step_completed', // make it right
    'mistake.not_satisfied',
    'mistake.escalated',
    'mistake.step_completed', // make it right again
    'mistake.satisfied',
    'mistake.reopened',
    'mistake.step_completed', // make it right once more
    'mistake.satisfied',
    'mistake.rca_submitted',
    'mistake.prevention_done',
    'mistake.closed',
  ]);
  expect(events.map((e) => e.body.data.step).filter(Boolean)).toEqual(['own', 'apologize', 'ask', 'make_right', 'make_right', 'make_right']);
  // Every retry of an event carried its id and its bytes unchanged.
  for (const e of events) expect(new Set(receiver.received.filter((r) => r.id === e.id).map((r) => r.body)).size).toBe(1);
  // Once the card is in Slack, events link its thread.
  const { threadTs } = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(events[events.length - 1]!.body.mistake.thread_url).toContain(`message_ts=${threadTs}`);
  // Slack got every post, once each, as it would without webhooks.
  expect(flow.cardPosts()).toHaveLength(1);
  expect(await h.t.db.delivery.count({ where: { kind: { not: 'webhook' }, status: { not: 'sent' } } })).toBe(0);
});

it('never holds up Slack: a receiver that does not answer leaves the card and its replies to go out', async () => {
  receiver.answerWith(() => 'timeout');
  const opened = h.fake.called('views.open').length;
  await flow.post(slashCommand('flour to the wrong address', { userId: ALICE }));
  await h.fake.waitFor('views.open', opened);
  const posted = h.fake.called('chat.postMessage').length;
  await flow.post(viewSubmission(h.fake.lastView(), REPORT, { userId: ALICE }));
  // The change kicked both workers. The card reaches Slack while the webhook's request is still
  // unanswered (the receiver never answers; the sender gives up only after its timeout).
  await h.fake.waitFor('chat.postMessage', posted);
  await waitUntil(() => receiver.received.length > 0);
  const waiting = await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } });
  expect(waiting.status).toBe('sending');
  const slackLeft = () => h.t.db.delivery.count({ where: { kind: { not: 'webhook' }, status: { not: 'sent' } } });
  await waitUntil(async () => (await slackLeft()) === 0);
  expect((await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'webhook' } })).status).toBe('sending');
  expect(flow.cardPosts()).toHaveLength(1);
});

async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('it did not happen');
    await new Promise((r) => setTimeout(r, 10));
  }
}
