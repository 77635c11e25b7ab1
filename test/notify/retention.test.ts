// Sent deliveries are kept a week (the operator's `deliveries` report shows them), then deleted by
// an idle pass: at most every ten minutes, not after every click's drain.
import { DAY_MS, MINUTE_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock('2026-11-23T10:00:00Z');
  h = await startHarness({ clock });
});

afterEach(async () => {
  await h.close();
});

async function sentDelivery(key: string, sentAt: Date): Promise<number> {
  const row = await h.t.db.delivery.create({
    data: { teamId: 'T_ACME', dedupeKey: key, kind: 'message', payload: '{}', status: 'sent', sentAt, nextAttemptAt: sentAt, createdAt: sentAt },
  });
  return row.id;
}

const ids = async () => (await h.t.db.delivery.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((d) => d.id);

it('deletes sent deliveries older than a week when idle, at most every ten minutes', async () => {
  const old = await sentDelivery('old-1', new Date(clock.now().getTime() - 8 * DAY_MS));
  const recent = await sentDelivery('recent', new Date(clock.now().getTime() - 6 * DAY_MS));
  // The pass at start looked ten minutes ago (and found nothing to delete).
  clock.advance(10 * MINUTE_MS);
  await h.bot.worker.drain();
  expect(await ids()).toEqual([recent]);
  expect(old).toBeLessThan(recent);

  // Another drain right away (the next click's) deletes nothing, however old.
  const older = await sentDelivery('old-2', new Date(clock.now().getTime() - 30 * DAY_MS));
  clock.advance(MINUTE_MS);
  await h.bot.worker.drain();
  expect(await ids()).toEqual([recent, older]);

  clock.advance(10 * MINUTE_MS);
  await h.bot.worker.drain();
  expect(await ids()).toEqual([recent]);
});
