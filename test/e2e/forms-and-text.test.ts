// Forms and text, over signed HTTP against the fake Slack: the RCA form shows every problem at
// once and keeps the analysis blameless; what people type shows as typed; notifications carry no
// formatting marks; one label for each thing; /mistake with one unknown word answers with help.
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { slashCommand } from '../support/slackRequests';

let h: Harness;
let flow: Flow;

beforeEach(async () => {
  h = await startHarness();
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

/** Slack's formatting marks outside links, mentions and emoji codes. */
function marksIn(mrkdwn: string): string[] {
  return (
    mrkdwn
      .replace(/<[^>]*>/g, '')
      .replace(/:[a-z0-9_+'-]+:/g, '')
      .match(/[*_~`]/g) ?? []
  );
}

describe('the root-cause analysis form', () => {
  it('shows every field’s problem at once', async () => {
    const id = await flow.report();
    await flow.recover(id);
    await flow.click(Actions.rootCauseAnalysis, await flow.card(id));
    const answer = await flow.submit({
      [Inputs.rcaWhatHappened]: 'The order went to an old address.',
      [Inputs.causes]: '   ',
      [Inputs.whatChanges]: '',
      [Inputs.prevention(1)]: 'Add the address check to dispatch',
      [Inputs.preventionOwner(1)]: 'UBOB',
    });
    expect(answer.json).toMatchObject({ response_action: 'errors' });
    expect(Object.keys(answer.json.errors).sort()).toEqual([Inputs.causes, Inputs.preventionDue(1), Inputs.whatChanges].sort());
    expect(await h.t.db.rootCauseAnalysis.count()).toBe(0);
  });

  it('keeps the analysis blameless in its hints: causes and changes, not culprits', async () => {
    const id = await flow.report();
    await flow.recover(id);
    await flow.click(Actions.rootCauseAnalysis, await flow.card(id));
    const view = h.fake.lastView();
    expect(view.title.text).toBe('Root-cause analysis');
    const hint = (blockId: string) => view.blocks.find((b: any) => b.block_id === blockId)?.hint?.text as string;
    expect(hint(Inputs.causes)).toMatch(/^Causes, not culprits/);
    expect(hint(Inputs.whatChanges)).toContain('not to who does it');
    expect(hint(Inputs.rcaWhatHappened)).toContain('not who did it');
    expect(blockText(view.blocks)).toContain('it names no one');
  });
});

describe('what people type', () => {
  const MARKED = { ...REPORT, [Inputs.customer]: 'Table 12 … *bold* _it_ ~gone~ `code` 🍝' };

  it('shows formatting marks as typed, without formatting or breaking the bot’s own bold', async () => {
    const id = await flow.report(MARKED);
    const card = await flow.card(id);
    const { ts } = card;
    // The stored report is untouched.
    expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).customer).toBe(MARKED[Inputs.customer]);
    // In the card's header (plain text) it is exactly as typed; in mrkdwn the marks are look-alikes.
    expect(card.blocks[0].text.text).toContain('Table 12 … *bold* _it_ ~gone~ `code` 🍝');
    // The apology form names the customer as typed, in look-alikes, and its draft (plain text) as typed.
    await flow.click(Actions.apologizeForm, card);
    const form = h.fake.lastView();
    expect(blockText(form.blocks)).toContain('*Table 12 … ∗bold∗ ˍitˍ ∼gone∼ ˋcodeˋ 🍝*');
    const draft = form.blocks.find((b: any) => b.block_id === Inputs.apology).element.initial_value as string;
    expect(draft).toContain('Hi Table 12 … *bold* _it_ ~gone~ `code` 🍝,');
    // Every mrkdwn text the bot sent about it: the only marks left are the bot's own, in pairs.
    await flow.submit({ [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Said sorry on the phone.' });
    for (const call of [...flow.replies(ts), ...h.fake.called('chat.update')]) {
      for (const block of call.args.blocks ?? []) {
        const text: string | undefined = block.text?.type === 'mrkdwn' ? block.text.text : undefined;
        if (!text?.includes('Table 12')) continue;
        expect(text).toContain('∗bold∗ ˍitˍ ∼gone∼ ˋcodeˋ');
        expect(marksIn(text).filter((m) => m === '*').length % 2).toBe(0);
      }
    }
  });

  it('keeps formatting marks out of every notification text', async () => {
    // Real-looking user ids: an id's own underscore (U_…) is not a mark.
    const id = await flow.report({ ...MARKED, [Inputs.severity]: 'critical' }, 'U0ALICE');
    await flow.recover(id, 'U0ALICE');
    const texts = [...h.fake.called('chat.postMessage'), ...h.fake.called('chat.update')].map((c) => String(c.args.text));
    expect(texts.length).toBeGreaterThan(8);
    for (const text of texts) expect({ text, marks: marksIn(text) }).toEqual({ text, marks: [] });
    // The customer's own marks still read as typed there (look-alikes, not removed).
    expect(texts.some((t) => t.includes('∗bold∗'))).toBe(true);
  });
});

describe('one label for each thing', () => {
  it('titles each step’s form with its button’s label, and calls a state the same everywhere', async () => {
    const id = await flow.report();
    const card = () => flow.card(id);
    const apologizeLabel = (await card()).blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === Actions.apologizeForm)
      ?.text.text;
    await flow.apologize(id);
    expect(h.fake.lastView().title.text).toBe(apologizeLabel);
    for (const [action, fill] of [
      [Actions.ask, { [Inputs.answer]: 'The flour, today.' }],
      [Actions.skipMakeRight, { [Inputs.reason]: 'They only wanted to be heard.' }],
      [Actions.satisfied, {}],
    ] as const) {
      const shown = await card();
      const label = shown.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === action)?.text.text;
      expect(label).toBeDefined();
      await flow.click(action, shown);
      expect(h.fake.lastView().title.text).toBe(label);
      await flow.submit(fill as Record<string, string>);
    }
    // The state after "customer satisfied": one name on the card, in lists and on App Home.
    expect(blockText((await card()).blocks)).toContain('*State*: Awaiting root-cause analysis');
    const list = await flow.post(slashCommand('list'));
    expect(JSON.stringify(list.json)).toContain('1 awaiting root-cause analysis');
    const home = h.fake.called('views.publish').pop()!;
    expect(JSON.stringify(home.args.view)).toContain('*Awaiting root-cause analysis*');
  });

  it('reads naturally: no "X handed this from X", no doubled colon, an answer in the Ask notification, no invented category', async () => {
    const id = await flow.report({ ...REPORT, [Inputs.severity]: 'critical', [Inputs.category]: '' });
    let card = await flow.card(id);
    const text = blockText(card.blocks);
    expect(text).toContain(':rotating_light: *Critical* (on the fly: minutes, not days)');
    expect(text).not.toContain('*Critical*:');
    expect(text).toContain('*Category*: _not given_');
    expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).category).toBe('');

    await flow.apologize(id);
    await flow.click(Actions.ask, await flow.card(id));
    await flow.submit({ [Inputs.answer]: 'A new batch by noon' });
    const replies = flow.replies(card.ts);
    expect(replies[replies.length - 1]!.args.text).toBe('<@UALICE> asked Harbor Bakery what they would like: “A new batch by noon”');

    card = await flow.card(id);
    await flow.click(Actions.reassign, card);
    await flow.submit({ [Inputs.owner]: 'U0BOB' });
    const handed = flow.replies(card.ts).pop()!;
    expect(handed.args.blocks[0].text.text).toBe('<@UALICE> handed this recovery to <@U0BOB>. <@U0BOB>, click *Own it* on the card to take it.');
  });
});

describe('/mistake with words after it', () => {
  it('answers one unknown word with the help text, and prefills a report from several words', async () => {
    const opened = h.fake.called('views.open').length;
    const one = await flow.post(slashCommand('frobnicate'));
    expect(one.json.response_type).toBe('ephemeral');
    expect(JSON.stringify(one.json)).toContain("“frobnicate” isn't something `/mistake` knows");
    expect(JSON.stringify(one.json)).toContain('/mistake mine');
    await h.deliver();
    expect(h.fake.called('views.open')).toHaveLength(opened);

    await flow.post(slashCommand('sent the flour to the old address'));
    const view = await h.fake.waitFor('views.open', opened);
    const story = view.args.view.blocks.find((b: any) => b.block_id === Inputs.whatHappened);
    expect(story.element.initial_value).toBe('sent the flour to the old address');
  });
});
