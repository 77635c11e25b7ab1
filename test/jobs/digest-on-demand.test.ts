// `npm run job -- digest`: today's digest on demand, still exactly one a day, with an injected
// clock moving through the day.
import { ManualClock } from '../../src/services/clock';
import { describeDigest } from '../../src/jobs/report';
import { startHarness, type Harness } from '../support/harness';
import { freshSqlite } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';

const TEAM = 'T_ACME';
// The default schedule: weekdays at 09:00 in the harness's Europe/Berlin (08:00 UTC in winter).
const MONDAY_7 = '2026-11-23T06:00:00Z';
const MONDAY_9 = '2026-11-23T08:00:00Z';
const MONDAY_11 = '2026-11-23T10:00:00Z';
const TUESDAY_9 = '2026-11-24T08:00:00Z';

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function start(clock: ManualClock, options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ clock, ...options });
  harnesses.push(h);
  return h;
}

async function installedAt(h: Harness, at: string): Promise<void> {
  await h.bot.deps.settings.forTeam(TEAM);
  await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { createdAt: new Date(at) } });
}

async function seed(h: Harness): Promise<void> {
  await h.bot.deps.mistakes.report(TEAM, 'UBOB', {
    customer: 'Harbor Bakery',
    whatHappened: 'Wrong address on the delivery.',
    impact: 'No flour for the weekend market.',
    severity: 'high',
    category: 'delivery',
    ownerId: 'UBOB',
  });
}

const digests = (h: Harness) => h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001');
const onDemand = (h: Harness, again = false) => h.bot.jobs.digest({ onDemand: true, again });

async function report(h: Harness, clock: ManualClock, outcome: Awaited<ReturnType<typeof onDemand>>[number]): Promise<string> {
  const posted = outcome.deliveryKey ? await h.bot.outbox.record(TEAM, outcome.deliveryKey) : null;
  return describeDigest(outcome, posted, { now: clock.now(), workspaceUrl: 'https://acme.slack.com/' }).join('\n');
}

describe('the digest on demand', () => {
  it("before the slot: sends today's digest now, and the schedule then skips today", async () => {
    const clock = new ManualClock(MONDAY_7);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    await seed(h);

    const [outcome] = await onDemand(h);
    expect(outcome).toMatchObject({ status: 'queued', slot: 'digest:2026-11-23', late: false });
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
    expect(JSON.stringify(digests(h)[0]!.args.blocks)).not.toMatch(/This digest is late|extra copy/i);
    // Monday's slot is taken, so the next digest the schedule sends is Tuesday's.
    expect(outcome!.next).toEqual(new Date(TUESDAY_9));
    expect(await report(h, clock, outcome!)).toMatch(
      /^Today's digest \(Mon 23 Nov\) was posted at Mon 23 Nov 2026, 07:00 CET in CDIGEST0001: https:\/\/acme\.slack\.com\/archives\/CDIGEST0001\/p\d+\.[\s\S]*The next scheduled digest goes out Tue 24 Nov 2026, 09:00 CET \(in 1d 2h\)\.$/,
    );

    clock.set(MONDAY_9);
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['already-sent']);
    clock.set(MONDAY_11);
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['already-sent']);
    await h.deliver();
    expect(digests(h)).toHaveLength(1);

    // Tuesday is an ordinary day again.
    clock.set(TUESDAY_9);
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['queued']);
    await h.deliver();
    expect(digests(h)).toHaveLength(2);
  });

  it('after the slot was sent: says when and where, and posts nothing', async () => {
    const clock = new ManualClock(MONDAY_9);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    await h.bot.jobs.digest();
    await h.deliver();
    const ts = digests(h)[0]!.response!.ts as string;

    clock.set(MONDAY_11);
    const [outcome] = await onDemand(h);
    expect(outcome).toMatchObject({ status: 'already-sent', slot: 'digest:2026-11-23' });
    expect(outcome!.existing?.delivery).toMatchObject({ status: 'sent', channel: 'CDIGEST0001', ts });
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
    const text = await report(h, clock, outcome!);
    expect(text).toContain(
      `Today's digest (Mon 23 Nov) was posted at Mon 23 Nov 2026, 09:00 CET in CDIGEST0001: https://acme.slack.com/archives/CDIGEST0001/p${ts.replace('.', '')}. Nothing was posted.`,
    );
    expect(text).toContain('npm run job -- digest --again');
  });

  it('after a slot the bot missed: sends it now, marked late, once', async () => {
    const clock = new ManualClock(MONDAY_11);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    const [outcome] = await onDemand(h);
    expect(outcome).toMatchObject({ status: 'queued', late: true });
    expect((await onDemand(h)).map((o) => o.status)).toEqual(['already-sent']);
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['already-sent']);
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
    expect(JSON.stringify(digests(h)[0]!.args.blocks)).toMatch(/This digest is late/);
  });

  it('is not late when the workspace was new at the slot', async () => {
    const clock = new ManualClock(MONDAY_11);
    const h = await start(clock);
    await installedAt(h, '2026-11-23T09:30:00Z');
    expect(await onDemand(h)).toMatchObject([{ status: 'queued', late: false }]);
  });

  it('twice in a day posts once', async () => {
    const clock = new ManualClock(MONDAY_7);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    expect((await onDemand(h)).map((o) => o.status)).toEqual(['queued']);
    clock.advance(60_000);
    expect((await onDemand(h)).map((o) => o.status)).toEqual(['already-sent']);
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
  });

  it('from two processes at once posts once', async () => {
    const clock = new ManualClock(MONDAY_7);
    const fake = await new FakeSlack().start();
    const t = await freshSqlite();
    try {
      const a = await start(clock, { fake, t });
      const b = await start(clock, { fake, t });
      await installedAt(a, '2026-11-20T08:00:00Z');
      const outcomes = await Promise.all([onDemand(a), onDemand(b), onDemand(a), onDemand(b)]);
      expect(
        outcomes
          .flat()
          .map((o) => o.status)
          .sort(),
      ).toEqual(['already-sent', 'already-sent', 'already-sent', 'queued']);
      await Promise.all([a.deliver(), b.deliver()]);
      expect(digests(a)).toHaveLength(1);
      expect(await t.db.scheduledRun.count({ where: { job: 'digest', slot: 'digest:2026-11-23' } })).toBe(1);
    } finally {
      while (harnesses.length) await harnesses.pop()!.close();
      await t.close();
      await fake.stop();
    }
  });

  it('--again posts an extra copy, marked as such, and the schedule still skips today', async () => {
    const clock = new ManualClock(MONDAY_9);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    await seed(h);
    await h.bot.jobs.digest();
    await h.deliver();

    clock.set(MONDAY_11);
    const [extra] = await onDemand(h, true);
    expect(extra).toMatchObject({ status: 'queued', extra: true });
    await h.deliver();
    expect(digests(h)).toHaveLength(2);
    const copy = digests(h)[1]!;
    expect(copy.args.text).toMatch(/^Daily recovery digest \(extra copy\) — Mon 23 Nov/);
    expect(JSON.stringify(copy.args.blocks)).toContain("An extra copy*, posted on request; today's digest went out Mon 23 Nov 2026, 09:00 CET");
    expect(await report(h, clock, extra!)).toMatch(/^An extra copy of today's digest \(Mon 23 Nov\), marked as one, was posted/);

    // Each --again is its own request; the day's own digest stays the only scheduled one.
    clock.advance(60_000);
    await onDemand(h, true);
    await h.bot.jobs.digest();
    await h.deliver();
    expect(digests(h)).toHaveLength(3);
    expect(await h.t.db.scheduledRun.count({ where: { job: 'digest' } })).toBe(1);
  });

  it("--again before today's digest went out sends the day's own digest", async () => {
    const clock = new ManualClock(MONDAY_7);
    const h = await start(clock);
    await installedAt(h, '2026-11-20T08:00:00Z');
    expect(await onDemand(h, true)).toMatchObject([{ status: 'queued', slot: 'digest:2026-11-23' }]);
    expect((await onDemand(h, true))[0]).toMatchObject({ extra: true });
    await h.deliver();
    expect(digests(h).map((d) => /extra copy/i.test(d.args.text))).toEqual([false, true]);
  });

  it('after yesterday was missed, a digest sent on demand today is not followed by a late one for yesterday', async () => {
    // Friday's 09:00 passed while the bot was down; Monday 07:00 an operator asks for a digest.
    const clock = new ManualClock(MONDAY_7);
    const h = await start(clock);
    await installedAt(h, '2026-11-16T08:00:00Z');
    expect(await onDemand(h)).toMatchObject([{ status: 'queued', slot: 'digest:2026-11-23' }]);
    // The bot comes back: its start-up catch-up finds Friday covered.
    expect((await h.bot.jobs.digest()).map((o) => o.status)).toEqual(['already-sent']);
    await h.deliver();
    expect(digests(h)).toHaveLength(1);
  });

  it('on a day the schedule has no slot (a Sunday) still sends one, once', async () => {
    const clock = new ManualClock('2026-11-22T12:00:00Z');
    const h = await start(clock);
    await installedAt(h, '2026-11-16T08:00:00Z');
    // Friday's digest went out as scheduled.
    clock.set('2026-11-20T08:00:00Z');
    await h.bot.jobs.digest();
    clock.set('2026-11-22T12:00:00Z');
    expect(await onDemand(h)).toMatchObject([{ status: 'queued', slot: 'digest:2026-11-22', late: false }]);
    expect((await onDemand(h)).map((o) => o.status)).toEqual(['already-sent']);
    await h.deliver();
    expect(digests(h)).toHaveLength(2);
  });

  it('says where the digest goes when there is no channel', async () => {
    const clock = new ManualClock(MONDAY_7);
    const h = await start(clock, { env: { DIGEST_CHANNEL_ID: '', ESCALATION_CHANNEL_ID: 'CESCALATIONS' } });
    await installedAt(h, '2026-11-20T08:00:00Z');
    await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { digestChannelId: null, escalationChannelId: null } });
    const [outcome] = await onDemand(h);
    expect(outcome!.status).toBe('no-channel');
    expect(await report(h, clock, outcome!)).toMatch(/Set DIGEST_CHANNEL_ID/);
  });
});
