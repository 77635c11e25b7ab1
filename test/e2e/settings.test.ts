// Settings in Slack: admins get a Settings button in App Home; the form changes this workspace's
// channels, digest time, timezone, SLAs, office hours, escalation contact and admins, with field
// errors for invalid values, and every change is audited and survives a restart.
import { Actions, Inputs } from '../../src/slack/ids';
import { findAction, startHarness, type Harness } from '../support/harness';
import { buttonClick, eventCallback, postToSlackEndpoint, viewSubmission } from '../support/slackRequests';
import { Flow, REPORT } from '../support/flow';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

const ADMIN = 'UADMIN0001';

async function home(userId: string): Promise<any[]> {
  const before = h.fake.called('views.publish').length;
  await postToSlackEndpoint(h.baseUrl, eventCallback({ type: 'app_home_opened', user: userId, channel: 'D0HOME', tab: 'home', event_ts: '1.0' }));
  await h.fake.waitFor('views.publish', before);
  await h.deliver();
  const published = h.fake.called('views.publish').filter((c) => c.args.user_id === userId);
  return published[published.length - 1]!.args.view.blocks;
}

/** Clicks Settings in App Home as `userId`; returns the form it opened. */
async function openSettings(userId = ADMIN): Promise<any> {
  const button = findAction(await home(userId), Actions.openSettings);
  expect(button).toBeDefined();
  const opened = h.fake.called('views.open').length;
  const clicked = await postToSlackEndpoint(h.baseUrl, buttonClick(Actions.openSettings, button.value, { userId }));
  expect(clicked.status).toBe(200);
  return (await h.fake.waitFor('views.open', opened)).args.view;
}

const save = (view: any, values: Record<string, string>, userId = ADMIN) => postToSlackEndpoint(h.baseUrl, viewSubmission(view, values, { userId }));

it('shows the Settings button to admins only, and refuses a non-admin who clicks one anyway', async () => {
  expect(findAction(await home(ADMIN), Actions.openSettings)).toBeDefined();
  expect(findAction(await home('UCAROL'), Actions.openSettings)).toBeUndefined();
  const told = h.fake.called('chat.postMessage').length;
  await postToSlackEndpoint(h.baseUrl, buttonClick(Actions.openSettings, 'settings', { userId: 'UCAROL' }));
  const dm = await h.fake.waitFor('chat.postMessage', told);
  expect(dm.args.channel).toBe('UCAROL');
  expect(dm.args.text).toMatch(/Only this workspace's admins/);
});

it('opens with the values in force (the environment’s defaults at first)', async () => {
  const view = await openSettings();
  const initial = (id: string) => view.blocks.find((b: any) => b.block_id === id)?.element;
  expect(initial(Inputs.escalationChannel).initial_conversation).toBe('CESCALATIONS');
  expect(initial(Inputs.digestChannel).initial_conversation).toBe('CDIGEST0001');
  expect(initial(Inputs.timezone).initial_value).toBe('Europe/Berlin');
  expect(initial(Inputs.sla('critical')).initial_value).toBe('30m');
  expect(initial(Inputs.officeHours).initial_value).toBe('09:00-18:00');
  expect(initial(Inputs.officeDays).initial_value).toBe('mon-fri');
  expect(initial(Inputs.admins).initial_users).toEqual([ADMIN]);
});

it('gives a field error for each invalid value and saves nothing', async () => {
  const view = await openSettings();
  const answer = await save(view, {
    [Inputs.timezone]: 'Mars/Olympus_Mons',
    [Inputs.sla('high')]: 'soon',
    [Inputs.officeHours]: '18:00-09:00x',
    [Inputs.officeDays]: 'someday',
    [Inputs.escalationContact]: '@carol',
  });
  expect(answer.json.response_action).toBe('errors');
  expect(Object.keys(answer.json.errors).sort()).toEqual(
    [Inputs.timezone, Inputs.sla('high'), Inputs.officeHours, Inputs.officeDays, Inputs.escalationContact].sort(),
  );
  expect(await h.t.db.settingsChange.count()).toBe(0);
  expect((await h.bot.deps.settings.forTeam('T_ACME')).timezone).toBe('Europe/Berlin');
});

it('tells the admin to /invite the bot into a channel it is not in', async () => {
  h.fake.notMemberOf.add('CFINANCE01');
  const view = await openSettings();
  const answer = await save(view, { [Inputs.escalationChannel]: 'CFINANCE01' });
  expect(answer.json.response_action).toBe('errors');
  expect(answer.json.errors[Inputs.escalationChannel]).toMatch(/I'm not in <#CFINANCE01> yet\. Type `\/invite @Mistake Recovery`/);
  expect(await h.t.db.settingsChange.count()).toBe(0);
});

it('saves valid values for this workspace, audits who changed what, and keeps them across a restart', async () => {
  const view = await openSettings();
  const answer = await save(view, {
    [Inputs.escalationChannel]: 'CNEWESCAL1',
    [Inputs.digestTime]: '08:30',
    [Inputs.timezone]: 'America/New_York',
    [Inputs.sla('critical')]: '15m',
    [Inputs.officeHours]: '08:00-17:00',
    [Inputs.officeDays]: 'mon-thu',
    [Inputs.escalationContact]: 'S0SUPPORT',
    [Inputs.admins]: `${ADMIN},UDANA`,
  });
  expect(answer.status).toBe(200);
  expect(answer.json?.response_action).toBeUndefined();
  const policy = await h.bot.deps.settings.forTeam('T_ACME');
  expect(policy).toMatchObject({
    escalationChannelId: 'CNEWESCAL1',
    digestChannelId: 'CDIGEST0001',
    digestTime: '08:30',
    timezone: 'America/New_York',
    officeHours: { startMinute: 480, endMinute: 1020, days: [1, 2, 3, 4] },
    escalationContact: 'S0SUPPORT',
    adminUserIds: [ADMIN, 'UDANA'],
  });
  expect(policy.sla.stepMs.critical).toBe(15 * 60_000);
  const audit = await h.bot.deps.settings.changes('T_ACME');
  expect(audit.map((c) => c.field).sort()).toEqual(
    [
      'adminUserIds',
      'digestTime',
      'escalationChannelId',
      'escalationContact',
      'officeDays',
      'officeEndMinute',
      'officeStartMinute',
      'slaCriticalMinutes',
      'timezone',
    ].sort(),
  );
  expect(audit.find((c) => c.field === 'escalationChannelId')).toMatchObject({ userId: ADMIN, before: 'CESCALATIONS', after: 'CNEWESCAL1' });

  // A new mistake's card and thread go to the new channel.
  await new Flow(h).report(REPORT);
  const card = h.fake.called('chat.postMessage').find((c) => c.args.blocks?.[0]?.type === 'header');
  expect(card?.args.channel).toBe('CNEWESCAL1');

  // The environment's values are re-applied at start-up, but not over what the workspace set.
  await h.bot.deps.settings.applyDefaults();
  const after = await h.bot.deps.settings.forTeam('T_ACME');
  expect(after.escalationChannelId).toBe('CNEWESCAL1');
  expect(after.timezone).toBe('America/New_York');
  expect(after.sla.stepMs.high).toBe(4 * 3_600_000);
});

it('an unchanged form records nothing', async () => {
  const view = await openSettings();
  expect((await save(view, {})).status).toBe(200);
  expect(await h.t.db.settingsChange.count()).toBe(0);
});

describe('routing', () => {
  /** The card as Slack shows it now, wherever it was posted. */
  async function shownCard(mistakeId: number) {
    const m = await h.t.db.mistake.findUniqueOrThrow({ where: { id: mistakeId } });
    const post = h.fake.called('chat.postMessage').find((c) => c.response?.ts === m.threadTs && !c.args.thread_ts);
    if (!post || !m.threadTs) throw new Error('no card');
    const edits = h.fake.called('chat.update').filter((c) => c.args.ts === m.threadTs);
    const latest = edits[edits.length - 1]?.args ?? post.args;
    return { channel: String(post.response!.channel), ts: m.threadTs, text: String(latest.text), blocks: latest.blocks, edits: edits.length };
  }

  it('sends a routed category’s card, thread and escalations to its own channel and contact; the rest to the default', async () => {
    const view = await openSettings();
    const saved = await save(view, { [Inputs.routeChannel('billing')]: 'CFINANCE01', [Inputs.routeContact('billing')]: 'UFRANK' });
    expect(saved.json?.response_action).toBeUndefined();
    expect((await h.bot.deps.settings.forTeam('T_ACME')).routes).toEqual({ billing: { channelId: 'CFINANCE01', contact: 'UFRANK' } });
    expect((await h.bot.deps.settings.changes('T_ACME')).map((c) => c.field)).toEqual(['routes']);

    const flow = new Flow(h);
    const billing = await flow.report({ ...REPORT, [Inputs.category]: 'billing' });
    const delivery = await flow.report({ ...REPORT, [Inputs.category]: 'delivery' });
    expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: billing } })).channelId).toBe('CFINANCE01');
    expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id: delivery } })).channelId).toBe('CESCALATIONS');
    const card = await shownCard(billing);
    expect(card.channel).toBe('CFINANCE01');
    expect((await shownCard(delivery)).channel).toBe('CESCALATIONS');
    // Its thread lives there.
    const replies = h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === card.ts);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((c) => c.args.channel === 'CFINANCE01')).toBe(true);

    // The customer is not satisfied: the escalation goes to the routed channel, calling its contact.
    await flow.click(Actions.apologizeForm, await shownCard(billing));
    await flow.submit({ [Inputs.contactChannel]: 'email', [Inputs.contactSummary]: 'Wrote to say sorry.' });
    await flow.click(Actions.ask, await shownCard(billing));
    await flow.submit({ [Inputs.answer]: 'A refund of the double charge.' });
    await flow.click(Actions.makeRight, await shownCard(billing));
    await flow.submit({ [Inputs.remedyKind]: 'refund', [Inputs.remedyValue]: 'Refunded' });
    await flow.click(Actions.notSatisfied, await shownCard(billing));
    await flow.submit({ [Inputs.comment]: 'They want a written apology too' });
    const escalations = h.fake.called('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).startsWith('Escalation'));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.args.channel).toBe('CFINANCE01');
    expect(JSON.stringify(escalations[0]!.args.blocks)).toContain('<@UFRANK>');
  });

  it('asks to /invite the bot into a routed channel it is not in, and checks route contacts', async () => {
    h.fake.notMemberOf.add('CFINANCE01');
    const view = await openSettings();
    const answer = await save(view, { [Inputs.routeChannel('billing')]: 'CFINANCE01', [Inputs.routeContact('quality')]: 'frank' });
    expect(answer.json.response_action).toBe('errors');
    expect(answer.json.errors[Inputs.routeChannel('billing')]).toMatch(/\/invite @Mistake Recovery/);
    expect(answer.json.errors[Inputs.routeContact('quality')]).toMatch(/not a member ID/);
    expect(await h.t.db.settingsChange.count()).toBe(0);
  });
});
