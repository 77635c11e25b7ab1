// A delivery pass claims what is due in one statement and notes what it sent in one: what each
// claim takes, that two claimers at once never take the same delivery, and what the sent notes,
// lease renewals and a stopping worker's give-back leave behind. On both databases.
import { createDb, type Db } from '../../src/db/client';
import { memoryLogger } from '../../src/logger';
import { Outbox, type OutboxDelivery } from '../../src/services/outbox';
import { DATABASES, type TestDb } from '../support/db';

const TEAM = 'T_ACME';
const NOW = new Date('2026-11-25T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const LEASE = at(60_000);
const LOOK = at(120_000);
const SLACK_ONLY = { except: ['webhook'] } as const;

describe.each(DATABASES)('outbox claims on %s', (_name, fresh) => {
  let t: TestDb;
  let outbox: Outbox;

  beforeEach(async () => {
    t = await fresh();
    outbox = new Outbox(t.db, memoryLogger());
  });

  afterEach(async () => {
    await t.close();
  });

  type Row = { status?: string; nextAttemptAt?: Date; leaseUntil?: Date | null; lockedBy?: string | null; calledAt?: Date | null; kind?: string };
  async function add(key: string, row: Row = {}): Promise<number> {
    const created = await t.db.delivery.create({
      data: {
        teamId: TEAM,
        dedupeKey: key,
        kind: row.kind ?? 'message',
        payload: JSON.stringify({ kind: 'message', key, channel: 'C1', text: key }),
        status: row.status ?? 'pending',
        nextAttemptAt: row.nextAttemptAt ?? at(-1000),
        leaseUntil: row.leaseUntil ?? null,
        lockedBy: row.lockedBy ?? null,
        calledAt: row.calledAt ?? null,
        createdAt: at(-5000),
      },
    });
    return created.id;
  }

  const claim = (db: Db | Outbox, options: Partial<Parameters<Outbox['claimDue']>[0]> = {}) =>
    (db instanceof Outbox ? db : new Outbox(db, memoryLogger())).claimDue({
      now: NOW,
      afterId: 0,
      ignoreBackoff: false,
      limit: 50,
      kinds: SLACK_ONLY,
      workerId: 'w-me',
      leaseUntil: LEASE,
      lookUntil: LOOK,
      ...options,
    });

  it('takes what is due, oldest first, and takes over only a lease that ran out', async () => {
    const due = await add('due');
    const later = await add('later', { nextAttemptAt: at(5000) });
    const failed = await add('failed', { status: 'failed' });
    const dead = await add('dead', { status: 'sending', lockedBy: 'w-dead', leaseUntil: at(-1), calledAt: at(-30_000) });
    await add('live', { status: 'sending', lockedBy: 'w-live', leaseUntil: at(1000), calledAt: at(-1000) });
    await add('sent', { status: 'sent' });
    await add('paused', { status: 'paused' });
    await add('webhook', { kind: 'webhook' });

    const claimed = await claim(outbox);
    expect(claimed.map((d) => d.id)).toEqual([due, failed, dead]);
    for (const d of claimed) {
      expect(d).toMatchObject({ status: 'sending', lockedBy: 'w-me', attempts: 1 });
      expect(d.calledAt).toEqual(NOW);
    }
    const [fresh1, , takenOver] = claimed;
    expect(fresh1).toMatchObject({ uncertain: false, lookUntil: null });
    expect(fresh1!.takenOverFrom).toBeUndefined();
    // The dead worker may have called Slack: its post is looked for until LOOK before it is posted again.
    expect(takenOver).toMatchObject({ uncertain: true, lookUntil: LOOK, takenOverFrom: 'w-dead' });
    expect(fresh1!.request).toEqual({ kind: 'message', key: 'due', channel: 'C1', text: 'due' });

    const stored = await t.db.delivery.findMany({ where: { id: { in: [due, dead] } }, orderBy: { id: 'asc' } });
    expect(stored.map((r) => [r.status, r.lockedBy, r.leaseUntil?.toISOString(), r.attempts])).toEqual([
      ['sending', 'w-me', LEASE.toISOString(), 1],
      ['sending', 'w-me', LEASE.toISOString(), 1],
    ]);
    // Nothing due is left; what waits out its backoff is taken when asked to ignore it.
    expect(await claim(outbox, { workerId: 'w-other' })).toEqual([]);
    expect((await claim(outbox, { workerId: 'w-other', ignoreBackoff: true })).map((d) => d.id)).toEqual([later]);
  });

  it('takes at most `limit`, after `afterId`, of the kinds asked for', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await add(`m${i}`));
    const hook = await add('hook', { kind: 'webhook' });
    expect((await claim(outbox, { limit: 2 })).map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect((await claim(outbox, { afterId: ids[3]! })).map((d) => d.id)).toEqual([ids[4]]);
    expect((await claim(outbox, { kinds: { only: ['webhook'] } })).map((d) => d.id)).toEqual([hook]);
  });

  it('never gives one delivery to two claimers claiming at once', async () => {
    const all: number[] = [];
    for (let i = 0; i < 120; i++) all.push(await add(`c${i}`));
    const second = await createDb(t.url);
    try {
      const taken = new Map<string, number[]>([
        ['w-a', []],
        ['w-b', []],
      ]);
      const worker = async (db: Db, workerId: string) => {
        for (;;) {
          const got = await claim(db, { workerId, limit: 7 });
          if (got.length === 0) return;
          taken.get(workerId)!.push(...got.map((d) => d.id));
        }
      };
      await Promise.all([worker(t.db, 'w-a'), worker(second, 'w-b'), worker(t.db, 'w-a'), worker(second, 'w-b')]);
      const a = taken.get('w-a')!;
      const b = taken.get('w-b')!;
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
      expect(a.filter((id) => b.includes(id))).toEqual([]);
      const rows = await t.db.delivery.findMany({ select: { id: true, lockedBy: true, attempts: true } });
      for (const row of rows) {
        expect(row.attempts).toBe(1);
        expect(row.lockedBy).toBe(a.includes(row.id) ? 'w-a' : 'w-b');
      }
    } finally {
      await second.$disconnect();
    }
  });

  it('renews only what the worker still holds, and gives back what it did not start', async () => {
    const [one, two, three] = [await add('one'), await add('two'), await add('three')];
    await claim(outbox);
    // Another worker took `two` over meanwhile (its lease had run out for it).
    await t.db.delivery.update({ where: { id: two }, data: { lockedBy: 'w-other' } });
    const renewed = await outbox.renewLeases([one, two, three], 'w-me', at(90_000));
    expect(renewed.sort((x, y) => x - y)).toEqual([one, three]);
    const leases = await t.db.delivery.findMany({ orderBy: { id: 'asc' }, select: { leaseUntil: true } });
    expect(leases.map((l) => l.leaseUntil?.toISOString())).toEqual([at(90_000), LEASE, at(90_000)].map((d) => d.toISOString()));

    await outbox.giveBack([two, three], 'w-me', at(1000));
    const rows = await t.db.delivery.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.status, r.lockedBy, r.attempts])).toEqual([
      ['sending', 'w-me', 1],
      ['sending', 'w-other', 1],
      ['pending', null, 0],
    ]);
    expect(rows[2]!.nextAttemptAt).toEqual(at(1000));
    expect(rows[2]!.calledAt).toBeNull();
  });

  it('notes a pass as sent in one go; one asked for again meanwhile is pending again', async () => {
    const ids = [await add('a'), await add('b'), await add('c'), await add('d')];
    const claimed = await claim(outbox);
    // `b` was asked for again while it was being sent; `d` was taken over by another worker.
    await t.db.delivery.update({ where: { id: ids[1] }, data: { generation: { increment: 1 } } });
    await t.db.delivery.update({ where: { id: ids[3] }, data: { lockedBy: 'w-other' } });
    const mark = (d: OutboxDelivery, ts: string | undefined, note: string | undefined) => ({ delivery: d, ts, note });
    await outbox.markAllSent(
      [
        mark(claimed[0]!, '1700000000.000100', undefined),
        mark(claimed[1]!, '1700000000.000200', undefined),
        mark(claimed[2]!, undefined, 'skipped: gone'),
        mark(claimed[3]!, '1.2', undefined),
      ],
      'w-me',
      at(2000),
    );
    const rows = await t.db.delivery.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.status, r.lockedBy, r.resultTs, r.lastError])).toEqual([
      ['sent', null, '1700000000.000100', null],
      ['pending', null, null, null],
      ['sent', null, null, 'skipped: gone'],
      ['sending', 'w-other', null, null],
    ]);
    expect(rows[0]!.sentAt).toEqual(at(2000));
    expect(rows[1]!.nextAttemptAt).toEqual(at(2000));
    expect(rows[1]!.attempts).toBe(0);
  });
});
