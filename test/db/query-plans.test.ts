// Statements App Home and the cards run on every refresh, whose cost must not grow with the
// workspace's history: each reads only the index ranges it needs, as SQLite plans the statement
// Prisma actually sends.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import type { Db } from '../../src/db/client';
import { PrismaClient } from '../../src/generated/prisma/client';
import { memoryLogger } from '../../src/logger';
import { MistakeQueries } from '../../src/services/queries';
import { freshSqlite, type TestDb } from '../support/db';

/** A client on the test's file that reports each statement it sends. */
function loggingClient(url: string) {
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }), log: [{ emit: 'event', level: 'query' }] });
}

let t: TestDb;
let client: ReturnType<typeof loggingClient>;
const sent: Array<{ query: string; params: string }> = [];
beforeAll(async () => {
  t = await freshSqlite();
  client = loggingClient(t.url);
  client.$on('query', (e) => sent.push({ query: e.query, params: e.params }));
});
afterAll(async () => {
  await client.$disconnect();
  await t.close();
});

/** How SQLite plans the last statement sent that matches `pattern`, with the values it was sent with. */
function planOf(pattern: RegExp): string[] {
  const statement = [...sent].reverse().find((s) => pattern.test(s.query));
  if (!statement) throw new Error(`no statement matching ${pattern} was sent`);
  const params = (JSON.parse(statement.params) as unknown[]).map((p) => (typeof p === 'boolean' ? Number(p) : p));
  const raw = new Database(t.file, { readonly: true });
  try {
    return (raw.prepare(`EXPLAIN QUERY PLAN ${statement.query}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
  } finally {
    raw.close();
  }
}

it("reads a workspace's latest timeline event by key, not by sorting its events", async () => {
  // The figures App Home shows are reused while this has not changed: it is read on every refresh.
  // Sorting every event of the workspace took 0.26 ms at 3,000 events, and grows with history.
  await client.timelineEvent.findFirst({ where: { teamId: 'T1' }, orderBy: { id: 'desc' }, select: { id: true } });
  expect(planOf(/FROM `main`\.`TimelineEvent`.*ORDER BY/)).toEqual([
    expect.stringMatching(/USING COVERING INDEX TimelineEvent_teamId_id_idx \(teamId=\?\)/),
  ]);
});

it("counts App Home's open mistakes, and those closed this week, from an index alone", async () => {
  // Read through the table (or through every closed mistake) this took 5.4 ms a refresh at 6,550 open.
  await new MistakeQueries(client as unknown as Db, memoryLogger()).counts('T1', new Date('2026-11-25T12:00:00Z'));
  const plan = planOf(/COUNT\(\*\) AS "open"/);
  expect(plan).toContainEqual(
    expect.stringMatching(/^SEARCH m USING COVERING INDEX Mistake_teamId_state_closedAt_ownerId_idx \(teamId=\? AND state=\?\)$/),
  );
  expect(plan).toContainEqual(
    expect.stringMatching(/^SEARCH c USING COVERING INDEX Mistake_teamId_state_closedAt_ownerId_idx \(teamId=\? AND state=\? AND closedAt>\?\)$/),
  );
  expect(plan.filter((step) => /^SCAN|TEMP B-TREE FOR ORDER BY/.test(step))).toEqual([]);
});

it("reads the earlier mistakes of a pass's customers as ranges of an index, not the whole workspace", async () => {
  // A delivery pass renders several cards at once, each with the customer's earlier mistakes.
  const at = new Date('2026-11-25T12:00:00Z');
  // Eight customers, as a busy pass has: with fewer, SQLite may read the ranges anyway.
  const customers = ['harbor bakery', 'pier cafe', 'globex', 'initech', 'umbrella', 'hooli', 'acme', 'stark'];
  await new MistakeQueries(client as unknown as Db, memoryLogger()).earlierMany(
    'T1',
    customers.map((customerKey, i) => ({ id: 10 + i, customerKey, createdAt: at })),
  );
  const plan = planOf(/ROW_NUMBER\(\) OVER/);
  expect(plan).toContain('MULTI-INDEX OR');
  const reads = plan.filter((step) => / m /.test(step));
  expect(reads).toHaveLength(customers.length);
  for (const read of reads) {
    expect(read).toMatch(
      /^SEARCH m USING INDEX Mistake_teamId_customerKey_createdAt_idx \(teamId=\? AND customerKey=\? AND createdAt>\? AND createdAt<\?\)$/,
    );
  }
});
