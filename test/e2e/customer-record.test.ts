// The customer as a record, over signed HTTP against the fake Slack: the report form's optional
// account, CRM link and value at risk are validated field by field (nothing stored until all are
// right), stored as typed (the amount in minor units) and shown on the card, App Home,
// `/mistake list` and the digest, the link always as a link; a customer hurt again is pointed
// out on the new card, in the reporter's confirmation and in the digest, with the earlier threads.
import { DAY_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Inputs } from '../../src/slack/ids';
import { blockText } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { slashCommand, viewSubmission } from '../support/slackRequests';

let h: Harness;
let flow: Flow;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock('2026-11-23T09:00:00Z');
  h = await startHarness({ clock, env: { DEFAULT_CURRENCY: 'EUR' } });
  flow = new Flow(h);
});

afterEach(async () => {
  await h.close();
});

const RECORD = {
  ...REPORT,
  [Inputs.account]: 'HB-0042',
  [Inputs.customerLink]: 'https://crm.example.com/accounts/42',
  [Inputs.valueAmount]: '1,250.50',
};

/** Opens the report form and submits it with `values`; returns Slack's answer. */
async function submitReport(values: Record<string, string>, who = 'UALICE') {
  const opened = h.fake.called('views.open').length;
  await flow.post(slashCommand('flour to the wrong address', { userId: who }));
  await h.fake.waitFor('views.open', opened);
  const answer = await flow.post(viewSubmission(h.fake.lastView(), values, { userId: who }));
  await h.deliver();
  return answer;
}

describe('the report form’s customer record', () => {
  it('offers the fields, with the currency prefilled from DEFAULT_CURRENCY', async () => {
    await flow.post(slashCommand('flour to the wrong address'));
    const view = (await h.fake.waitFor('views.open', 0)).args.view;
    const block = (id: string) => view.blocks.find((b: any) => b.block_id === id);
    for (const id of [Inputs.account, Inputs.customerLink, Inputs.valueAmount, Inputs.valueCurrency]) expect(block(id).optional).toBe(true);
    expect(block(Inputs.valueCurrency).element.initial_value).toBe('EUR');
  });

  it.each([
    [{ [Inputs.customerLink]: 'javascript:alert(document.cookie)' }, Inputs.customerLink, /https:\/\//],
    [{ [Inputs.customerLink]: 'http://crm.example.com/accounts/42' }, Inputs.customerLink, /https:\/\//],
    [{ [Inputs.valueAmount]: '-250' }, Inputs.valueAmount, /negative/],
    [{ [Inputs.valueAmount]: '999999999999' }, Inputs.valueAmount, /at most/],
    [{ [Inputs.valueAmount]: 'a lot' }, Inputs.valueAmount, /number/],
    [{ [Inputs.valueAmount]: '10', [Inputs.valueCurrency]: 'XYZ' }, Inputs.valueCurrency, /ISO 4217/],
    [{ [Inputs.valueAmount]: '10.5', [Inputs.valueCurrency]: 'JPY' }, Inputs.valueAmount, /no decimals/],
  ])('refuses %p under its field and stores nothing', async (bad, field, reason) => {
    const answer = await submitReport({ ...RECORD, ...bad });
    expect(answer.json.response_action).toBe('errors');
    expect(Object.keys(answer.json.errors)).toEqual([field]);
    expect(answer.json.errors[field]).toMatch(reason);
    expect(await h.t.db.mistake.count()).toBe(0);
    expect(await h.t.db.delivery.count()).toBe(0);
  });

  it('stores the record as typed, the amount in minor units, and shows it everywhere, the link as a link', async () => {
    const id = await flow.report(RECORD);
    const row = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      account: 'HB-0042',
      customerLink: 'https://crm.example.com/accounts/42',
      valueMinor: 125050,
      valueCurrency: 'EUR',
      customerKey: 'account:hb 0042',
    });

    const LINK = '<https://crm.example.com/accounts/42|CRM record>';
    const card = await flow.card(id);
    const cardJson = JSON.stringify(card.blocks);
    expect(cardJson).toContain(LINK);
    expect(blockText(card.blocks)).toContain('Account *HB-0042* · CRM record · Value at risk *€1,250.50*');
    // Never the raw URL outside a link.
    expect(cardJson.replaceAll(LINK, '')).not.toContain('crm.example.com');

    const list = await flow.post(slashCommand('list'));
    expect(JSON.stringify(list.json)).toContain(LINK);
    expect(JSON.stringify(list.json)).toContain('€1,250.50');

    const home = h.fake
      .called('views.publish')
      .filter((c) => c.args.user_id === 'UALICE')
      .pop()!;
    expect(JSON.stringify(home.args.view)).toContain(LINK);
    expect(JSON.stringify(home.args.view)).toContain('€1,250.50');

    clock.set('2026-11-24T08:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    const digest = h.fake
      .called('chat.postMessage')
      .filter((c) => c.args.channel === 'CDIGEST0001')
      .pop()!;
    expect(JSON.stringify(digest.args.blocks)).toContain(LINK);
    expect(blockText(digest.args.blocks)).toContain('€1,250.50');
  });

  it('takes another currency when the reporter names one, and leaves the value out when no amount is given', async () => {
    const yen = await flow.report({ ...RECORD, [Inputs.valueAmount]: '150000', [Inputs.valueCurrency]: 'jpy' });
    expect(await h.t.db.mistake.findUniqueOrThrow({ where: { id: yen } })).toMatchObject({ valueMinor: 150000, valueCurrency: 'JPY' });
    expect(blockText((await flow.card(yen)).blocks)).toContain('¥150,000');
    const none = await flow.report({ ...REPORT });
    expect(await h.t.db.mistake.findUniqueOrThrow({ where: { id: none } })).toMatchObject({
      account: null,
      customerLink: null,
      valueMinor: null,
      valueCurrency: null,
      customerKey: 'name:harbor bakery',
    });
    expect(blockText((await flow.card(none)).blocks)).not.toContain('Value at risk');
  });

  it('keeps the urgency order: a large value does not outrank severity', async () => {
    const big = await flow.report({ ...REPORT, [Inputs.customer]: 'Big Spender', [Inputs.severity]: 'low', [Inputs.valueAmount]: '9,000,000' });
    const small = await flow.report({ ...REPORT, [Inputs.customer]: 'Corner Shop', [Inputs.severity]: 'high' });
    const list = JSON.stringify((await flow.post(slashCommand('list'))).json);
    expect(list.indexOf(`#${small}`)).toBeLessThan(list.indexOf(`#${big}`));
  });
});

describe('repeat customers', () => {
  it('says "3rd mistake for Harbor Bakery in 90 days" on the card and in the confirmation, with the earlier threads', async () => {
    const first = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery' });
    clock.advance(10 * DAY_MS);
    const second = await flow.report({ ...REPORT, [Inputs.customer]: 'harbor  bakery.' });
    clock.advance(10 * DAY_MS);
    // A near miss is another customer.
    const other = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbour Bakers' });
    const third = await flow.report({ ...REPORT, [Inputs.customer]: 'HARBOR-BAKERY' });

    expect(blockText((await flow.card(first)).blocks)).not.toContain('mistake for');
    expect(blockText((await flow.card(second)).blocks)).toContain('*2nd mistake for harbor  bakery. in 90 days*');
    expect(blockText((await flow.card(other)).blocks)).not.toContain('mistake for');
    const card = await flow.card(third);
    expect(blockText(card.blocks)).toContain('*3rd mistake for HARBOR-BAKERY in 90 days* · earlier: #2, #1');
    const firstRow = await h.t.db.mistake.findUniqueOrThrow({ where: { id: first } });
    const secondRow = await h.t.db.mistake.findUniqueOrThrow({ where: { id: second } });
    const linkTo = (ts: string | null) => `/archives/CESCALATIONS/p${ts!.replace('.', '')}|#`;
    expect(JSON.stringify(card.blocks)).toContain(linkTo(firstRow.threadTs));
    expect(JSON.stringify(card.blocks)).toContain(linkTo(secondRow.threadTs));

    const confirmation = flow.dms('UALICE').filter((d) => d.text.startsWith(`Reported as Mistake #${third}`));
    expect(confirmation).toHaveLength(1);
    expect(blockText(confirmation[0]!.blocks)).toContain('3rd mistake for HARBOR-BAKERY in 90 days');
    expect(JSON.stringify(confirmation[0]!.blocks)).toContain(linkTo(firstRow.threadTs));
  });

  it('matches on the account when given, whatever the name, and forgets mistakes older than 90 days', async () => {
    await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery', [Inputs.account]: 'HB-42' });
    clock.advance(91 * DAY_MS);
    const late = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery', [Inputs.account]: 'HB-42' });
    expect(blockText((await flow.card(late)).blocks)).not.toContain('mistake for');
    const renamed = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery & Café', [Inputs.account]: 'hb 42' });
    expect(blockText((await flow.card(renamed)).blocks)).toContain(`*2nd mistake for Harbor Bakery & Café in 90 days* · earlier: #${late}`);
    // Same name, another account: another customer.
    const otherAccount = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery', [Inputs.account]: 'HB-43' });
    expect(blockText((await flow.card(otherAccount)).blocks)).not.toContain('mistake for');
  });

  it('lists the customers reported again in the digest', async () => {
    const first = await flow.report({ ...REPORT, [Inputs.customer]: 'Harbor Bakery' });
    clock.set('2026-11-24T08:00:00Z');
    await h.bot.jobs.digest();
    clock.set('2026-11-24T10:00:00Z');
    await flow.report({ ...REPORT, [Inputs.customer]: 'Corner Shop' });
    const again = await flow.report({ ...REPORT, [Inputs.customer]: 'harbor bakery' });
    clock.set('2026-11-25T08:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    const digest = h.fake
      .called('chat.postMessage')
      .filter((c) => c.args.channel === 'CDIGEST0001')
      .pop()!;
    const text = blockText(digest.args.blocks);
    expect(text).toContain('Customers hurt again');
    expect(text).toContain(`*2nd mistake for harbor bakery in 90 days* · earlier: #${first}`);
    expect(text).not.toMatch(/Corner Shop.*mistake for/);
    expect(again).toBeGreaterThan(first);
  });
});
