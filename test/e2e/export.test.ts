// `/mistake export`: a CSV in a DM, uploaded through Slack's upload flow; one row per mistake with
// every field; spreadsheet formulas never run; admins get the team's, others their own.
import { parse } from 'csv-parse/sync';
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { majorUnits } from '../../src/domain/customer';
import { Inputs } from '../../src/slack/ids';
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

async function exportFor(userId: string, window = ''): Promise<Array<Record<string, string>>> {
  const before = h.fake.called('files.completeUploadExternal').length;
  const answer = await flow.post(slashCommand(`export ${window}`.trim(), { userId }));
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/on its way/) });
  await h.deliver();
  const shared = h.fake.called('files.completeUploadExternal')[before]!;
  expect(shared.args.channel_id).toBe(`D${userId}`);
  const files = typeof shared.args.files === 'string' ? JSON.parse(shared.args.files) : shared.args.files;
  const file = h.fake.files.get(files[0].id)!;
  expect(file.completed).toBe(true);
  expect(file.filename).toMatch(/^mistakes-.*\.csv$/);
  return parse(file.bytes!.toString('utf8'), { columns: true });
}

describe('/mistake export', () => {
  it('sends a CSV in a DM with every field, and text that looks like a formula stays text', async () => {
    const hostile = ['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)'];
    for (const customer of hostile) await flow.report({ ...REPORT, [Inputs.customer]: customer });
    const id = await flow.report();
    await flow.recover(id);

    const rows = await exportFor('UALICE', 'all');
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r.customer)).toEqual([...hostile.map((c) => `'${c}`), 'Harbor Bakery']);
    for (const r of rows) for (const value of Object.values(r)) expect(value).not.toMatch(/^[=+\-@\t\r]/);
    const recovered = rows[4]!;
    expect(recovered).toMatchObject({
      severity: 'high',
      category: 'delivery',
      state: 'awaiting_rca',
      own_status: 'done',
      customer_answer: expect.any(String),
    });
    expect(recovered.apologize_done_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(recovered.confirm_satisfied_done_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Object.keys(recovered)).toEqual(expect.arrayContaining(['rca_what_happened', 'rca_causes', 'outcome', 'what_happened', 'impact']));
  });

  it('has the customer record: account, link, and the value at risk in the currency’s major unit', async () => {
    await flow.report({
      ...REPORT,
      [Inputs.account]: 'HB-0042',
      [Inputs.customerLink]: 'https://crm.example.com/accounts/42',
      [Inputs.valueAmount]: '1,250.50',
    });
    await flow.report();
    const [withRecord, without] = await exportFor('UALICE', 'all');
    expect(withRecord).toMatchObject({
      account: 'HB-0042',
      customer_link: 'https://crm.example.com/accounts/42',
      value_at_risk: '1250.50',
      currency: expect.stringMatching(/^[A-Z]{3}$/),
    });
    expect(without).toMatchObject({ account: '', customer_link: '', value_at_risk: '', currency: '' });
  });

  it('writes amounts as plain decimals, with as many decimals as the currency has', () => {
    expect(majorUnits(125050, 'USD')).toBe('1250.50');
    expect(majorUnits(5, 'EUR')).toBe('0.05');
    expect(majorUnits(0, 'USD')).toBe('0.00');
    expect(majorUnits(1000, 'JPY')).toBe('1000');
    expect(majorUnits(1234, 'KWD')).toBe('1.234');
  });

  it('gives admins the team’s mistakes and others the ones they reported or own', async () => {
    await flow.report();
    await flow.report(REPORT, 'UBOB');
    expect(await exportFor('UADMIN0001', '30d')).toHaveLength(2);
    expect((await exportFor('UBOB')).map((r) => r.reporter_id)).toEqual(['UBOB']);
    expect(await exportFor('UCAROL', '365d')).toHaveLength(0);
    const empty = h.fake.called('files.completeUploadExternal').at(-1)!;
    expect(empty.args.initial_comment).toBe('You reported or own no mistakes from the last 365 days: the file has only the column names.');
  });

  it('says which windows it knows when given another', async () => {
    const answer = await flow.post(slashCommand('export 2y'));
    expect(answer.json.text).toMatch(/isn't a window \/mistake export knows/);
    await h.deliver();
    expect(h.fake.called('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('shares the file once when Slack took the share but its answer never came', async () => {
    await h.close();
    const clock = new ManualClock('2026-11-23T10:00:00Z');
    // Calls give up after 300 ms; Slack shares the file at once and answers after 1.5 s.
    h = await startHarness({ clock, slackTimeoutMs: 300 });
    flow = new Flow(h);
    await flow.report();
    h.fake.fail('files.completeUploadExternal', { kind: 'slow', delayMs: 1500 }, 1);
    const answer = await flow.post(slashCommand('export all', { userId: 'UALICE' }));
    expect(answer.status).toBe(200);
    await h.deliver();
    const delivery = await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'export' } });
    expect(delivery).toMatchObject({ status: 'pending', uncertain: true });

    // Tried again after Slack's lateness: the file is found in the DM, not shared again.
    for (let i = 0; i < 5 && (await h.t.db.delivery.count({ where: { kind: 'export', status: { not: 'sent' } } })) > 0; i++) {
      clock.advance(3 * MINUTE_MS);
      await h.deliver();
    }
    expect(await h.t.db.delivery.findFirstOrThrow({ where: { kind: 'export' } })).toMatchObject({ status: 'sent' });
    const shared = [...h.fake.files.values()].filter((f) => f.completed && f.channel === 'DUALICE');
    expect(shared).toHaveLength(1);
    expect(shared[0]!.title).toBe('Mistakes, all time (2026-11-23 10:00 UTC)');
    const history = await h.bot.app.client.conversations.history({ channel: 'DUALICE', token: 'xoxb-test' });
    expect((history.messages ?? []).filter((m) => m.files?.length)).toHaveLength(1);
  });
});
