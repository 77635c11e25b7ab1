// `/mistake stats`: the figures of a window against the one before, answered privately; the
// by-owner breakdown for admins only; an unknown window is said plainly. App Home shows Insights.
import { blockText } from '../support/blockText';
import { Flow } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { checkLimits } from '../support/limits';
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

describe('/mistake stats', () => {
  it('answers with times, rates and breakdowns; owners only for admins; within Slack limits', async () => {
    const id = await flow.report();
    await flow.recover(id);
    await flow.report();

    const answer = await flow.post(slashCommand('stats', { userId: 'UBOB' }));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe('ephemeral');
    expect(checkLimits('message', answer.json)).toEqual([]);
    const text = blockText(answer.json.blocks);
    expect(text).toMatch(/Insights: the last 90 days/);
    for (const label of [
      'Time to own',
      'Time to apologize',
      'Time to make it right',
      'Time to customer satisfied',
      'Recovery rate',
      'Escalation rate',
      'Reopen rate',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).toMatch(/\*Reported\*: 2: _was 0_/);
    expect(text).toMatch(/\*Recovery rate\*: 100%/);
    expect(text).toMatch(/By category\*?\n• Delivery \/ shipping: 2 reported \(was 0\)/);
    expect(text).toMatch(/By severity/);
    expect(text).not.toMatch(/By owner/);
    expect(answer.json.text).toMatch(/2 mistakes reported, recovery rate 100%/);

    const admin = await flow.post(slashCommand('stats 30d', { userId: 'UADMIN0001' }));
    const adminText = blockText(admin.json.blocks);
    expect(adminText).toMatch(/Insights: the last 30 days/);
    expect(adminText).toMatch(/By owner \(admins only\)\*?\n• @UALICE: 2 reported/);
  });

  it('says which windows it knows when given another, and reports nothing', async () => {
    const answer = await flow.post(slashCommand('stats 7w'));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe('ephemeral');
    expect(blockText(answer.json.blocks)).toMatch(/“7w” isn't a window `\/mistake stats` knows. Use `30d`, `90d` \(the default\) or `365d`/);
    expect(h.fake.called('views.open')).toHaveLength(0);
    expect(await h.t.db.mistake.count()).toBe(0);
  });

  it('shows Insights in App Home', async () => {
    const id = await flow.report();
    await flow.recover(id);
    const homes = h.fake.called('views.publish').filter((c) => c.args.user_id === 'UALICE');
    const view = homes[homes.length - 1]!.args.view;
    expect(checkLimits('home', view)).toEqual([]);
    const text = blockText(view.blocks);
    expect(text).toMatch(/Insights \(last 90 days\)/);
    expect(text).toMatch(/\*Recovery rate\*: 100%/);
    expect(text).not.toMatch(/By owner/);
  });
});
