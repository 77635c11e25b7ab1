// "It won't happen again", over signed HTTP against the fake Slack: once every prevention step is
// done the thread gets a draft note to the customer built from the root-cause analysis's "what
// changes", with a Mark sent button recorded in the timeline; the recovery closes without waiting.
import { Actions } from '../../src/slack/ids';
import { blockText } from '../support/blockText';
import { Flow } from '../support/flow';
import { actionIds, findAction, startHarness, type Harness } from '../support/harness';

let h: Harness;
let flow: Flow;

beforeEach(async () => {
  h = await startHarness();
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

it('drafts the note when the last prevention step is done, closes without waiting, and records Mark sent once', async () => {
  const id = await flow.report();
  await flow.recover(id);
  await flow.rootCauseAnalysis(await flow.card(id), 'UALICE', 'UBOB');
  const card = await flow.card(id);
  // Not before every prevention step is done.
  expect(JSON.stringify(flow.replies(card.ts).map((r) => r.args.blocks))).not.toContain(Actions.customerNoteSent);

  await flow.click(Actions.preventionDone, card, 'UBOB');
  const row = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(row.state).toBe('closed');
  expect(row.customerNoteSentAt).toBeNull();

  const draft = flow.replies(card.ts).find((r) => findAction(r.args.blocks, Actions.customerNoteSent))!;
  expect(draft).toBeDefined();
  const text = blockText(draft.args.blocks);
  expect(text).toContain("Every prevention step is done, so *Harbor Bakery* can be told it won't happen again.");
  expect(text).toContain('Hello Harbor Bakery,');
  // Built from the RCA's "what changes", the one the flow wrote.
  expect(text).toContain('Dispatch confirms the address on every first order.');
  expect(text).toContain('The bot never writes to the customer.');
  expect(actionIds(draft.args.blocks)).toEqual([Actions.customerNoteSent]);
  expect(findAction(draft.args.blocks, Actions.customerNoteSent).text.text).toBe('Mark sent');
  // It comes before the "closed" reply, and the card says where it is.
  const replies = flow.replies(card.ts).map((r) => String(r.args.text));
  expect(replies.findIndex((t) => t.includes("told it won't happen again"))).toBeLessThan(
    replies.findIndex((t) => t.includes('Recovered and closed')),
  );
  expect(blockText((await flow.card(id)).blocks)).toContain("*It won't happen again:* a draft note to the customer is in the thread");

  // A stranger cannot mark it; the owner can, once.
  const shown = { channel: card.channel, ts: card.ts, text: '', blocks: draft.args.blocks, edits: 0 };
  await flow.click(Actions.customerNoteSent, shown, 'UCAROL');
  expect(flow.told('UCAROL').pop()).toMatch(/Only the owner/);
  await flow.click(Actions.customerNoteSent, shown, 'UALICE');
  const sent = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(sent.customerNoteSentById).toBe('UALICE');
  expect(sent.customerNoteSentAt).not.toBeNull();
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: id, kind: 'customer_note_sent' } })).toBe(1);
  expect(String(flow.replies(card.ts).pop()!.args.text)).toBe("<@UALICE> sent Harbor Bakery the note that it won't happen again.");
  expect(blockText((await flow.card(id)).blocks)).toContain("*It won't happen again:* the note was sent to the customer by @UALICE");

  await flow.click(Actions.customerNoteSent, shown, 'UALICE');
  expect(flow.told('UALICE').pop()).toMatch(/already marked sent/);
  expect(await h.t.db.timelineEvent.count({ where: { mistakeId: id, kind: 'customer_note_sent' } })).toBe(1);
});
