// Slack's Web API failing for a stretch (5xx, 429 with Retry-After, answers slower than the
// client waits, connections refused) while people keep working, then healthy again: everything
// the outbox owed must reach Slack exactly once, counted by the delivery id each post carries.
import { MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import type { MistakeView } from '../../src/services/views';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { askModal, reassignModal } from '../../src/slack/views/modals';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick, postToSlackEndpoint, slashCommand, viewSubmission } from '../support/slackRequests';

const TEAM = 'T_ACME';
// Monday 23 November 2026, 08:30 in Berlin: the 09:00 digest slot and office hours lie ahead.
const MONDAY_0830 = '2026-11-23T07:30:00Z';

interface Outage {
  name: string;
  slackTimeoutMs?: number;
  begin(h: Harness): Promise<void> | void;
  end(h: Harness): Promise<void> | void;
}

let refusedPort = 0;
const OUTAGES: Outage[] = [
  {
    name: '5xx',
    begin: (h) => h.fake.fail('*', { kind: 'status', status: 503 }, 10_000),
    end: (h) => h.fake.clearFaults(),
  },
  {
    name: '429 with Retry-After',
    begin: (h) => h.fake.fail('*', { kind: 'status', status: 429, retryAfter: 30 }, 10_000),
    end: (h) => h.fake.clearFaults(),
  },
  {
    // Each slow answer costs the client its whole timeout, so the stretch is counted in calls.
    name: 'slower than the client timeout',
    slackTimeoutMs: 200,
    begin: (h) => h.fake.fail('*', { kind: 'slow', delayMs: 500 }, 15),
    end: (h) => h.fake.clearFaults(),
  },
  {
    // The connection dies before Slack acts: nothing arrived, and the bot cannot know that.
    name: 'connections dropped',
    begin: (h) => h.fake.fail('*', { kind: 'drop' }, 10_000),
    end: (h) => h.fake.clearFaults(),
  },
  {
    name: 'connection refused',
    begin: async (h) => {
      refusedPort = h.fake.port;
      await h.fake.stop();
    },
    end: async (h) => {
      await h.fake.start(refusedPort);
    },
  },
];

const totals = { cases: 0, faults: 0, delivered: 0, lost: 0, duplicated: 0 };

afterAll(() => {
  process.stdout.write(summary('slack-outage', totals));
});

const REPORTS = [
  { reporter: 'UALICE', owner: 'UALICE', customer: 'Harbor Bakery', severity: 'high' },
  { reporter: 'UCAROL', owner: 'UCAROL', customer: 'Corner Deli', severity: 'critical' },
  { reporter: 'UALICE', owner: 'UBOB', customer: 'Blue Door Books', severity: 'medium' },
] as const;

describe.each(OUTAGES)('Slack answering $name for a stretch', (outage) => {
  let h: Harness;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(MONDAY_0830);
    h = await startHarness({ clock, slackTimeoutMs: outage.slackTimeoutMs });
    await identifyOnceLikeADeployedBot(h);
    await h.bot.deps.settings.forTeam(TEAM);
    // Installed days ago, so today's digest slot is owed.
    await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { createdAt: new Date('2026-11-20T08:00:00Z') } });
  });

  afterEach(async () => {
    await h.close();
  });

  const post = (body: Parameters<typeof postToSlackEndpoint>[1]) => postToSlackEndpoint(h.baseUrl, body);
  async function mistake(customer: string): Promise<MistakeView> {
    const row = await h.t.db.mistake.findFirstOrThrow({ where: { customer } });
    return (await h.bot.deps.queries.get(TEAM, row.id))!;
  }

  async function click(actionId: string, m: MistakeView, userId: string) {
    const value = encodeValue({ m: m.id, v: m.version });
    const response = await post(buttonClick(actionId, value, { userId, channelId: 'CESCALATIONS', messageTs: m.threadTs ?? '1.0' }));
    expect(response.status).toBe(200);
  }

  async function submit(view: any, values: Record<string, string>, userId: string) {
    const response = await post(viewSubmission(view, values, { userId }));
    expect(response.status).toBe(200);
    // A stored change closes the form; anything else would show the person an error.
    expect(response.json?.response_action).toBeUndefined();
  }

  it('delivers every card, thread reply, DM, reminder and the digest exactly once afterwards', async () => {
    // The form was opened while Slack was still answering.
    await post(slashCommand('flour went to the wrong address'));
    const reportForm = (await h.fake.waitFor('views.open')).args.view;
    const linesBefore = h.logger.lines.length;
    const faultsBefore = h.fake.faultsServed;

    await outage.begin(h);
    for (const r of REPORTS) {
      await submit(
        reportForm,
        {
          [Inputs.customer]: r.customer,
          [Inputs.whatHappened]: `We got ${r.customer}'s order wrong.`,
          [Inputs.impact]: 'They waited a day longer than promised.',
          [Inputs.severity]: r.severity,
          [Inputs.category]: 'delivery',
          [Inputs.owner]: r.owner,
        },
        r.reporter,
      );
    }
    await h.deliver();

    await click(Actions.apologize, await mistake('Harbor Bakery'), 'UALICE');
    await submit(askModal(await mistake('Harbor Bakery')), { [Inputs.answer]: 'Deliver by Friday, no fee.' }, 'UALICE');
    // Handed to someone else: Bob is told in a DM and takes it with Own it.
    await submit(reassignModal(await mistake('Corner Deli')), { [Inputs.owner]: 'UBOB' }, 'UCAROL');
    await click(Actions.own, await mistake('Blue Door Books'), 'UBOB');
    await h.deliver();

    clock.set('2026-11-23T08:05:00Z');
    const digest = await h.bot.jobs.digest();
    expect(digest.map((d) => d.status)).toEqual(['queued']);
    await h.deliver();

    // 13:30 in Berlin: Harbor Bakery's remedy and Corner Deli's ownership are overdue.
    clock.set('2026-11-23T12:30:00Z');
    const reminded = await h.bot.jobs.reminders('reminders:outage');
    expect(reminded.owners).toBe(2);
    await h.deliver();

    const retriedDuringOutage = h.logger.lines.slice(linesBefore).filter((l) => l.message === 'delivery will be retried').length;
    await outage.end(h);

    for (let i = 0; i < 40; i++) {
      clock.advance(6 * MINUTE_MS);
      await h.deliver();
      if ((await h.t.db.delivery.count({ where: { status: { not: 'sent' } } })) === 0) break;
    }

    const rows = await h.t.db.delivery.findMany({ orderBy: { id: 'asc' } });
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    const ledger = h.fake.ledger(rows);
    expect(ledger.duplicated).toEqual([]);
    expect(ledger.lost).toEqual([]);
    expect(ledger.strangers).toEqual([]);
    const posted = h.fake.postsByDeliveryId();
    for (const [, calls] of posted) expect(calls).toHaveLength(1);

    // The workload really went through: one card per mistake, pointing at its own thread.
    const mistakes = await h.t.db.mistake.findMany({ orderBy: { id: 'asc' } });
    expect(mistakes).toHaveLength(3);
    const cards = h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CESCALATIONS' && !c.args.thread_ts);
    expect(cards).toHaveLength(3);
    for (const m of mistakes) expect(cards.some((c) => c.response?.ts === m.threadTs)).toBe(true);
    const kinds = (kind: string) => rows.filter((r) => r.kind === kind);
    expect(kinds('digest')).toHaveLength(1);
    expect(h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001')).toHaveLength(1);
    expect(kinds('reminder')).toHaveLength(2);
    const dmEvents = await h.t.db.timelineEvent.findMany({ where: { kind: { in: ['reported', 'reassigned'] } } });
    const dmsToBob = kinds('dm').filter((r) => JSON.parse(r.payload).userId === 'UBOB');
    // Blue Door Books was handed to Bob at report time, Corner Deli by Reassign.
    expect(dmsToBob.map((r) => JSON.parse(r.payload).eventId).sort()).toEqual(
      dmEvents
        .filter((e) => JSON.parse(e.details).ownerId === 'UBOB' || JSON.parse(e.details).to === 'UBOB')
        .map((e) => e.id)
        .sort(),
    );
    for (const m of mistakes) {
      const events = await h.t.db.timelineEvent.count({ where: { mistakeId: m.id } });
      const replies = h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === m.threadTs);
      expect(replies).toHaveLength(events);
    }
    // The card shows the latest state once Slack is back, whatever it missed.
    const harbor = mistakes.find((m) => m.customer === 'Harbor Bakery')!;
    const updates = h.fake.called('chat.update').filter((c) => c.args.ts === harbor.threadTs);
    const lastCard = JSON.stringify((updates[updates.length - 1] ?? cards.find((c) => c.response?.ts === harbor.threadTs))!.args.blocks);
    expect(lastCard).toContain(Actions.makeRight);

    const faults = outage.name === 'connection refused' ? retriedDuringOutage : h.fake.faultsServed - faultsBefore;
    expect(faults).toBeGreaterThan(0);
    totals.cases += 1;
    totals.faults += faults;
    totals.delivered += ledger.delivered;
    totals.lost += ledger.lost.length;
    totals.duplicated += ledger.duplicated.length;
  });
});

/**
 * The harness turns Bolt's token verification off, and Bolt then calls auth.test on every incoming
 * request; a deployed bot calls it once at start-up and keeps the answer. Keep the answer here too,
 * so the outage hits what a deployed bot calls during one, not a test-only dependency.
 */
async function identifyOnceLikeADeployedBot(h: Harness): Promise<void> {
  const app = h.bot.app as unknown as { authorize: (source: { isEnterpriseInstall?: boolean }) => Promise<unknown> };
  const identity = await h.bot.app.client.auth.test();
  app.authorize = async ({ isEnterpriseInstall }) => ({
    isEnterpriseInstall,
    botToken: 'xoxb-test-token',
    botUserId: identity.user_id,
    botId: identity.bot_id,
  });
}

function summary(file: string, t: typeof totals): string {
  const cols = ['cases tried', 'faults survived', 'messages delivered', 'lost', 'duplicated'];
  const values = [t.cases, t.faults, t.delivered, t.lost, t.duplicated];
  const header = ['file'.padEnd(16), ...cols].join(' | ');
  const row = [file.padEnd(16), ...values.map((v, i) => String(v).padStart(cols[i]!.length))].join(' | ');
  return `\n${header}\n${row}\n`;
}
