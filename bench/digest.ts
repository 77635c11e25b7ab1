// c. The digest: each workspace is seeded in one child process and measured in another, fresh
// one, so the measurement neither carries the seeding's heap nor mixes with the other sizes.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DigestWorkspace } from './seed';
import type { DigestWorkerResult, ExportWorkerResult, SeedResult } from './digestWorker';

/** Timed runs per workspace, after one untimed first run. */
export const DIGEST_RUNS = 10;

export interface DigestResult {
  n: number;
  workspace: DigestWorkspace;
  data: DigestWorkerResult['data'];
  queries: number;
  queryCounts: number[];
  seedMs: number;
  coldMs: number;
  medianMs: number;
  maxMs: number;
  blocks: number;
  /** Peak RSS of the measuring process. */
  hwmMb: number;
  slowestQueries: DigestWorkerResult['slowestQueries'];
  /** `/mistake stats 365d` over the same workspace (both windows: every mistake). */
  stats: { queries: number; coldMs: number; medianMs: number; maxMs: number; mistakesRead: number };
  /** `/mistake export all` (admin) streamed to a file in a fresh process, and that process's peak RSS. */
  export: { rows: number; bytes: number; ms: number; hwmMb: number };
}

function hwmMbOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** Runs the worker in one phase; resolves with its message and its peak RSS. */
async function phase<T extends { type: string }>(
  env: Record<string, string>,
  expect: T['type'],
  timeoutMs: number,
  nodeFlags: string[] = [],
): Promise<{ message: T; hwmMb: number }> {
  const proc = fork(path.join(__dirname, 'digestWorker.js'), [], {
    env: { ...process.env, ...env },
    execArgv: nodeFlags,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    if (stderr.length < 4000) stderr += c;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    const message = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`digest worker (${env.BENCH_DIGEST_PHASE}) timed out`)), timeoutMs);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`digest worker (${env.BENCH_DIGEST_PHASE}) exited with ${code}: ${stderr}`));
      });
      proc.on('message', (m: T) => {
        if (m.type !== expect) return;
        clearTimeout(timer);
        resolve(m);
      });
    });
    return { message, hwmMb: hwmMbOf(proc.pid!) };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.send({ type: 'stop' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  }
}

/**
 * `nodeFlags`: the flags `npm start` runs the bot with, for the export (its memory is measured
 * against the bot's target); the digest and stats timings run on Node's defaults.
 */
export async function measureDigest(
  file: string,
  n: number,
  log: (line: string) => void,
  nodeFlags: string[],
  timeoutMs = 180_000,
): Promise<DigestResult> {
  log(`c. digest: seeding ${n.toLocaleString('en-US')} mistakes`);
  const base = { BENCH_DIGEST_FILE: file, BENCH_DIGEST_N: String(n) };
  const seeded = await phase<SeedResult>({ ...base, BENCH_DIGEST_PHASE: 'seed' }, 'seeded', timeoutMs);
  const { workspace, seedMs } = seeded.message;
  log(`   seeded in ${(seedMs / 1000).toFixed(1)} s: ${JSON.stringify(workspace.rows)}; measuring`);
  const measured = await phase<DigestWorkerResult>(
    { ...base, BENCH_DIGEST_PHASE: 'measure', BENCH_DIGEST_WORKSPACE: JSON.stringify(workspace) },
    'result',
    timeoutMs,
  );
  const result = measured.message;
  const exported = await phase<ExportWorkerResult>(
    { ...base, BENCH_DIGEST_PHASE: 'export', BENCH_DIGEST_WORKSPACE: JSON.stringify(workspace) },
    'exported',
    timeoutMs,
    nodeFlags,
  );
  log(
    `   export all: ${exported.message.rows} rows, ${(exported.message.bytes / 2 ** 20).toFixed(1)} MB in ${(exported.message.ms / 1000).toFixed(1)} s, peak RSS ${exported.hwmMb.toFixed(0)} MB`,
  );
  const sorted = [...result.runsMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  log(`   digest median ${median.toFixed(1)} ms, first ${result.coldMs.toFixed(1)} ms, ${result.queries} queries`);
  const statsSorted = [...result.stats.runsMs].sort((a, b) => a - b);
  const statsMedian = statsSorted[Math.floor(statsSorted.length / 2)]!;
  log(`   stats 365d median ${statsMedian.toFixed(1)} ms, first ${result.stats.coldMs.toFixed(1)} ms, ${result.stats.queries} queries`);
  return {
    n,
    workspace,
    data: result.data,
    queries: result.queries,
    queryCounts: result.queryCounts,
    seedMs,
    coldMs: result.coldMs,
    medianMs: median,
    maxMs: sorted[sorted.length - 1]!,
    blocks: result.blocks,
    hwmMb: measured.hwmMb,
    slowestQueries: result.slowestQueries,
    export: { ...exported.message, hwmMb: exported.hwmMb },
    stats: {
      queries: result.stats.queries,
      coldMs: result.stats.coldMs,
      medianMs: statsMedian,
      maxMs: statsSorted[statsSorted.length - 1]!,
      mistakesRead: result.stats.reported + result.stats.previous,
    },
  };
}
