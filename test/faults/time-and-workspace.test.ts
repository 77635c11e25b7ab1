// Time and workspaces through the real app: a digest at a time daylight saving skips goes out at
// the first minute after the gap, and one at a time that happens twice goes out once; a signed
// request from a workspace the bot token is not installed in is refused and creates nothing,
// so the one digest channel gets one digest a day.
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { reportModal } from '../../src/slack/views/modals';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick, eventCallback, postToSlackEndpoint, slashCommand, viewSubmission } from '../support/slackRequests';
import { faultTotals, summaryRow } from '../support/summary';

const TEAM = 'T_ACME';
const NOT_INSTALLED = /isn't installed in this workspace/;
const totals = faultTotals();

afterAll(() => {
  process.stdout.write(summaryRow('time-workspace', totals));
});

async function countLedger(h: Harness): Promise<void> {
  const ledger = h.fake.ledger(await h.t.db.delivery.findMany());
  totals.delivered += ledger.delivered;
  totals.lost += ledger.lost.length;
  totals.duplicated += ledger.duplicated.length;
  expect(ledger.duplicated).toEqual([]);
  expect(ledger.lost).toEqual([]);
}

describe('a 02:30 digest in Europe/Berlin through the nights the clocks change', () => {
  let h: Harness;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-01T12:00:00Z');
    h = await startHarness({ clock, env: { DIGEST_CRON: '30 2 * * *', TIMEZONE: 'Europe/Berlin' } });
    // Installed weeks before.
    await h.bot.deps.settings.forTeam(TEAM);
  });

  afterEach(async () => {
    await h.close();
  });

  /** The digest pass every `stepMinutes` from `from` to `to`, as the schedule's catch-up runs it. */
  async function passes(from: string, to: string, stepMinutes: number): Promise<Array<{ slot: string; at: string; late?: boolean }>> {
    const queued: Array<{ slot: string; at: string; late?: boolean }> = [];
    for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * MINUTE_MS) {
      clock.set(new Date(t));
      for (const outcome of await h.bot.jobs.digest()) {
        if (outcome.status === 'queued') queued.push({ slot: outcome.slot, at: new Date(t).toISOString(), late: outcome.late });
      }
      await h.bot.worker.drain();
    }
    return queued;
  }

  it('sends the digest of the night 02:30 does not happen at 03:00, once, and one each day around it', async () => {
    // The first pass catches up 27 March's digest, missed while the bot was "down" before it.
    const queued = (await passes('2026-03-28T00:00:00Z', '2026-03-30T03:00:00Z', 15)).filter((q) => q.slot !== 'digest:2026-03-27');
    expect(queued.map((q) => q.slot)).toEqual(['digest:2026-03-28', 'digest:2026-03-29', 'digest:2026-03-30']);
    // 03:00 CEST is 01:00 UTC: the first minute after the gap, and not late.
    expect(queued[1]).toEqual({ slot: 'digest:2026-03-29', at: '2026-03-29T01:00:00.000Z', late: false });
    const digest = await h.t.db.delivery.findFirstOrThrow({ where: { dedupeKey: 'digest:digest:2026-03-29' } });
    expect(JSON.parse(digest.payload).slotAt).toBe('2026-03-29T01:00:00.000Z');
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(4);
    await countLedger(h);
    totals.cases += 1;
    totals.faults += 1;
  });

  it('sends the digest of the night 02:30 happens twice once, at the first 02:30', async () => {
    // The first pass catches up 24 October's digest, missed before it.
    const queued = (await passes('2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z', 5)).filter((q) => q.slot !== 'digest:2026-10-24');
    expect(queued).toEqual([{ slot: 'digest:2026-10-25', at: '2026-10-25T00:30:00.000Z', late: false }]);
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(2);
    await countLedger(h);
    totals.cases += 1;
    totals.faults += 1;
  });
});

describe('a workspace the bot token is not installed in', () => {
  let h: Harness;
  let clock: ManualClock;
  const OTHER = 'T_OTHER';

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T07:30:00Z');
    h = await startHarness({ clock });
  });

  afterEach(async () => {
    await h.close();
  });

  const post = (body: Parameters<typeof postToSlackEndpoint>[1]) => postToSlackEndpoint(h.baseUrl, body);

  it('is refused with a reason wherever one can be shown, and creates no workspace', async () => {
    expect(h.bot.installed()).toEqual({ teamId: TEAM });
    const command = await post(slashCommand('list', { teamId: OTHER, userId: 'UZED' }));
    expect(command.status).toBe(200);
    expect(command.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(NOT_INSTALLED) });

    const opened = await post(slashCommand('flour', { teamId: OTHER, userId: 'UZED' }));
    expect(opened.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(NOT_INSTALLED) });
    expect(h.fake.called('views.open')).toHaveLength(0);

    const form = await post(
      viewSubmission(
        reportModal({ reporterId: 'UZED' }),
        {
          [Inputs.customer]: 'Elsewhere Inc',
          [Inputs.whatHappened]: 'Wrong order.',
          [Inputs.impact]: 'Waiting.',
          [Inputs.severity]: 'high',
          [Inputs.category]: 'delivery',
        },
        { userId: 'UZED', teamId: OTHER },
      ),
    );
    expect(form.status).toBe(200);
    expect(form.json).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(form.json.view)).toMatch(NOT_INSTALLED);

    const click = await post(buttonClick(Actions.apologize, encodeValue({ m: 1 }), { userId: 'UZED', teamId: OTHER, channelId: 'CESCALATIONS' }));
    expect(click.status).toBe(403);

    const home = await post(eventCallback({ type: 'app_home_opened', user: 'UZED', tab: 'home' }, OTHER));
    expect(home.status).toBe(200);
    await h.deliver();

    expect(await h.t.db.workspaceSettings.count({ where: { teamId: OTHER } })).toBe(0);
    expect(await h.t.db.mistake.count()).toBe(0);
    expect(await h.t.db.interaction.count()).toBe(0);
    expect(await h.t.db.delivery.count()).toBe(0);
    expect(h.fake.calls.filter((c) => !['auth.test'].includes(c.method))).toEqual([]);

    // The installed workspace is served as before.
    const ours = await post(slashCommand('list', { teamId: TEAM, userId: 'UALICE' }));
    expect(ours.json.text ?? JSON.stringify(ours.json)).not.toMatch(NOT_INSTALLED);
    await countLedger(h);
    totals.cases += 1;
    totals.faults += 5;
  });

  it('gets no digest of its own even if an older version stored it: one digest a day in the one channel', async () => {
    await h.bot.deps.settings.forTeam(TEAM);
    // A workspace row a version without this check created from a forged request.
    await h.t.db.workspaceSettings.create({ data: { teamId: OTHER, timezone: 'Europe/Berlin', createdAt: new Date('2026-11-01T00:00:00Z') } });
    await h.t.db.workspaceSettings.updateMany({ data: { createdAt: new Date('2026-11-01T00:00:00Z') } });
    await h.bot.deps.settings.applyDefaults();
    clock.set('2026-11-23T08:05:00Z');
    const outcomes = await h.bot.jobs.digest();
    expect(outcomes.map((o) => [o.teamId, o.status])).toEqual([[TEAM, 'queued']]);
    await h.deliver();
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(1);
    await countLedger(h);
    totals.cases += 1;
    totals.faults += 1;
  });
});
