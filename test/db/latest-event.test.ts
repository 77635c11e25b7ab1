// App Home's figures are reused while the workspace's latest timeline event has not changed, so
// that event is looked up on every Home refresh. It must be read by key: sorting every event of
// the workspace grows with its history (0.26 ms at 3,000 events, about 9 ms at 100,000).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { PrismaClient } from '../../src/generated/prisma/client';
import { freshSqlite, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await freshSqlite();
});
afterAll(() => t.close());

it("reads a workspace's latest timeline event through an index, without sorting its events", async () => {
  // The statement Prisma sends for the lookup MistakeQueries makes, captured as sent.
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: t.url }), log: [{ emit: 'event', level: 'query' }] });
  const sent: string[] = [];
  client.$on('query', (e) => sent.push(e.query));
  try {
    await client.timelineEvent.findFirst({ where: { teamId: 'T1' }, orderBy: { id: 'desc' }, select: { id: true } });
  } finally {
    await client.$disconnect();
  }
  const sql = sent.find((q) => /TimelineEvent/.test(q) && /ORDER BY/.test(q));
  expect(sql).toBeDefined();
  const raw = new Database(t.file, { readonly: true });
  try {
    const params = (sql!.match(/\?/g) ?? []).map((_, i) => (i === 0 ? 'T1' : i === 1 ? 1 : 0));
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
    expect(plan).toEqual([expect.stringMatching(/USING COVERING INDEX TimelineEvent_teamId_id_idx \(teamId=\?\)/)]);
  } finally {
    raw.close();
  }
});
