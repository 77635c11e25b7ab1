// A pass claims every delivery due at once. A bot stopping while Slack is slow sends what it can,
// finishes the post in hand and gives the rest of its claim back, due at once: none is left
// claimed by a process that is gone (which would hold it until its lease ran out) and none is
// posted twice when the next process sends them.
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let next: Harness | null = null;

beforeEach(async () => {
  // A lease far longer than the test: a delivery left claimed would still be claimed at its end.
  h = await startHarness({ env: { LEASE: '10m' } });
});

afterEach(async () => {
  await next?.close();
  next = null;
  await h.close();
});

it('gives back what a stopping pass claimed and did not start, and the next process sends it once', async () => {
  const texts = Array.from({ length: 12 }, (_, i) => `note ${i + 1}`);
  await h.bot.outbox.queue(
    'T_ACME',
    texts.map((text, i) => ({ kind: 'message', key: `note-${i}`, channel: 'C_NOTES', text })),
    new Date(),
  );
  // Slack takes 1.5 s to answer each post: a stop given 5 s sends a few of them.
  h.fake.fail('chat.postMessage', { kind: 'slow', delayMs: 1500 }, 100);
  h.bot.worker.kick();
  for (let i = 0; i < 100 && h.fake.calls.filter((c) => c.method === 'chat.postMessage').length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await h.bot.stop();

  const rows = await h.t.db.delivery.findMany({ where: { kind: 'message' }, orderBy: { id: 'asc' } });
  expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
  const sent = rows.filter((r) => r.status === 'sent');
  const back = rows.filter((r) => r.status === 'pending');
  expect(sent.length).toBeGreaterThan(0);
  expect(back.length).toBeGreaterThan(0);
  expect(sent.length + back.length).toBe(texts.length);
  for (const r of back) expect(r).toMatchObject({ lockedBy: null, attempts: 0, calledAt: null });

  // The next process sends the rest at once (not a lease later), each exactly once.
  h.fake.clearFaults();
  next = await startHarness({ t: h.t, fake: h.fake, env: { LEASE: '10m' } });
  await next.bot.worker.drain();
  const posted = h.fake.calls.filter((c) => c.method === 'chat.postMessage').map((c) => String(c.args.text));
  expect([...posted].sort()).toEqual([...texts].sort());
  expect(await h.t.db.delivery.count({ where: { kind: 'message', status: { not: 'sent' } } })).toBe(0);
});
