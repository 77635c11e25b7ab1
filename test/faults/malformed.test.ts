// Signed requests that are malformed or repeated: each gets a 4xx at once or the right quiet
// answer, and leaves the stored data exactly as it was.
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { askModal } from '../../src/slack/views/modals';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick, form, interaction, postToSlackEndpoint, slashCommand, viewSubmission, type SlackPost } from '../support/slackRequests';
import { faultTotals, summaryRow } from '../support/summary';

const TEAM = 'T_ACME';
const totals = faultTotals();
let h: Harness;
let mistakeId: number;

beforeAll(async () => {
  h = await startHarness();
  const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UALICE', {
    customer: 'Harbor Bakery',
    whatHappened: 'Their flour went to the wrong address.',
    impact: 'Nothing to bake for the Saturday market.',
    severity: 'high',
    category: 'delivery',
    ownerId: 'UALICE',
  });
  mistakeId = mistake.id;
  await h.bot.deps.mistakes.completeStep({ teamId: TEAM, mistakeId }, 'UALICE', 'apologize');
  await h.deliver();
});

afterAll(async () => {
  const ledger = h.fake.ledger(await h.t.db.delivery.findMany());
  totals.delivered += ledger.delivered;
  totals.lost += ledger.lost.length;
  totals.duplicated += ledger.duplicated.length;
  process.stdout.write(summaryRow('malformed', totals));
  await h.close();
});

async function state() {
  const db = h.t.db;
  return {
    mistakes: await db.mistake.findMany({ orderBy: { id: 'asc' } }),
    steps: await db.recoveryStep.findMany({ orderBy: { id: 'asc' } }),
    timeline: await db.timelineEvent.findMany({ orderBy: { id: 'asc' } }),
    workspaces: await db.workspaceSettings.findMany(),
  };
}

function click(): Record<string, any> {
  const body = buttonClick(Actions.apologize, encodeValue({ m: mistakeId }), { channelId: 'CESCALATIONS', messageTs: '1.0' }).body;
  return JSON.parse(new URLSearchParams(body).get('payload')!);
}

function submission(): Record<string, any> {
  const body = viewSubmission({ callback_id: 'mistake_ask_modal', private_metadata: encodeValue({ m: mistakeId }), blocks: [] }, {}).body;
  return JSON.parse(new URLSearchParams(body).get('payload')!);
}

const changed = (f: (p: Record<string, any>) => void, base: () => Record<string, any> = click): SlackPost => {
  const payload = base();
  f(payload);
  return interaction(payload);
};

// prettier-ignore
const MALFORMED: Array<[string, () => SlackPost]> = [
  ['payload=null', () => form({ payload: 'null' })],
  ['a click without user', () => changed((p) => delete p.user)],
  ['a click whose user is null', () => changed((p) => (p.user = null))],
  ['a click with actions: null', () => changed((p) => (p.actions = null))],
  ['a click with no actions', () => changed((p) => (p.actions = []))],
  ['a click whose action is null', () => changed((p) => (p.actions = [null]))],
  ['a click whose action has no action_id', () => changed((p) => delete p.actions[0].action_id)],
  ['a click whose container is a string', () => changed((p) => (p.container = 'message'))],
  ['a form with view: null', () => changed((p) => (p.view = null), submission)],
  ['a form without user', () => changed((p) => delete p.user, submission)],
  ['a form without state', () => changed((p) => delete p.view.state, submission)],
  ['a form whose blocks are not a list', () => changed((p) => (p.view.blocks = {}), submission)],
  ['a payload with no type', () => changed((p) => delete p.type)],
  ['a command without user_id', () => form(Object.fromEntries([...new URLSearchParams(slashCommand('list').body)].filter(([k]) => k !== 'user_id')))],
  [
    'an event with event: null',
    () => ({ body: JSON.stringify({ type: 'event_callback', team_id: TEAM, event: null }), contentType: 'application/json' }),
  ],
];

it.each(MALFORMED)('%s: 400 at once, nothing stored, nothing sent', async (_name, make) => {
  const before = await state();
  const calls = h.fake.calls.length;
  // A request nobody answers would hang here; a bounded wait turns that into a failure.
  const response = await postToSlackEndpoint(h.baseUrl, make(), { signal: AbortSignal.timeout(15_000) });
  expect(response.status).toBe(400);
  await h.deliver();
  expect(await state()).toEqual(before);
  expect(h.fake.calls.slice(calls).filter((c) => c.method !== 'auth.test')).toEqual([]);
  totals.cases += 1;
  totals.faults += 1;
});

it('refuses a snooze of 10^15 minutes with a reason, and changes nothing', async () => {
  const before = await state();
  const ephemerals = h.fake.called('chat.postEphemeral').length;
  const snooze = changed((p) => {
    const value = encodeValue({ m: mistakeId, s: 1e15 });
    p.actions = [
      {
        type: 'overflow',
        action_id: Actions.snooze,
        block_id: 'b',
        selected_option: { value, text: { type: 'plain_text', text: 'x' } },
        action_ts: '1',
      },
    ];
  });
  const response = await postToSlackEndpoint(h.baseUrl, snooze);
  expect(response.status).toBe(200);
  const told = await h.fake.waitFor('chat.postEphemeral', ephemerals);
  expect(told.args.text).toMatch(/30 days at most/);
  await h.deliver();
  expect(await state()).toEqual(before);
  expect(h.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  totals.cases += 1;
  totals.faults += 1;
});

it('closes 20 identical Ask submissions quietly, and saves the answer once', async () => {
  const record = (await h.bot.deps.queries.get(TEAM, mistakeId))!;
  const body = viewSubmission(askModal(record), { [Inputs.answer]: 'A refund, and the order by Friday.' }, { viewId: 'V_SAME_ASK' });
  const answers = await Promise.all(Array.from({ length: 20 }, () => postToSlackEndpoint(h.baseUrl, body)));
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    // An empty 200 closes the form; a field error would tell the person it "changed meanwhile".
    expect(answer.text).toBe('');
  }
  await h.deliver();
  const step = await h.t.db.recoveryStep.findFirstOrThrow({ where: { mistakeId, kind: 'ask' } });
  expect(step.status).toBe('done');
  expect(step.customerAnswer).toBe('A refund, and the order by Friday.');
  const asked = (await h.t.db.timelineEvent.findMany({ where: { mistakeId, kind: 'step_done' } })).filter(
    (e) => JSON.parse(e.details).step === 'ask',
  );
  expect(asked).toHaveLength(1);
  expect(h.fake.called('chat.postEphemeral').filter((c) => /changed while you were looking/.test(String(c.args.text)))).toEqual([]);
  totals.cases += 1;
  totals.faults += 19;
});
