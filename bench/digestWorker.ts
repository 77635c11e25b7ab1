// Child process, run twice per workspace size:
//   BENCH_DIGEST_PHASE=seed     writes the workspace (BENCH_DIGEST_FILE, BENCH_DIGEST_N)
//   BENCH_DIGEST_PHASE=measure  times the digest on it in a fresh process (no seeding garbage in
//                               its heap), counting the SQL statements Prisma sends (its `query`
//                               log events).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { writeExportCsv } from '../src/services/exports';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { Db } from '../src/db/client';
import { PrismaClient } from '../src/generated/prisma/client';
import { createLogger } from '../src/logger';
import { loadDigest } from '../src/services/digest';
import { InsightsService } from '../src/services/insights';
import { renderDigest } from '../src/slack/views/digest';
import { DIGEST_RUNS } from './digest';
import { seedDigestWorkspace, type DigestWorkspace } from './seed';

export interface SeedResult {
  type: 'seeded';
  seedMs: number;
  workspace: DigestWorkspace;
}

export interface DigestWorkerResult {
  type: 'result';
  n: number;
  queries: number;
  queryCounts: number[];
  coldMs: number;
  runsMs: number[];
  slowestQueries: Array<{ ms: number; sql: string }>;
  data: { overdueTotal: number; waitingForApologyTotal: number; overduePreventionTotal: number; open: number; eventsRead: number };
  blocks: number;
  /** `/mistake stats 365d` (by owner too) over the workspace: its statements and timings. */
  stats: { queries: number; coldMs: number; runsMs: number[]; reported: number; previous: number };
}

function seed(file: string, n: number): SeedResult {
  const started = performance.now();
  const workspace = seedDigestWorkspace(file, n, Date.now());
  return { type: 'seeded', seedMs: performance.now() - started, workspace };
}

async function measure(file: string, n: number, workspace: DigestWorkspace): Promise<DigestWorkerResult> {
  workspace = { ...workspace, now: new Date(workspace.now), since: new Date(workspace.since) };

  // The bot's SQLite client (as createDb opens it), with Prisma's query events on.
  const url = `file:${file}`;
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url, timeout: 5000 }), log: [{ emit: 'event', level: 'query' }] });
  let statements: Array<{ ms: number; sql: string }> = [];
  client.$on('query', (e) => statements.push({ ms: e.duration, sql: e.query }));
  await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
  await client.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await client.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await client.$queryRawUnsafe('PRAGMA cache_size = -4000');
  const db = client as unknown as Db;
  const logger = createLogger('warn');

  const once = async () => {
    statements = [];
    const started = performance.now();
    const data = await loadDigest(db, logger, workspace.teamId, workspace.since, workspace.now);
    const message = renderDigest(data, { timeZone: 'Europe/Berlin', workspaceUrl: 'https://acme.slack.com/' });
    return { ms: performance.now() - started, data, message, statements };
  };
  const cold = await once();
  const runs: Array<Awaited<ReturnType<typeof once>>> = [];
  for (let i = 0; i < DIGEST_RUNS; i++) runs.push(await once());
  const last = runs[runs.length - 1]!;
  const result: DigestWorkerResult = {
    type: 'result',
    n,
    queries: last.statements.length,
    queryCounts: [cold, ...runs].map((r) => r.statements.length),
    coldMs: cold.ms,
    runsMs: runs.map((r) => r.ms),
    slowestQueries: [...last.statements]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 4)
      .map((s) => ({ ms: s.ms, sql: s.sql.slice(0, 300) })),
    data: {
      overdueTotal: last.data.overdueTotal,
      waitingForApologyTotal: last.data.waitingForApologyTotal,
      overduePreventionTotal: last.data.overduePreventionTotal,
      open: last.data.counts.open,
      eventsRead: last.data.figures.apologized + last.data.figures.recovered + last.data.figures.notSatisfied,
    },
    blocks: last.message.blocks.length,
    stats: { queries: 0, coldMs: 0, runsMs: [], reported: 0, previous: 0 },
  };
  // `/mistake stats 365d` for an admin: the window and the one before it span the whole
  // two-year history, so every mistake is read.
  const insights = new InsightsService(db);
  const statsOnce = async () => {
    statements = [];
    const started = performance.now();
    const stats = await insights.stats(workspace.teamId, '365d', workspace.now, { byOwner: true });
    return { ms: performance.now() - started, stats, count: statements.length };
  };
  const statsCold = await statsOnce();
  const statsRuns: Array<Awaited<ReturnType<typeof statsOnce>>> = [];
  for (let i = 0; i < DIGEST_RUNS; i++) statsRuns.push(await statsOnce());
  const lastStats = statsRuns[statsRuns.length - 1]!;
  result.stats = {
    queries: lastStats.count,
    coldMs: statsCold.ms,
    runsMs: statsRuns.map((r) => r.ms),
    reported: lastStats.stats.current.reported,
    previous: lastStats.stats.previous.reported,
  };
  await client.$disconnect();
  return result;
}

export interface ExportWorkerResult {
  type: 'exported';
  rows: number;
  bytes: number;
  ms: number;
}

/** `/mistake export all` for an admin, streamed to a file, in a fresh process (its peak RSS is the figure). */
async function exportAll(file: string, workspace: DigestWorkspace): Promise<ExportWorkerResult> {
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 }) });
  const out = `${file}.export.csv`;
  const started = performance.now();
  const rows = await writeExportCsv(
    client as unknown as Db,
    workspace.teamId,
    { window: 'all', now: new Date(workspace.now) },
    fs.createWriteStream(out),
  );
  const ms = performance.now() - started;
  const bytes = fs.statSync(out).size;
  fs.rmSync(out, { force: true });
  await client.$disconnect();
  return { type: 'exported', rows, bytes, ms };
}

async function main(): Promise<void> {
  const file = process.env.BENCH_DIGEST_FILE!;
  const n = Number(process.env.BENCH_DIGEST_N);
  const phase = process.env.BENCH_DIGEST_PHASE;
  const workspace = () => JSON.parse(process.env.BENCH_DIGEST_WORKSPACE!) as DigestWorkspace;
  const result = phase === 'seed' ? seed(file, n) : phase === 'export' ? await exportAll(file, workspace()) : await measure(file, n, workspace());
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.(result);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
