// The weekly insights post: a PNG chart uploaded through Slack's upload flow and shown in an
// image block in the digest channel, with the headline figures in text; once a week across
// restarts and replicas; on demand with the digest's semantics; INSIGHTS_CRON=off disables it.
import { PNG } from 'pngjs';
import { HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { CHART_HEIGHT, CHART_SCALE, CHART_WIDTH } from '../../src/slack/views/insightsChart';
import { freshSqlite } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { startHarness, type Harness } from '../support/harness';
import { checkLimits } from '../support/limits';

const TEAM = 'T_ACME';
// INSIGHTS_CRON's default: Mondays at 09:00 in the harness's Europe/Berlin (08:00 UTC in winter).
const MONDAY_9 = '2026-11-23T08:00:00Z';
const MONDAY_11 = '2026-11-23T10:00:00Z';
const WEDNESDAY = '2026-11-25T10:00:00Z';

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function start(clock: ManualClock, options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ clock, ...options });
  harnesses.push(h);
  return h;
}

async function installed(h: Harness): Promise<void> {
  await h.bot.deps.settings.forTeam(TEAM);
  await h.t.db.workspaceSettings.update({ where: { teamId: TEAM }, data: { createdAt: new Date('2026-08-01T00:00:00Z') } });
}

/** A few weeks of recoveries: reported, apologized after a while, made right, satisfied. */
async function history(h: Harness, clock: ManualClock): Promise<void> {
  const start = clock.now().getTime();
  clock.set(new Date(start - 5 * 7 * 24 * HOUR_MS));
  for (let week = 0; week < 5; week++) {
    for (let i = 0; i <= week; i++) {
      const { mistake } = await h.bot.deps.mistakes.report(TEAM, 'UBOB', {
        customer: `Customer ${week}-${i}`,
        whatHappened: 'Wrong address on the delivery.',
        impact: 'No flour for the weekend market.',
        severity: 'high',
        category: 'delivery',
        ownerId: 'UBOB',
      });
      const ref = { teamId: TEAM, mistakeId: mistake.id };
      clock.advance((60 - week * 10) * MINUTE_MS);
      await h.bot.deps.mistakes.completeStep(ref, 'UBOB', 'apologize');
      await h.bot.deps.mistakes.completeStep(ref, 'UBOB', 'ask', { customerAnswer: 'A new delivery' });
      await h.bot.deps.mistakes.completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'replacement', remedyValue: 'Sent again' });
      if (i % 2 === 0) await h.bot.deps.mistakes.markSatisfied(ref, 'UBOB');
    }
    clock.advance(7 * 24 * HOUR_MS - (week + 1) * HOUR_MS);
  }
  clock.set(new Date(start));
}

const posts = (h: Harness) =>
  h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001' && c.args.blocks?.some((b: any) => b.type === 'image'));

describe('the weekly insights post', () => {
  it('uploads the chart through the upload flow and shows it in an image block, with the figures in text', async () => {
    const clock = new ManualClock(MONDAY_9);
    const h = await start(clock);
    await installed(h);
    await history(h, clock);

    const [outcome] = await h.bot.jobs.insights();
    expect(outcome).toMatchObject({ status: 'queued', slot: 'insights:2026-11-23', channel: 'CDIGEST0001' });
    await h.deliver();

    // The flow, in order: an upload URL, the bytes, the upload completed, then the post.
    const methods = h.fake.delivered.map((c) => c.method).filter((m) => m.startsWith('files.') || m === 'chat.postMessage');
    const first = methods.indexOf('files.getUploadURLExternal');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(methods.slice(first)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal', 'chat.postMessage']);
    const [post] = posts(h);
    expect(post).toBeDefined();
    expect(checkLimits('message', post!.args)).toEqual([]);
    const image = post!.args.blocks.find((b: any) => b.type === 'image');
    const file = h.fake.files.get(image.slack_file.id)!;
    expect(file).toMatchObject({ completed: true, filename: 'insights-2026-11-23.png' });
    expect(image.alt_text).toMatch(/^Bar chart per week/);
    expect(post!.args.text).toMatch(
      /^Weekly insights\. Since Mon 31 Aug: 15 mistakes reported, 9 customers recovered\. .*Last 90 days: 15 mistakes reported/,
    );

    // The PNG decodes, has the chart's size, and is not blank.
    const png = PNG.sync.read(file.bytes!);
    expect([png.width, png.height]).toEqual([CHART_WIDTH * CHART_SCALE, CHART_HEIGHT * CHART_SCALE]);
    const colours = new Set<number>();
    let nonWhite = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const rgb = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
      colours.add(rgb);
      if (rgb !== 0xffffff) nonWhite++;
    }
    expect(colours.size).toBeGreaterThan(20);
    expect(nonWhite / (png.width * png.height)).toBeGreaterThan(0.05);
  });

  it('goes out once a week across restarts and replicas; on demand it says it went, --again posts an extra copy', async () => {
    const clock = new ManualClock(MONDAY_9);
    const fake = await new FakeSlack().start();
    const t = await freshSqlite();
    const a = await start(clock, { fake, t });
    const b = await start(clock, { fake, t });
    await installed(a);

    const [ra, rb] = await Promise.all([a.bot.jobs.insights(), b.bot.jobs.insights()]);
    expect([ra![0]!.status, rb![0]!.status].sort()).toEqual(['already-sent', 'queued']);
    await a.deliver();
    await b.deliver();
    clock.set(MONDAY_11);
    // A restart catches up the latest slot: it is taken.
    expect((await b.bot.jobs.insights())[0]).toMatchObject({ status: 'already-sent' });
    clock.set(WEDNESDAY);
    const [again] = await a.bot.jobs.insights({ onDemand: true });
    expect(again).toMatchObject({ status: 'already-sent', slot: 'insights:2026-11-23' });
    await a.deliver();
    expect(posts(a)).toHaveLength(1);

    const [extra] = await a.bot.jobs.insights({ onDemand: true, again: true });
    expect(extra).toMatchObject({ status: 'queued', extra: true });
    await a.deliver();
    expect(posts(a)).toHaveLength(2);
    expect(fake.ledger(await t.db.delivery.findMany()).duplicated).toEqual([]);
    // Both bots first (they share the database and the fake Slack), then what they shared.
    while (harnesses.length) await harnesses.pop()!.close();
    await t.close();
    await fake.stop();
  });

  it('on demand before the week has had its post: posts now, and the schedule then skips the week', async () => {
    const clock = new ManualClock(WEDNESDAY);
    const h = await start(clock);
    await installed(h);
    // The bot was down on Monday: nobody claimed the slot.
    const [now] = await h.bot.jobs.insights({ onDemand: true });
    expect(now).toMatchObject({ status: 'queued', slot: 'insights:2026-11-23' });
    await h.deliver();
    expect((await h.bot.jobs.insights())[0]).toMatchObject({ status: 'already-sent' });
    expect(posts(h)).toHaveLength(1);
  });

  it('INSIGHTS_CRON=off: the schedule posts nothing', async () => {
    const clock = new ManualClock(MONDAY_9);
    const h = await start(clock, { env: { INSIGHTS_CRON: 'off' } });
    await installed(h);
    expect((await h.bot.jobs.insights())[0]).toMatchObject({ status: 'off', next: null });
    await h.deliver();
    expect(h.fake.called('files.getUploadURLExternal')).toHaveLength(0);
  });
});
