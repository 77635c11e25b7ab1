// The whole app over HTTP: requests signed exactly as Slack signs them, through Bolt's real
// receiver and signature check, with a local fake of Slack's Web API recording what arrives.
import { Actions, decodeValue, encodeValue, Inputs } from '../../src/slack/ids';
import { actionIds, findAction, startHarness, type Harness } from '../support/harness';
import { buttonClick, postToSlackEndpoint, sign, slashCommand, viewSubmission } from '../support/slackRequests';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

const post = (body: Parameters<typeof postToSlackEndpoint>[1], options?: Parameters<typeof postToSlackEndpoint>[2]) =>
  postToSlackEndpoint(h.baseUrl, body, options);

const REPORT = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'We shipped their flour to the wrong address.',
  [Inputs.impact]: 'Their Saturday market stall had nothing to bake with.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

/** Reports a mistake through /mistake and the modal; returns the posted card. */
async function reportMistake(values: Record<string, string> = REPORT, who = 'UALICE', viewId?: string) {
  const opened = h.fake.called('views.open').length;
  const command = await post(slashCommand('flour to the wrong address', { userId: who }));
  expect(command.status).toBe(200);
  await h.fake.waitFor('views.open', opened);
  const modal = h.fake.lastView();
  expect(modal.callback_id).toBe('mistake_report');
  const submitted = await post(viewSubmission(modal, values, { userId: who, viewId }));
  expect(submitted.status).toBe(200);
  await h.deliver();
  return latestCard();
}

async function openReportModal() {
  const opened = h.fake.called('views.open').length;
  await post(slashCommand(''));
  await h.fake.waitFor('views.open', opened);
}

function cards() {
  return h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
}

/** The card as Slack shows it now: the first post, or the latest edit of it. */
async function latestCard(): Promise<{ ts: string; blocks: any[] }> {
  const { threadTs } = await h.t.db.mistake.findFirstOrThrow({ orderBy: { id: 'desc' } });
  const posted = cards().find((c) => c.response?.ts === threadTs);
  if (!threadTs || !posted) throw new Error('no card was posted');
  const updates = h.fake.called('chat.update').filter((c) => c.args.ts === threadTs);
  return { ts: threadTs, blocks: (updates[updates.length - 1] ?? posted).args.blocks };
}

function replies(ts: string) {
  return h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === ts);
}

async function click(actionId: string, blocks: any[], who = 'UALICE', ts = '1') {
  const button = findAction(blocks, actionId);
  expect(button).toBeDefined();
  const opened = h.fake.called('views.open').length;
  const response = await post(buttonClick(actionId, button.value, { userId: who, channelId: 'CESCALATIONS', messageTs: ts }));
  expect(response.status).toBe(200);
  await h.deliver();
  if (MODAL_BUTTONS.has(actionId)) await h.fake.waitFor('views.open', opened);
  return button;
}

const MODAL_BUTTONS = new Set<string>([
  Actions.apologizeForm,
  Actions.ask,
  Actions.makeRight,
  Actions.skipMakeRight,
  Actions.satisfied,
  Actions.notSatisfied,
  Actions.rootCauseAnalysis,
  Actions.reassign,
  Actions.reopen,
]);

/** How the apology was made, on the apology form (its draft kept as it is). */
const APOLOGY = { [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Called them and said sorry.' };

async function submitModal(values: Record<string, string>, who = 'UALICE') {
  const response = await post(viewSubmission(h.fake.lastView(), values, { userId: who }));
  expect(response.status).toBe(200);
  await h.deliver();
  return response;
}

it('takes a mistake from /mistake to closed, one card edited in place and a reply per step', async () => {
  let card = await reportMistake();
  expect(cards()).toHaveLength(1);
  const mistake = await h.t.db.mistake.findFirstOrThrow();
  expect(mistake.threadTs).toBe(card.ts);
  // The owner (the reporter here) is told they own it, in the thread.
  expect(replies(card.ts).some((r) => String(r.args.text).includes('UALICE'))).toBe(true);
  // Root-cause analysis does not exist anywhere on the card before the customer is satisfied.
  expect(actionIds(card.blocks)).not.toContain(Actions.rootCauseAnalysis);

  await click(Actions.apologizeForm, card.blocks, 'UALICE', card.ts);
  expect(h.fake.lastView().callback_id).toBe('mistake_apologize_modal');
  await submitModal(APOLOGY);
  card = await latestCard();
  await click(Actions.ask, card.blocks, 'UALICE', card.ts);
  expect(h.fake.lastView().callback_id).toBe('mistake_ask_modal');
  await submitModal({ [Inputs.answer]: 'Deliver by Friday and waive the fee.' });
  card = await latestCard();
  await click(Actions.makeRight, card.blocks, 'UALICE', card.ts);
  await submitModal({ [Inputs.remedyKind]: 'refund', [Inputs.remedyValue]: 'Delivery fee refunded' });
  card = await latestCard();
  expect(actionIds(card.blocks)).not.toContain(Actions.rootCauseAnalysis);
  await click(Actions.satisfied, card.blocks, 'UALICE', card.ts);
  await submitModal({ [Inputs.comment]: 'Happy, will order again' });
  card = await latestCard();
  expect(actionIds(card.blocks)).toContain(Actions.rootCauseAnalysis);

  await click(Actions.rootCauseAnalysis, card.blocks, 'UALICE', card.ts);
  const rcaModal = h.fake.lastView();
  expect(rcaModal.callback_id).toBe('mistake_rca_modal');
  await submitModal({
    [Inputs.rcaWhatHappened]: 'The order went to an old address.',
    [Inputs.causes]: 'The address field is not checked against the customer record.',
    [Inputs.whatChanges]: 'Dispatch confirms the address on every first order.',
    [Inputs.prevention(1)]: 'Add the address check to dispatch',
    [Inputs.preventionOwner(1)]: 'UBOB',
    [Inputs.preventionDue(1)]: '2026-12-31',
  });
  card = await latestCard();
  const stored = await h.t.db.mistake.findFirstOrThrow({ include: { prevention: true } });
  expect(stored.state).toBe('preventing');
  expect(stored.prevention).toHaveLength(1);

  await click(Actions.preventionDone, card.blocks, 'UBOB', card.ts);
  const closed = await h.t.db.mistake.findFirstOrThrow();
  expect(closed.state).toBe('closed');
  expect(cards()).toHaveLength(1);
  expect(h.fake.called('chat.update').length).toBeGreaterThanOrEqual(6);
  const events = await h.t.db.timelineEvent.count();
  expect(replies(card.ts)).toHaveLength(events);
});

it('refuses the root-cause analysis before the customer is satisfied, with the reason, privately', async () => {
  const card = await reportMistake();
  const mistake = await h.t.db.mistake.findFirstOrThrow();
  const value = encodeValue({ m: mistake.id, v: mistake.version });
  const opened = h.fake.called('views.open').length;
  const response = await post(buttonClick(Actions.rootCauseAnalysis, value, { channelId: 'CESCALATIONS', messageTs: card.ts }));
  expect(response.status).toBe(200);
  await h.deliver();
  expect(h.fake.called('views.open')).toHaveLength(opened);
  const ephemeral = h.fake.called('chat.postEphemeral');
  expect(ephemeral[ephemeral.length - 1]!.args).toMatchObject({ user: 'UALICE', channel: 'CESCALATIONS' });
  expect(ephemeral[ephemeral.length - 1]!.args.text).toContain('The root-cause analysis opens once the customer is marked satisfied');
  expect(await h.t.db.rootCauseAnalysis.count()).toBe(0);
});

it('answers 401 to a forged signature or a stale timestamp, and writes nothing', async () => {
  const body = slashCommand('anything');
  // The bot asked Slack which workspace it is installed in as it started; nothing since.
  const callsBefore = h.fake.calls.length;
  const forged = await post(body, { signature: sign(body.body, Math.floor(Date.now() / 1000), 'not-the-secret') });
  expect(forged.status).toBe(401);
  const missing = await post(body, { signature: null });
  expect(missing.status).toBe(401);
  const old = Math.floor(Date.now() / 1000) - 6 * 60;
  const stale = await post(body, { timestamp: old, signature: sign(body.body, old) });
  expect(stale.status).toBe(401);
  expect(h.fake.calls.slice(callsBefore)).toHaveLength(0);
  expect(await h.t.db.mistake.count()).toBe(0);
  expect(await h.t.db.delivery.count()).toBe(0);
});

it('creates one mistake and one thread when the same submission arrives twice', async () => {
  await openReportModal();
  const modal = h.fake.lastView();
  const submission = viewSubmission(modal, REPORT, { viewId: 'V_SAME' });
  const [a, b] = await Promise.all([post(submission), post(submission)]);
  expect([a.status, b.status]).toEqual([200, 200]);
  await h.deliver();
  expect(await h.t.db.mistake.count()).toBe(1);
  expect(cards()).toHaveLength(1);
});

it('tells a non-owner privately and politely, and changes nothing', async () => {
  const card = await reportMistake();
  const before = await h.t.db.mistake.findFirstOrThrow({ include: { steps: true } });
  const button = findAction(card.blocks, Actions.apologizeForm);
  await post(buttonClick(Actions.apologizeForm, button.value, { userId: 'UMALLORY', channelId: 'CESCALATIONS', messageTs: card.ts }));
  await h.deliver();
  const told = h.fake.called('chat.postEphemeral').find((c) => c.args.user === 'UMALLORY');
  expect(told?.args.text).toMatch(/Only its owner or an admin can do that/);
  expect(told?.args.text).toContain('<@UALICE>');
  const after = await h.t.db.mistake.findFirstOrThrow({ include: { steps: true } });
  expect(after).toEqual(before);
});

it('refreshes the card and explains a stale click on a step already done', async () => {
  const card = await reportMistake();
  const button = findAction(card.blocks, Actions.apologizeForm);
  await click(Actions.apologizeForm, card.blocks, 'UALICE', card.ts);
  await submitModal(APOLOGY);
  const updatesBefore = h.fake.called('chat.update').length;
  await post(buttonClick(Actions.apologizeForm, button.value, { channelId: 'CESCALATIONS', messageTs: card.ts }));
  await h.deliver();
  const told = h.fake.called('chat.postEphemeral');
  expect(told[told.length - 1]!.args.text).toMatch(/already done/);
  expect(h.fake.called('chat.update').length).toBe(updatesBefore + 1);
  expect(await h.t.db.timelineEvent.count({ where: { kind: 'step_done' } })).toBe(1);
});

it('keeps the report when Slack fails, and posts the card exactly once when Slack recovers', async () => {
  await openReportModal();
  const modal = h.fake.lastView();
  h.fake.fail('chat.postMessage', { kind: 'status', status: 503 }, 3);
  const response = await post(viewSubmission(modal, REPORT));
  expect(response.status).toBe(200);
  await h.deliver();
  expect(await h.t.db.mistake.count()).toBe(1);
  expect(cards()).toHaveLength(0);
  // The operator's pass ignores backoff, like the retry loop does once it is due.
  for (let i = 0; i < 4 && cards().length === 0; i++) await h.bot.jobs.deliveries({ ignoreBackoff: true });
  expect(cards()).toHaveLength(1);
  await h.bot.jobs.deliveries({ ignoreBackoff: true });
  expect(cards()).toHaveLength(1);
  const ts = (await h.t.db.mistake.findFirstOrThrow()).threadTs!;
  expect(replies(ts)).toHaveLength(1);
  expect(await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })).toBe(0);
});

it('shows field errors on the modal and stores nothing for a blank report', async () => {
  await openReportModal();
  const response = await post(viewSubmission(h.fake.lastView(), { ...REPORT, [Inputs.customer]: '    ' }));
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ response_action: 'errors', errors: { [Inputs.customer]: expect.any(String) } });
  expect(await h.t.db.mistake.count()).toBe(0);
});

it('answers /mistake help, mine and list privately', async () => {
  await reportMistake();
  const help = await post(slashCommand('help'));
  expect(help.json.response_type).toBe('ephemeral');
  const mine = await post(slashCommand('mine'));
  expect(mine.json.response_type).toBe('ephemeral');
  expect(JSON.stringify(mine.json)).toContain('Harbor Bakery');
  const list = await post(slashCommand('list', { userId: 'UBOB' }));
  expect(JSON.stringify(list.json)).toContain('Harbor Bakery');
});

it('decodes the values it puts on buttons', () => {
  expect(decodeValue(encodeValue({ m: 3, v: 2 }))).toEqual(expect.objectContaining({ m: 3, v: 2 }));
});
