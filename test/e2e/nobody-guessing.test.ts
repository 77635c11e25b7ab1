// Nobody is left guessing: the reporter hears the report landed, a reopen reaches the owner, the
// whole story is readable, and the card offers only what still makes sense. Over signed HTTP.
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { blockText, buttonLabels, readable } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick } from '../support/slackRequests';

let h: Harness;
let flow: Flow;

beforeEach(async () => {
  h = await startHarness();
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

/** Alice reports; Bob owns the recovery and takes it from his DM. */
async function reportForBob(values: Record<string, string> = REPORT): Promise<number> {
  const id = await flow.report({ ...values, [Inputs.owner]: BOB }, ALICE);
  await flow.click(Actions.own, flow.dms(BOB)[0]!, BOB);
  return id;
}

it('tells the reporter privately "Reported as Mistake #N", with its thread link, once the card is posted', async () => {
  const id = await flow.report({ ...REPORT, [Inputs.owner]: BOB }, ALICE);
  const { threadTs } = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  const confirmations = flow.dms(ALICE);
  expect(confirmations).toHaveLength(1);
  const url = `https://acme.slack.com/archives/CESCALATIONS/p${threadTs!.replace('.', '')}`;
  expect(confirmations[0]!.text).toBe(`Reported as Mistake #${id} (Harbor Bakery). Its thread: <${url}|open it>`);
  expect(blockText(confirmations[0]!.blocks)).toContain(`Reported as Mistake #${id}: *Harbor Bakery*`);
  expect(JSON.stringify(confirmations[0]!.blocks)).toContain(url);
  // After the card: the link points at a thread that exists.
  const posts = h.fake.called('chat.postMessage');
  const cardAt = posts.findIndex((c) => c.response?.ts === threadTs);
  const confirmationAt = posts.findIndex((c) => c.args.channel === ALICE);
  expect(cardAt).toBeGreaterThanOrEqual(0);
  expect(confirmationAt).toBeGreaterThan(cardAt);
  // The owner still gets their own DM to take it.
  expect(buttonLabels(flow.dms(BOB)[0]!.blocks)).toContain('Own it');
});

it('a reopen mentions the owner in the thread and DMs them the next step’s button', async () => {
  const id = await reportForBob();
  await flow.recover(id, BOB);
  await flow.click(Actions.reopen, await flow.card(id), ALICE);
  await flow.submit({ [Inputs.reason]: 'The replacement flour was the wrong type' }, ALICE);

  const { ts } = await flow.card(id);
  const replies = flow.replies(ts);
  const reopened = replies[replies.length - 1]!;
  expect(blockText(reopened.args.blocks)).toContain('@U0ALICE reopened this recovery');
  expect(reopened.args.blocks[0].text.text).toContain(`<@${BOB}>, back to *Make it right*`);
  const dms = flow.dms(BOB);
  const dm = dms[dms.length - 1]!;
  expect(blockText(dm.blocks)).toContain('reopened the recovery for *Harbor Bakery*: the customer needs more');
  expect(blockText(dm.blocks)).toContain('The replacement flour was the wrong type');
  // The step to do, and not "nothing more needed": the customer just said they need more.
  expect(buttonLabels(dm.blocks)).toEqual(['Make it right', 'Open thread']);
});

it('carries the whole report in the first thread reply, over several sections when it is long', async () => {
  const story = Array.from({ length: 45 }, (_, i) => `Line ${i + 1}: the pallet & the van went to the old depot, not café.`).join('\n');
  // Escaped for Slack (& is &amp;), it is more than one section's 3,000 characters.
  expect(story.replace(/&/g, '&amp;').length).toBeGreaterThan(3000);
  expect(story.length).toBeLessThanOrEqual(3000);
  const id = await flow.report({ ...REPORT, [Inputs.whatHappened]: story });
  const card = await flow.card(id);
  // The card shows the start, and says where the rest is.
  expect(blockText(card.blocks)).not.toContain('Line 45');
  expect(blockText(card.blocks)).toContain('the full report is the first reply in the thread');
  const [first] = flow.replies(card.ts);
  const sections = (first!.args.blocks as any[]).filter((b) => b.type === 'section');
  expect(sections.length).toBeGreaterThanOrEqual(3);
  for (const s of sections) expect([...s.text.text].length).toBeLessThanOrEqual(3000);
  const shown = readable(blockText(first!.args.blocks));
  for (const line of story.split('\n')) expect(shown).toContain(line);
  expect(shown).toContain(REPORT[Inputs.impact]);
});

it('offers only what still makes sense: no "nothing more needed" after "not satisfied" or a reopen', async () => {
  const id = await flow.report();
  const card = () => flow.card(id);
  await flow.apologize(id);
  await flow.click(Actions.ask, await card());
  await flow.submit({ [Inputs.answer]: 'The flour, today.' });
  expect(buttonLabels((await card()).blocks)).toEqual(['Make it right', 'Nothing more needed', 'Log contact', 'Reassign']);
  await flow.makeRight(id);
  await flow.notSatisfied(id);
  expect(buttonLabels((await card()).blocks)).toEqual(['Make it right', 'Log contact', 'Reassign']);

  // A stale "nothing more needed" button is refused with the reason, and nothing changes.
  const m = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  const opened = h.fake.called('views.open').length;
  const told = h.fake.called('chat.postEphemeral').length;
  await flow.post(
    buttonClick(Actions.skipMakeRight, encodeValue({ m: id, v: m.version }), {
      userId: 'UALICE',
      channelId: 'CESCALATIONS',
      messageTs: m.threadTs!,
    }),
  );
  // The refusal is the click's last act: once it is shown, nothing else is coming.
  await h.fake.waitFor('chat.postEphemeral', told);
  await h.deliver();
  expect(h.fake.called('views.open')).toHaveLength(opened);
  expect(flow.told('UALICE').pop()).toMatch(/told us they need more/);

  await flow.makeRight(id, 'UALICE', 'Replacement flour by courier');
  await flow.click(Actions.satisfied, await card());
  await flow.submit({ [Inputs.comment]: 'Happy' });
  await flow.click(Actions.reopen, await card());
  await flow.submit({ [Inputs.reason]: 'It arrived damp' });
  expect(buttonLabels((await card()).blocks)).toEqual(['Make it right', 'Log contact', 'Reassign']);
});
