// `npm run bench`: the bot against a bare Bolt app, over signed HTTP on 127.0.0.1, in one run.
//   a. ack latency of /mistake, the report submission and an Apologize click, as ratios to bare Bolt
//   b. sustained Apologize clicks per second (committed, zero errors) on SQLite, and PostgreSQL
//      when TEST_POSTGRES_URL is set
//   c. digest build time and query count for workspaces of 1k, 10k and 100k mistakes
//   d. peak RSS of the bot process (VmHWM of the child process it runs in)
//   e. `/mistake stats 365d` over the same workspaces (every mistake read), and its query count
//   f. `/mistake export all` over the same workspaces in a fresh process, then asked of the running
//      bot on the 100k one: its peak RSS against the bot's memory target
// Prints Markdown tables. Every loop is bounded in count and time; the whole run takes a few minutes.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../src/db/client';
import { EXPORT_BATCH } from '../src/services/exports';
import { migrateDatabase } from '../src/db/migrate';
import { encodeValue, Inputs } from '../src/slack/ids';
import { reportModal } from '../src/slack/views/modals';
import { buttonClick, slashCommand, viewSubmission, type SlackPost } from '../test/support/slackRequests';
import { DIGEST_RUNS, measureDigest, type DigestResult } from './digest';
import { agentFor, percentile, post, runClosedLoop, type RunResult, type Target } from './load';
import { seedClickMistakes, type ClickMistake } from './seed';

const SECRET = 'bench-signing-secret';
const CONCURRENCY = 8;
const WARMUP = 200;
/** Measured requests per shape and app, in two halves run bare, bot, bot, bare. */
const MEASURED = 1600;
/** Requests per shape and app at concurrency 1 (latency without queueing). */
const SINGLE = 200;
const SUSTAIN_MS = 10_000;
/** Click mistakes seeded for the sustained run: more than 10 s at the rate the target asks for. */
const SUSTAIN_SEED = 4000;
/** Requests per shape in the diagnostic run that counts SQL statements and Slack calls. */
const DIAGNOSTIC = 40;
const DIGEST_SIZES = [1_000, 10_000, 100_000];
/** Clicks sent 8 in flight to a counting bot with the default HOME_REFRESH_DELAY: statements per click, amortized. */
const AMORTIZED = 200;
const TARGETS = {
  /** Ack latency ratios to bare Bolt, by request shape (none for the slash command). */
  ratios: {
    click: { p50: 1.5, p99: 2, single: undefined },
    report: { p50: 3, p99: undefined, single: 2 },
    command: { p50: undefined, p99: undefined, single: undefined },
  } as Record<string, { p50?: number; p99?: number; single?: number }>,
  clicksPerSecond: { SQLite: 300, PostgreSQL: 150 } as Record<string, number>,
  drainMs: 10_000,
  statementsPerClick: 12,
  digestMs: 250,
  statsMs: 250,
  rssMb: 150,
};
/**
 * The Node flags `npm start` runs the bot with (read from package.json, so the benchmark measures
 * what is deployed): Prisma's query compiler (WebAssembly) kept at its baseline tier, and a V8
 * heap that grows for what the bot keeps live (about 30 MB) rather than for its load bursts.
 * Both apps run with them, so the ratios compare the apps, not two runtimes.
 */
const START_FLAGS = startFlags();
/** Clicks acked at concurrency 8 without waiting for them (as in a.) before the comparison bot's b. run. */
const FLOOD = 300;

function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const command = /\bnode\s+(.*?)\s*dist\/bin\/start\.js/.exec(pkg.scripts.start);
  if (!command) throw new Error(`cannot read the node flags from the start script: ${pkg.scripts.start}`);
  return command[1]!.split(/\s+/).filter(Boolean);
}

const BUILD = path.resolve(__dirname);
const T0 = Date.now();
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - T0) / 1000).toFixed(1)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ----------------------------------------------------------------------------- child processes

interface Child {
  proc: ChildProcess;
  stderr: string[];
  stderrLines: number;
  ask<T>(type: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

async function spawnChild(script: string, env: Record<string, string>, nodeFlags: string[] = []): Promise<{ child: Child; ready: any }> {
  const readyTimeoutMs = 30_000;
  const proc = fork(path.join(BUILD, script), [], {
    env: { ...process.env, ...env },
    // --expose-gc only lets the parent ask for a full collection before reading the heap.
    execArgv: ['--expose-gc', ...nodeFlags],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const child: Child = {
    proc,
    stderr: [],
    stderrLines: 0,
    ask<T>(type: string, timeoutMs = 10_000): Promise<T> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no answer to ${type}`)), timeoutMs);
        const onMessage = (m: { type: string }) => {
          if (m.type !== type) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(m as T);
        };
        proc.on('message', onMessage);
        proc.send({ type });
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ type: 'stop' });
      await Promise.race([exited, sleep(8000)]);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await Promise.race([exited, sleep(2000)]);
      }
    },
  };
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      child.stderrLines++;
      if (child.stderr.length < 10) child.stderr.push(line.slice(0, 400));
    }
  });
  const ready = await new Promise<any>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${child.stderr.join('\n')}`)), readyTimeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${child.stderr.join('\n')}`));
    });
    proc.on('message', (m: { type: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
  return { child, ready };
}

/** Peak and current resident set of a process, from the kernel (kB → MB). */
function memoryOf(pid: number): { hwmMb: number; rssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface App {
  name: 'bare' | 'bot';
  child: Child;
  target: Target;
}

async function startApp(
  name: 'bare' | 'bot',
  slackApiUrl: string,
  databaseUrl = '',
  nodeFlags: string[] = [],
  env: Record<string, string> = {},
): Promise<App> {
  const port = await freePort();
  const { child } = await spawnChild(
    'server.js',
    {
      BENCH_MODE: name,
      BENCH_PORT: String(port),
      BENCH_SIGNING_SECRET: SECRET,
      BENCH_SLACK_API_URL: slackApiUrl,
      BENCH_DATABASE_URL: databaseUrl,
      ...env,
    },
    // BENCH_BOT_PROFILE=<dir>: each bot process writes a V8 CPU profile there when it exits.
    name === 'bot' && process.env.BENCH_BOT_PROFILE ? [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_BOT_PROFILE}`] : nodeFlags,
  );
  return { name, child, target: { host: '127.0.0.1', port, secret: SECRET } };
}

interface AppStats {
  errors: number;
  warnings: number;
  samples: string[];
  memory?: NodeJS.MemoryUsage;
}

/** The admin who asks for the export in f. (one of the seeded workspace's people). */
const EXPORT_ADMIN = 'U0BENCH001';

interface BotExport {
  ms: number;
  /** The bot's RSS before the command, and its peak over its whole life (start, the export). */
  idleMb: number;
  hwmMb: number;
  /** The export's comment in the DM, which says how many rows it has. */
  comment: string;
  errors: number;
}

/**
 * f. `/mistake export all` asked of the running bot (as `npm start` runs it) by an admin of the
 * 100k workspace: the slash command over signed HTTP, then the bot's delivery worker reads the
 * mistakes in batches, writes the CSV and uploads it to the fake Slack; done when the file is
 * shared. The bot's peak RSS is the figure the memory target is about.
 */
async function exportThroughBot(file: string, slackApiUrl: string, fake: Child): Promise<BotExport> {
  const app = await startApp('bot', slackApiUrl, `file:${file}`, START_FLAGS, { BENCH_ADMIN_USER_IDS: EXPORT_ADMIN });
  try {
    await sleep(1000);
    const idleMb = memoryOf(app.child.proc.pid!).rssMb;
    const shared = async () => {
      const answer = await fake.ask<{ counts: Record<string, number>; lastFileComment: string }>('counts');
      return { count: answer.counts['files.completeUploadExternal'] ?? 0, comment: answer.lastFileComment };
    };
    const before = (await shared()).count;
    const started = Date.now();
    const sent = await post(app.target, agentFor(1), slashCommand('export all', { userId: EXPORT_ADMIN }));
    if (sent.status !== 200) throw new Error(`/mistake export all was answered with ${sent.status}: ${sent.body.slice(0, 200)}`);
    for (;;) {
      const now = await shared();
      if (now.count > before) {
        const ms = Date.now() - started;
        const stats = await app.child.ask<AppStats>('stats');
        return { ms, idleMb, hwmMb: memoryOf(app.child.proc.pid!).hwmMb, comment: now.comment, errors: stats.errors };
      }
      if (Date.now() - started > 240_000) throw new Error('the export was not shared within 4 minutes');
      await sleep(250);
    }
  } finally {
    await app.child.stop();
  }
}

// ----------------------------------------------------------------------------- request shapes

const REPORT_VALUES = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'We shipped their flour to the wrong address.',
  [Inputs.impact]: 'Their Saturday market stall had nothing to bake with.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

let submissionCounter = 0;
const shapes = {
  command: (): SlackPost => slashCommand('flour went to the wrong address', { userId: 'U0BENCH001' }),
  report: (): SlackPost =>
    viewSubmission(reportModal({ reporterId: 'U0BENCH001' }), REPORT_VALUES, {
      userId: 'U0BENCH001',
      viewId: `V0BENCH${(submissionCounter++).toString(36).toUpperCase().padStart(6, '0')}`,
    }),
  click: (m: ClickMistake): SlackPost =>
    buttonClick('mistake_apologize', encodeValue({ m: m.id, v: m.version }), {
      userId: m.ownerId,
      channelId: 'CESCALATIONS',
      messageTs: m.threadTs,
    }),
};
type ShapeName = keyof typeof shapes;
const SHAPE_LABELS: Record<ShapeName, string> = {
  command: '`/mistake` → report modal',
  report: 'report submission (stored, card queued)',
  click: 'Apologize click (fresh mistake each time)',
};

// ----------------------------------------------------------------------------- the bot's database

/** Waits (bounded) until the given mistakes show their apology: the clicks were applied. */
class AppliedWatcher {
  private readonly waiting = new Map<number, { resolve: (problem: string | null) => void; deadline: number }>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 2,
  ) {
    this.loop = this.run();
  }

  wait(id: number, timeoutMs = 15_000): Promise<string | null> {
    return new Promise((resolve) => this.waiting.set(id, { resolve, deadline: Date.now() + timeoutMs }));
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.waiting.size > 0) {
        const ids = [...this.waiting.keys()];
        const rows = await this.db.mistake.findMany({ where: { id: { in: ids }, apologizedAt: { not: null } }, select: { id: true } });
        for (const { id } of rows) {
          this.waiting.get(id)?.resolve(null);
          this.waiting.delete(id);
        }
        const now = Date.now();
        for (const [id, w] of this.waiting) {
          if (now > w.deadline) {
            w.resolve(`click on mistake ${id} not applied within 15 s`);
            this.waiting.delete(id);
          }
        }
      }
      await sleep(this.intervalMs);
    }
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Bounded wait until the outbox is empty; returns how long it took (or null if it did not empty). */
async function drainDeliveries(db: Db, maxMs: number, pollMs = 50): Promise<{ ms: number | null; pending: number; failed: number }> {
  const started = Date.now();
  for (;;) {
    const pending = await db.delivery.count({ where: { status: { in: ['pending', 'sending'] } } });
    const failed = await db.delivery.count({ where: { status: 'failed' } });
    if (pending === 0) return { ms: Date.now() - started, pending, failed };
    if (Date.now() - started > maxMs) return { ms: null, pending, failed };
    await sleep(pollMs);
  }
}

/** Bounded wait until every one of these clicks has been applied. */
async function waitApplied(db: Db, ids: number[], maxMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < maxMs && (await countApplied(db, ids)) < ids.length) await sleep(50);
}

async function countApplied(db: Db, ids: number[]): Promise<number> {
  let applied = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    applied += await db.recoveryStep.count({ where: { mistakeId: { in: slice }, kind: 'apologize', status: 'done' } });
  }
  return applied;
}

// ----------------------------------------------------------------------------- measurements

interface ShapeResult {
  bare: number[];
  bot: number[];
  single: { bare: number[]; bot: number[] };
  /** Clicks one at a time, each sent once the one before is applied and sent: nothing else running. */
  alone?: { bare: number[]; bot: number[] };
  errors: { bare: number; bot: number };
  samples: string[];
}

interface Problems {
  list: string[];
  add(problem: string): void;
}
const problems: Problems = { list: [], add: (p) => void problems.list.push(p) };

async function latencyRun(app: App, shape: ShapeName, count: number, concurrency: number, clicks: () => ClickMistake): Promise<RunResult> {
  const make = shape === 'click' ? () => shapes.click(clicks()) : shapes[shape];
  return runClosedLoop({ target: app.target, concurrency, count, maxMs: 60_000, make });
}

async function measureLatencies(bare: App, bot: App, botDb: Db, clickPool: ClickMistake[], fake: Child): Promise<Record<ShapeName, ShapeResult>> {
  let nextClick = 0;
  const clicked: number[] = [];
  const takeClick = (): ClickMistake => {
    const m = clickPool[nextClick++];
    if (!m) throw new Error('ran out of seeded mistakes for clicks');
    clicked.push(m.id);
    return m;
  };
  // The bare app needs no valid mistake; it gets the same bodies (ids from the end of the pool).
  let bareClick = clickPool.length - 1;
  const takeBareClick = (): ClickMistake => clickPool[Math.max(0, bareClick--)]!;
  const results = {} as Record<ShapeName, ShapeResult>;
  for (const shape of ['command', 'report', 'click'] as ShapeName[]) {
    const r: ShapeResult = { bare: [], bot: [], single: { bare: [], bot: [] }, errors: { bare: 0, bot: 0 }, samples: [] };
    const run = async (app: App, count: number, concurrency: number) => {
      const result = await latencyRun(app, shape, count, concurrency, app.name === 'bot' ? takeClick : takeBareClick);
      r.errors[app.name] += result.errors;
      r.samples.push(...result.errorSamples);
      if (result.sent < count) problems.add(`${shape} on ${app.name}: only ${result.sent} of ${count} requests sent before the time limit`);
      return result.latencies;
    };
    const quiet = async () => {
      // The bot keeps working after its acks (the clicks' transactions, then the posts): let it
      // finish before the other app is measured, so neither is measured against the other's work.
      if (shape === 'click') await waitApplied(botDb, clicked, 60_000);
      const drained = await drainDeliveries(botDb, 60_000);
      if (drained.ms === null) problems.add(`${shape}: ${drained.pending} deliveries still pending after 60 s`);
    };
    log(`${shape}: warm-up`);
    await run(bare, WARMUP, CONCURRENCY);
    await run(bot, WARMUP, CONCURRENCY);
    await quiet();
    const half = MEASURED / 2;
    log(`${shape}: measuring (bare, bot, bot, bare)`);
    r.bare.push(...(await run(bare, half, CONCURRENCY)));
    r.bot.push(...(await run(bot, half, CONCURRENCY)));
    await quiet();
    r.bot.push(...(await run(bot, half, CONCURRENCY)));
    await quiet();
    r.bare.push(...(await run(bare, half, CONCURRENCY)));
    log(`${shape}: concurrency 1`);
    r.single.bare = await run(bare, SINGLE, 1);
    r.single.bot = await run(bot, SINGLE, 1);
    await quiet();
    if (shape === 'click') r.alone = await clicksAlone(bare, bot, botDb, takeBareClick, takeClick);
    results[shape] = r;
  }
  // Every click the bot acknowledged must have been applied, and nobody was told "Sorry".
  const applied = await countApplied(botDb, clicked);
  if (applied !== clicked.length) problems.add(`latency run: ${clicked.length - applied} of ${clicked.length} acknowledged clicks were not applied`);
  const counts = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts;
  if (counts['chat.postEphemeral']) problems.add(`latency run: the bot sent ${counts['chat.postEphemeral']} private error/refusal messages`);
  return results;
}

/** Clicks in the "alone" diagnostic, per app. */
const ALONE = 40;

/**
 * Clicks one at a time where each is sent only once the click before it is applied and its card
 * and thread reply are sent: the answer's own cost, with no earlier click's work on the event
 * loop (App Home refreshes, coalesced for HOME_REFRESH_DELAY, can still land in a few).
 */
async function clicksAlone(
  bare: App,
  bot: App,
  botDb: Db,
  takeBare: () => ClickMistake,
  take: () => ClickMistake,
): Promise<{ bare: number[]; bot: number[] }> {
  const agent = agentFor(1);
  const alone = { bare: [] as number[], bot: [] as number[] };
  for (let i = 0; i < ALONE; i++) alone.bare.push((await post(bare.target, agent, shapes.click(takeBare()))).ms);
  for (let i = 0; i < ALONE; i++) {
    const m = take();
    const sent = await post(bot.target, agent, shapes.click(m));
    if (sent.status === 200) alone.bot.push(sent.ms);
    await waitApplied(botDb, [m.id], 10_000);
    const started = Date.now();
    // Its card update and thread reply (due at once; App Home waits for HOME_REFRESH_DELAY).
    while (
      Date.now() - started < 10_000 &&
      (await botDb.delivery.count({ where: { mistakeId: m.id, status: { in: ['pending', 'sending'] }, nextAttemptAt: { lte: new Date() } } })) > 0
    )
      await sleep(5);
    await sleep(20);
  }
  agent.destroy();
  return alone;
}

interface SustainResult {
  label: string;
  skipped?: string;
  clicks?: number;
  seconds?: number;
  perSecond?: number;
  errors?: number;
  ackP50?: number;
  ackP99?: number;
  backlogAtEnd?: number;
  drainMs?: number | null;
  errorSamples?: string[];
  ranOut?: boolean;
  /** Mistakes of the pool used (clicked), applied or not. */
  sent?: number;
}

/**
 * Apologize clicks on fresh mistakes for SUSTAIN_MS, CONCURRENCY in flight, where a click counts
 * (and frees its slot) only once its change is committed: the rate the bot keeps up with, not the
 * rate it can ack at. An error is a non-200, a click not applied within 15 s, an error the bot
 * logged, or a private refusal/apology message sent to the clicker.
 */
async function sustainedClicks(label: string, app: App, db: Db, pool: ClickMistake[], fake: Child): Promise<SustainResult> {
  const before = await app.child.ask<AppStats>('stats');
  const ephemeralBefore = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts['chat.postEphemeral'] ?? 0;
  const watcher = new AppliedWatcher(db);
  const started = Date.now();
  const result = await runClosedLoop({
    target: app.target,
    concurrency: CONCURRENCY,
    count: pool.length,
    maxMs: SUSTAIN_MS,
    make: (i) => shapes.click(pool[i]!),
    after: (i) => watcher.wait(pool[i]!.id),
  });
  const seconds = (Date.now() - started) / 1000;
  await watcher.close();
  const backlogAtEnd = await db.delivery.count({ where: { status: { in: ['pending', 'sending'] } } });
  const drained = await drainDeliveries(db, 60_000);
  if (drained.ms === null) {
    // What is left, by status, kind and last error: the table says only that it did not empty.
    const left = await db.delivery.groupBy({
      by: ['status', 'kind', 'lastError'],
      where: { status: { in: ['pending', 'sending'] } },
      _count: true,
      _min: { nextAttemptAt: true },
    });
    problems.add(`${label}: posts not sent within 60 s of the load: ${JSON.stringify(left).slice(0, 600)}`);
  }
  const after = await app.child.ask<AppStats>('stats');
  const ephemeralAfter = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts['chat.postEphemeral'] ?? 0;
  const loggedErrors = after.errors - before.errors;
  const ephemeral = ephemeralAfter - ephemeralBefore;
  const samples = [...result.errorSamples, ...after.samples.slice(0, 3)];
  return {
    label,
    clicks: result.latencies.length,
    seconds,
    perSecond: result.latencies.length / seconds,
    errors: result.errors + loggedErrors + ephemeral + drained.failed,
    ackP50: percentile(result.latencies, 50),
    ackP99: percentile(result.latencies, 99),
    backlogAtEnd,
    drainMs: drained.ms,
    errorSamples: samples,
    ranOut: result.sent >= pool.length,
    sent: result.sent,
  };
}

/** Samples a process's VmRSS every 50 ms; `mark(phase)` starts a new phase. */
class RssSampler {
  readonly maxByPhase = new Map<string, number>();
  private phase = 'start-up';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 50);
  }

  mark(phase: string): void {
    this.sample();
    this.phase = phase;
  }

  private sample(): void {
    try {
      const { rssMb } = memoryOf(this.pid);
      this.maxByPhase.set(this.phase, Math.max(this.maxByPhase.get(this.phase) ?? 0, rssMb));
    } catch {
      // the process has exited
    }
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

interface WorkPerRequest {
  shape: ShapeName;
  statements: Record<string, number>;
  slackCalls: Record<string, number>;
  deliveriesPerRequest: number;
}

/**
 * The diagnostic run: a bot whose Prisma client counts statements (query events), one request
 * at a time, each request's posts sent before the next, so every statement and Slack call the
 * request causes, before and after its ack, is counted against it. App Home refreshes are sent
 * at once here (HOME_REFRESH_DELAY=0): what one request alone costs, its Home included.
 */
async function workPerRequest(slackApiUrl: string, botUrl: string, db: Db, pool: ClickMistake[], fake: Child): Promise<WorkPerRequest[]> {
  const port = await freePort();
  const { child } = await spawnChild('server.js', {
    BENCH_MODE: 'bot',
    BENCH_PORT: String(port),
    BENCH_SIGNING_SECRET: SECRET,
    BENCH_SLACK_API_URL: slackApiUrl,
    BENCH_DATABASE_URL: botUrl,
    BENCH_COUNT_QUERIES: '1',
    BENCH_HOME_REFRESH_DELAY: '0',
  });
  const app: App = { name: 'bot', child, target: { host: '127.0.0.1', port, secret: SECRET } };
  const watcher = new AppliedWatcher(db);
  const results: WorkPerRequest[] = [];
  try {
    let next = 0;
    const take = () => {
      const m = pool[next++];
      if (!m) throw new Error('ran out of seeded mistakes for the diagnostic run');
      return m;
    };
    for (const shape of ['command', 'report', 'click'] as ShapeName[]) {
      const one = async () => {
        const m = shape === 'click' ? take() : null;
        const sent = await runClosedLoop({
          target: app.target,
          concurrency: 1,
          count: 1,
          maxMs: 10_000,
          make: () => (m ? shapes.click(m) : shape === 'command' ? shapes.command() : shapes.report()),
        });
        if (sent.errors) problems.add(`diagnostic ${shape}: ${sent.errorSamples.join(' | ')}`);
        if (m) await watcher.wait(m.id);
        // The command's modal is opened after the ack; give it a moment, then let the posts go out.
        await sleep(shape === 'command' ? 20 : 5);
        await drainDeliveries(db, 10_000, 5);
      };
      for (let i = 0; i < 5; i++) await one();
      const before = await child.ask<AppStats & { statements: Record<string, number> }>('stats');
      const slackBefore = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts;
      const deliveriesBefore = await db.delivery.count();
      for (let i = 0; i < DIAGNOSTIC; i++) await one();
      const after = await child.ask<AppStats & { statements: Record<string, number> }>('stats');
      const slackAfter = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts;
      const deliveriesAfter = await db.delivery.count();
      const delta = (a: Record<string, number>, b: Record<string, number>) =>
        Object.fromEntries(
          Object.keys(a)
            .map((k) => [k, (a[k]! - (b[k] ?? 0)) / DIAGNOSTIC])
            .filter(([, v]) => (v as number) > 0),
        );
      results.push({
        shape,
        statements: delta(after.statements, before.statements),
        slackCalls: delta(slackAfter, slackBefore),
        deliveriesPerRequest: (deliveriesAfter - deliveriesBefore) / DIAGNOSTIC,
      });
    }
  } finally {
    await watcher.close();
    await child.stop();
  }
  return results;
}

/**
 * Statements per click under load, amortized: a counting bot with the default HOME_REFRESH_DELAY
 * (so App Home refreshes coalesce as they do in production) takes AMORTIZED clicks 8 in flight;
 * its statements are counted from the first click until every click is applied and every post
 * sent, App Home refreshes included (the last one waited for).
 */
async function statementsPerClickAmortized(
  slackApiUrl: string,
  botUrl: string,
  db: Db,
  pool: ClickMistake[],
  fake: Child,
): Promise<{ clicks: number; total: number; statements: Record<string, number>; slackCalls: Record<string, number> }> {
  const port = await freePort();
  const { child } = await spawnChild('server.js', {
    BENCH_MODE: 'bot',
    BENCH_PORT: String(port),
    BENCH_SIGNING_SECRET: SECRET,
    BENCH_SLACK_API_URL: slackApiUrl,
    BENCH_DATABASE_URL: botUrl,
    BENCH_COUNT_QUERIES: '1',
  });
  const target: Target = { host: '127.0.0.1', port, secret: SECRET };
  try {
    await drainDeliveries(db, 10_000, 5);
    const before = await child.ask<{ statements: Record<string, number> }>('stats');
    const slackBefore = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts;
    const sent = await runClosedLoop({ target, concurrency: CONCURRENCY, count: pool.length, maxMs: 60_000, make: (i) => shapes.click(pool[i]!) });
    if (sent.errors) problems.add(`amortized statement count: ${sent.errorSamples.join(' | ')}`);
    const clicked = pool.slice(0, sent.sent).map((m) => m.id);
    await waitApplied(db, clicked, 60_000);
    await drainDeliveries(db, 60_000, 5);
    // The coalesced App Home refreshes go out up to HOME_REFRESH_DELAY (default 5 s) after the last click.
    let settled = await child.ask<{ statements: Record<string, number> }>('stats');
    for (let quietFor = 0; quietFor < 7_000; ) {
      await sleep(500);
      const now = await child.ask<{ statements: Record<string, number> }>('stats');
      const same = JSON.stringify(now.statements) === JSON.stringify(settled.statements);
      quietFor = same ? quietFor + 500 : 0;
      settled = now;
      await drainDeliveries(db, 10_000, 5);
    }
    const delta = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(
        Object.keys(a)
          .map((k) => [k, a[k]! - (b[k] ?? 0)])
          .filter(([, v]) => (v as number) > 0),
      ) as Record<string, number>;
    const statements = delta(settled.statements, before.statements);
    const total = Object.values(statements).reduce((a, b) => a + b, 0);
    const slackAfter = (await fake.ask<{ counts: Record<string, number> }>('counts')).counts;
    return { clicks: clicked.length, total, statements, slackCalls: delta(slackAfter, slackBefore) };
  } finally {
    await child.stop();
  }
}

function fmtCounts(o: Record<string, number>, per: number): string {
  return Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${Number((v / per).toFixed(1))} ${k}`)
    .join(', ');
}

// ----------------------------------------------------------------------------- formatting

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const mark = (ok: boolean) => (ok ? '✓' : '✗');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every target of the benchmark, in the order met: printed together at the end with ✓ or ✗. */
const verdicts: Array<{ target: string; figure: string; met: boolean }> = [];
function verdict(target: string, figure: string, met: boolean): string {
  verdicts.push({ target, figure, met });
  return mark(met);
}

function latencyTable(results: Record<ShapeName, ShapeResult>): string {
  const rows = (Object.keys(results) as ShapeName[]).map((shape) => {
    const r = results[shape];
    const t = TARGETS.ratios[shape] ?? {};
    const [b50, b99, o50, o99] = [percentile(r.bare, 50), percentile(r.bare, 99), percentile(r.bot, 50), percentile(r.bot, 99)];
    const [s50, so50] = [percentile(r.single.bare, 50), percentile(r.single.bot, 50)];
    const ratio = (value: number, limit: number | undefined, what: string) =>
      `${value.toFixed(2)}×${limit === undefined ? '' : ` ${verdict(`${SHAPE_LABELS[shape]}: ${what} ≤ ${limit}× bare Bolt`, `${value.toFixed(2)}×`, value <= limit)}`}`;
    return [
      SHAPE_LABELS[shape],
      `${ms(b50)} / ${ms(b99)}`,
      `${ms(o50)} / ${ms(o99)}`,
      ratio(o50 / b50, t.p50, `ack p50 at ${CONCURRENCY} in flight`),
      ratio(o99 / b99, t.p99, `ack p99 at ${CONCURRENCY} in flight`),
      `${ms(s50)} / ${ms(so50)}`,
      ratio(so50 / s50, t.single, 'ack p50 at concurrency 1'),
      `${r.errors.bare} / ${r.errors.bot}`,
    ];
  });
  return (
    table(
      [
        'request',
        'bare Bolt p50 / p99',
        'bot p50 / p99',
        `p50 ratio (click ≤ ${TARGETS.ratios.click!.p50}×, submission ≤ ${TARGETS.ratios.report!.p50}×)`,
        `p99 ratio (click ≤ ${TARGETS.ratios.click!.p99}×)`,
        'p50 at concurrency 1 (bare / bot)',
        `ratio at concurrency 1 (submission ≤ ${TARGETS.ratios.report!.single}×)`,
        'errors (bare / bot)',
      ],
      rows,
    ) + aloneLine(results.click?.alone)
  );
}

function aloneLine(alone: { bare: number[]; bot: number[] } | undefined): string {
  if (!alone) return '';
  const [b, o] = [percentile(alone.bare, 50), percentile(alone.bot, 50)];
  return `\n\nApologize click one at a time with nothing else running (each sent once the click before it was applied and its card and thread reply sent; ${alone.bot.length} clicks): p50 bare ${ms(b)} / bot ${ms(o)} (${(o / b).toFixed(2)}×), p90 bare ${ms(percentile(alone.bare, 90))} / bot ${ms(percentile(alone.bot, 90))}.`;
}

function sustainTable(results: SustainResult[]): string {
  const rows = results.map((r) => {
    if (r.skipped) return [r.label, r.skipped, '', '', '', ''];
    const floor = TARGETS.clicksPerSecond[r.label];
    const rate = r.perSecond!;
    const rateCell =
      floor === undefined
        ? rate.toFixed(0)
        : `${rate.toFixed(0)} ${verdict(`${r.label}: committed clicks/s ≥ ${floor}, 0 errors`, `${rate.toFixed(0)}/s, ${r.errors} errors`, rate >= floor && r.errors === 0)}`;
    const drained = r.drainMs !== null && r.drainMs !== undefined;
    const drainText = drained ? `${(r.drainMs! / 1000).toFixed(1)} s later` : 'not within 60 s';
    const drainMark =
      floor === undefined
        ? ''
        : ` ${verdict(`${r.label}: posts drained within ${TARGETS.drainMs / 1000} s of the load stopping`, drainText, drained && r.drainMs! <= TARGETS.drainMs)}`;
    return [
      r.label,
      `${rateCell}${r.ranOut ? ' (ran out of seeded mistakes: at least this)' : ''}`,
      `${r.clicks} in ${r.seconds!.toFixed(1)} s`,
      String(r.errors),
      `${ms(r.ackP50)} / ${ms(r.ackP99)}`,
      `${r.backlogAtEnd} (empty ${drainText})${drainMark}`,
    ];
  });
  return table(
    [
      'database',
      `clicks/s committed (SQLite ≥ ${TARGETS.clicksPerSecond.SQLite}, PostgreSQL ≥ ${TARGETS.clicksPerSecond.PostgreSQL}, 0 errors)`,
      'clicks',
      'errors',
      'ack p50 / p99',
      `posts queued at the end (empty within ${TARGETS.drainMs / 1000} s)`,
    ],
    rows,
  );
}

function digestTable(results: DigestResult[]): string {
  const rows = results.map((r) => [
    r.n.toLocaleString('en-US'),
    String(r.workspace.shape.open),
    String(r.data.overdueTotal),
    String(r.data.waitingForApologyTotal),
    String(r.workspace.shape.eventsSinceLastDigest),
    String(r.queries),
    ms(r.coldMs),
    `${ms(r.medianMs)}${r.n === 100_000 ? ` ${verdict(`digest at 100k mistakes: median ≤ ${TARGETS.digestMs} ms`, ms(r.medianMs), r.medianMs <= TARGETS.digestMs)}` : ''}`,
    ms(r.maxMs),
    `${r.blocks} blocks`,
  ]);
  return table(
    [
      'mistakes',
      'open',
      'overdue',
      'owed an apology',
      'timeline events since last digest',
      'queries',
      'first run',
      `median (≤ ${TARGETS.digestMs} ms at 100k)`,
      'max',
      'digest',
    ],
    rows,
  );
}

export function statsTable(results: DigestResult[]): string {
  const rows = results.map((r) => [
    r.n.toLocaleString('en-US'),
    r.stats.mistakesRead.toLocaleString('en-US'),
    String(r.stats.queries),
    ms(r.stats.coldMs),
    `${ms(r.stats.medianMs)}${r.n === 100_000 ? ` ${verdict(`\`/mistake stats 365d\` at 100k mistakes (SQLite): median ≤ ${TARGETS.statsMs} ms`, ms(r.stats.medianMs), r.stats.medianMs <= TARGETS.statsMs)}` : ''}`,
    ms(r.stats.maxMs),
  ]);
  return table(['mistakes', 'mistakes in the two windows', 'queries', 'first run', `median (≤ ${TARGETS.statsMs} ms at 100k)`, 'max'], rows);
}

function workTable(rows: WorkPerRequest[]): string {
  const fmt = (o: Record<string, number>) => {
    const total = Object.values(o).reduce((a, b) => a + b, 0);
    const parts = Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${Number(v.toFixed(1))} ${k}`);
    return total ? `${Number(total.toFixed(1))} (${parts.join(', ')})` : '0';
  };
  return table(
    ['request', 'SQL statements per request (with its posts)', 'Slack Web API calls per request', 'outbox rows written'],
    rows.map((r) => [SHAPE_LABELS[r.shape], fmt(r.statements), fmt(r.slackCalls), String(Number(r.deliveriesPerRequest.toFixed(1)))]),
  );
}

// ----------------------------------------------------------------------------- main

async function postgresAvailable(): Promise<string | null> {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) return 'skipped: TEST_POSTGRES_URL is not set';
  // Without PostgreSQL support createDb would take the URL for a SQLite file name.
  if (!/postgres/i.test(createDb.toString())) return 'PostgreSQL: not available in this build';
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') return `skipped: only 127.0.0.1 targets (TEST_POSTGRES_URL names ${host})`;
  return null;
}

async function postgresRun(slackApiUrl: string, fake: Child): Promise<SustainResult & { hwmMb?: number }> {
  const label = 'PostgreSQL';
  const unavailable = await postgresAvailable();
  if (unavailable) return { label, skipped: unavailable };
  const schema = `bench_${Date.now().toString(36)}`;
  const url = new URL(process.env.TEST_POSTGRES_URL!);
  url.searchParams.set('schema', schema);
  let db: Db | null = null;
  let app: App | null = null;
  try {
    await migrateDatabase(url.toString());
    db = await createDb(url.toString());
    log('PostgreSQL: seeding click mistakes with the service');
    const pool = await seedClickMistakes(db, SUSTAIN_SEED, 40_000);
    app = await startApp('bot', slackApiUrl, url.toString(), START_FLAGS);
    log('PostgreSQL: warm-up and sustained clicks');
    await runClosedLoop({ target: app.target, concurrency: CONCURRENCY, count: 200, maxMs: 20_000, make: (i) => shapes.click(pool[i]!) });
    const result = await sustainedClicks(label, app, db, pool.slice(200), fake);
    const hwmMb = memoryOf(app.child.proc.pid!).hwmMb;
    return { ...result, hwmMb };
  } catch (error) {
    const message = String(error instanceof Error ? error.message : error)
      .split('\n')[0]!
      .slice(0, 200);
    return { label, skipped: `PostgreSQL: not available in this build (${message})` };
  } finally {
    await app?.child.stop();
    if (db) {
      await db.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.$disconnect();
    }
  }
}

async function main(): Promise<void> {
  // Other work on the machine skews every figure: say how busy it was.
  const loadBefore = os.loadavg()[0]!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mistake-bench-'));
  const children: Child[] = [];
  const hardStop = setTimeout(() => {
    log('time limit (25 min) reached: stopping');
    for (const c of children) c.proc.kill('SIGKILL');
    process.exit(2);
  }, 25 * 60_000);
  try {
    const template = path.join(tmp, 'template.db');
    await migrateDatabase(`file:${template}`);

    const { child: fake, ready } = await spawnChild('slackFake.js', {});
    children.push(fake);
    const slackApiUrl: string = ready.url;

    // The bot's database: migrated, with mistakes reported through the service for the clicks.
    const botFile = path.join(tmp, 'bot.db');
    fs.copyFileSync(template, botFile);
    const botUrl = `file:${botFile}`;
    const botDb = await createDb(botUrl);
    const clickCount = 2 * WARMUP + MEASURED + SINGLE + 100;
    const seedCount = clickCount + DIAGNOSTIC + 10 + AMORTIZED + SUSTAIN_SEED;
    log(`seeding ${seedCount} mistakes with the service`);
    const seedStarted = Date.now();
    const seeded = await seedClickMistakes(botDb, seedCount, 120_000);
    log(`seeded ${seeded.length} in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
    const latencyPool = seeded.slice(0, clickCount);
    const diagnosticPool = seeded.slice(clickCount, clickCount + DIAGNOSTIC + 10);
    const amortizedPool = seeded.slice(clickCount + DIAGNOSTIC + 10, clickCount + DIAGNOSTIC + 10 + AMORTIZED);
    const sustainPool = seeded.slice(clickCount + DIAGNOSTIC + 10 + AMORTIZED);

    const bare = await startApp('bare', slackApiUrl, '', START_FLAGS);
    children.push(bare.child);
    const bot = await startApp('bot', slackApiUrl, botUrl, START_FLAGS);
    children.push(bot.child);
    const bareRss = new RssSampler(bare.child.proc.pid!);
    const botRss = new RssSampler(bot.child.proc.pid!);
    await sleep(500);
    bareRss.mark('a. latency runs');
    botRss.mark('a. latency runs');

    log('a. ack latency');
    const latencies = await measureLatencies(bare, bot, botDb, latencyPool, fake);
    if (process.env.BENCH_ONLY === 'latency') {
      // Only a. (about two minutes), for trying a change to the answering path.
      console.log(latencyTable(latencies));
      for (const p of problems.list) console.log(`PROBLEM: ${p}`);
      return;
    }
    const bareMemory = memoryOf(bare.child.proc.pid!);
    bareRss.stop();
    await bare.child.stop();

    log('b. sustained clicks on SQLite');
    botRss.mark('b. sustained clicks');
    const sqlite = await sustainedClicks('SQLite', bot, botDb, sustainPool, fake);
    const botStats = await bot.child.ask<AppStats>('stats-after-gc');
    const botMemory = memoryOf(bot.child.proc.pid!);
    botRss.stop();
    await bot.child.stop();
    if (process.env.BENCH_ONLY === 'sqlite') {
      // a. and b. on SQLite, with the bot's peak RSS (about three minutes).
      console.log(latencyTable(latencies));
      console.log(`b. SQLite: ${JSON.stringify(sqlite)}; bot peak RSS ${botMemory.hwmMb.toFixed(0)} MB`);
      for (const p of problems.list) console.log(`PROBLEM: ${p}`);
      return;
    }

    log('work per request (diagnostic run with statement counting)');
    const work = await workPerRequest(slackApiUrl, botUrl, botDb, diagnosticPool, fake);
    log('statements per click, amortized (8 in flight, default HOME_REFRESH_DELAY)');
    const amortized = await statementsPerClickAmortized(slackApiUrl, botUrl, botDb, amortizedPool, fake);

    log('the bot without the start flags (Node defaults): a click flood as in a., then b.');
    const plainPool = sustainPool.slice(sqlite.sent ?? sustainPool.length);
    const plain = await startApp('bot', slackApiUrl, botUrl);
    children.push(plain.child);
    const flood = await runClosedLoop({
      target: plain.target,
      concurrency: CONCURRENCY,
      count: Math.min(FLOOD, plainPool.length),
      maxMs: 30_000,
      make: (i) => shapes.click(plainPool[i]!),
    });
    await waitApplied(
      botDb,
      plainPool.slice(0, flood.sent).map((m) => m.id),
      60_000,
    );
    const plainSustained = await sustainedClicks('SQLite, bot on Node defaults (no start flags)', plain, botDb, plainPool.slice(flood.sent), fake);
    const plainMemory = memoryOf(plain.child.proc.pid!);
    const plainFlood = { p50: percentile(flood.latencies, 50), p99: percentile(flood.latencies, 99), errors: flood.errors };
    await plain.child.stop();
    await botDb.$disconnect();
    if (botStats.errors > 0) problems.add(`the bot logged ${botStats.errors} errors: ${botStats.samples.join(' | ')}`);
    if (bot.child.stderrLines > 0)
      problems.add(`the bot wrote ${bot.child.stderrLines} lines to stderr: ${bot.child.stderr.slice(0, 3).join(' | ')}`);

    log('b. sustained clicks on PostgreSQL');
    const pg = await postgresRun(slackApiUrl, fake);

    log('c. digest');
    const digests: DigestResult[] = [];
    let botExport: BotExport | null = null;
    // BENCH_DIGEST=0 leaves c. out (quicker runs while working on the click path).
    for (const n of process.env.BENCH_DIGEST === '0' ? [] : DIGEST_SIZES) {
      const file = path.join(tmp, `digest-${n}.db`);
      fs.copyFileSync(template, file);
      digests.push(await measureDigest(file, n, log, START_FLAGS));
      if (n === DIGEST_SIZES[DIGEST_SIZES.length - 1]) {
        log(`f. /mistake export all through the bot (${n.toLocaleString('en-US')} mistakes)`);
        botExport = await exportThroughBot(file, slackApiUrl, fake);
        log(`   ${botExport.comment.slice(0, 60)} in ${(botExport.ms / 1000).toFixed(1)} s, bot peak RSS ${botExport.hwmMb.toFixed(0)} MB`);
      }
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    }
    const statsCounts = new Set(digests.map((d) => d.stats.queries));
    if (statsCounts.size > 1)
      problems.add(`the stats query count changes with the number of mistakes: ${digests.map((d) => `${d.n}: ${d.stats.queries}`).join(', ')}`);
    const counts = new Set(digests.map((d) => d.queries));
    if (counts.size > 1)
      problems.add(`the digest's query count changes with the number of mistakes: ${digests.map((d) => `${d.n}: ${d.queries}`).join(', ')}`);

    await fake.stop();

    // ------------------------------------------------------------------------- the report
    const out: string[] = [];
    const cpus = os.cpus();
    out.push(
      `Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, ${os.platform()} ${os.arch()}; 1-minute load average ${loadBefore.toFixed(2)} before the run, ${os.loadavg()[0]!.toFixed(2)} after it`,
    );
    out.push(
      `Load: Slack-signed HTTP POSTs to 127.0.0.1, keep-alive, ${CONCURRENCY} in flight; per request shape and app ${WARMUP} warm-up, then ${MEASURED} measured (in halves: bare, bot, bot, bare), then ${SINGLE} at concurrency 1. Both apps: Bolt HTTPReceiver, same signing secret, the token verified once at start (Bolt's default, as npm start), Web API at the fake Slack (its own process), node ${START_FLAGS.join(' ')} (as \`npm start\`).`,
    );
    out.push('');
    out.push('a. Ack latency (time to the HTTP response)');
    out.push('');
    out.push(latencyTable(latencies));
    out.push('');
    out.push(
      `b. Sustained Apologize clicks, each on a fresh mistake, ${CONCURRENCY} in flight for ${SUSTAIN_MS / 1000} s; a click counts once its change is committed`,
    );
    out.push('');
    out.push(sustainTable([sqlite, pg, plainSustained]));
    out.push('');
    out.push(
      `The first rows run the bot as \`npm start\` does (\`node ${START_FLAGS.join(' ')}\`); the last row is the same bot on Node's defaults, for comparison. Before its 10 s it took ${flood.sent} Apologize clicks acked at concurrency ${CONCURRENCY} without waiting (as in a.): ack p50 ${ms(plainFlood.p50)}, p99 ${ms(plainFlood.p99)}, ${plainFlood.errors} errors.`,
    );
    out.push('');
    out.push(
      `c. Digest build (loadDigest + renderDigest) in a fresh process, median of ${DIGEST_RUNS} runs after the first; workspaces with 10% of mistakes open, queries counted with Prisma's query events`,
    );
    out.push('');
    out.push(digestTable(digests));
    out.push('');
    out.push(
      `e. \`/mistake stats 365d\` for an admin (InsightsService.stats: both windows, breakdowns by category, severity and owner) on the same workspaces, median of ${DIGEST_RUNS} runs after the first`,
    );
    out.push('');
    out.push(statsTable(digests));
    out.push('');
    out.push(
      `f. \`/mistake export all\` for an admin: every mistake read in batches of ${EXPORT_BATCH} and streamed as CSV to a file; first in a fresh process that only exports, then asked of the bot itself (both with \`npm start\`'s flags)`,
    );
    out.push('');
    out.push(
      table(
        ['mistakes', 'rows', 'CSV', 'time', 'peak RSS of the process'],
        digests.map((d) => [
          d.n.toLocaleString('en-US'),
          String(d.export.rows),
          `${(d.export.bytes / 2 ** 20).toFixed(1)} MB`,
          ms(d.export.ms),
          `${d.export.hwmMb.toFixed(0)} MB`,
        ]),
      ),
    );
    if (botExport) {
      const big = DIGEST_SIZES[DIGEST_SIZES.length - 1]!.toLocaleString('en-US');
      out.push('');
      out.push(
        `The bot, asked by an admin over signed HTTP in the ${big}-mistake workspace (its delivery worker reads, writes and uploads the CSV to the fake Slack): ${botExport.comment.split('.')[0]}, shared ${(botExport.ms / 1000).toFixed(1)} s after the command; RSS ${botExport.idleMb.toFixed(0)} MB before it, peak ${botExport.hwmMb.toFixed(0)} MB ${verdict(`the bot's peak RSS through a ${big}-row export ≤ ${TARGETS.rssMb} MB`, `${botExport.hwmMb.toFixed(0)} MB`, botExport.hwmMb <= TARGETS.rssMb)}; ${botExport.errors} errors logged.`,
      );
      if (botExport.errors > 0) problems.add(`the bot logged ${botExport.errors} errors during the export`);
    }
    out.push('');
    out.push('d. Peak RSS (VmHWM of the process, from /proc/<pid>/status, over its whole life)');
    out.push('');
    const rssRows = [
      ['bare Bolt app (start flags)', `${bareMemory.hwmMb.toFixed(0)} MB`, '–'],
      [
        'bot as `npm start` runs it (SQLite; a. and b. above)',
        `${botMemory.hwmMb.toFixed(0)} MB`,
        `≤ ${TARGETS.rssMb} MB ${verdict(`peak RSS ≤ ${TARGETS.rssMb} MB as \`npm start\` runs the bot (SQLite)`, `${botMemory.hwmMb.toFixed(0)} MB`, botMemory.hwmMb <= TARGETS.rssMb)}`,
      ],
    ];
    if (pg.hwmMb !== undefined)
      rssRows.push([
        'bot as `npm start` runs it (PostgreSQL; b.)',
        `${pg.hwmMb.toFixed(0)} MB`,
        `≤ ${TARGETS.rssMb} MB ${verdict(`peak RSS ≤ ${TARGETS.rssMb} MB as \`npm start\` runs the bot (PostgreSQL)`, `${pg.hwmMb.toFixed(0)} MB`, pg.hwmMb <= TARGETS.rssMb)}`,
      ]);
    rssRows.push(['bot on Node defaults (SQLite; click flood, then b.)', `${plainMemory.hwmMb.toFixed(0)} MB`, '– (not how `npm start` runs it)']);
    const digestPeak = Math.max(...digests.map((d) => d.hwmMb));
    if (digests.length) rssRows.push(['digest (measuring process, 100k workspace)', `${digestPeak.toFixed(0)} MB`, '–']);
    out.push(table(['process', 'peak RSS', 'target'], rssRows));
    const phases = (r: RssSampler) => [...r.maxByPhase].map(([phase, mb]) => `${phase} ${mb.toFixed(0)} MB`).join(', ');
    out.push('');
    out.push(`Highest VmRSS sampled every 50 ms, by phase: bot: ${phases(botRss)}; bare Bolt: ${phases(bareRss)}.`);
    const m = botStats.memory;
    if (m) {
      const mb = (v: number) => `${(v / 2 ** 20).toFixed(0)} MB`;
      out.push(
        `The bot at the end of b., its posts sent, after a full garbage collection: RSS ${mb(m.rss)}, of which V8 heap ${mb(m.heapTotal)} (${mb(m.heapUsed)} live), external ${mb(m.external)}; the rest is code, compiled WebAssembly (Prisma's query compiler) and native memory.`,
      );
    }
    out.push('');
    out.push(
      `Work per request (a separate bot with Prisma query events on, one request at a time, each request's posts sent before the next; mean of ${DIAGNOSTIC})`,
    );
    out.push('');
    out.push(workTable(work));
    out.push('');
    const perClick = amortized.total / amortized.clicks;
    out.push(
      `Statements per Apologize click, amortized: ${amortized.clicks} clicks on fresh mistakes sent ${CONCURRENCY} in flight to a counting bot with the default HOME_REFRESH_DELAY, counted until every click was applied and every post sent (card update, thread reply, App Home refresh included): ${perClick.toFixed(1)} per click (${fmtCounts(amortized.statements, amortized.clicks)}) ${verdict(`SQL statements per click, amortized, with its posts and App Home refresh ≤ ${TARGETS.statementsPerClick}`, perClick.toFixed(1), perClick <= TARGETS.statementsPerClick)}; Slack Web API calls per click: ${fmtCounts(amortized.slackCalls, amortized.clicks)}.`,
    );
    for (const s of [sqlite, pg, plainSustained]) {
      if (!s.skipped && s.errors) problems.add(`${s.label} sustained run: ${s.errors} errors: ${s.errorSamples?.join(' | ')}`);
    }
    for (const [shape, r] of Object.entries(latencies)) {
      if (r.errors.bare + r.errors.bot > 0) problems.add(`${shape}: ${r.samples.slice(0, 3).join(' | ')}`);
    }
    out.push('');
    out.push(
      problems.list.length
        ? `Problems:\n${problems.list.map((p) => `- ${p}`).join('\n')}`
        : 'No errors: every request answered 200, every acknowledged click was applied, nothing was logged as an error.',
    );
    out.push('');
    out.push('Targets');
    out.push('');
    out.push(
      table(
        ['target', 'this run', 'met'],
        verdicts.map((v) => [v.target, v.figure, mark(v.met)]),
      ),
    );
    out.push('');
    out.push(`Total time: ${((Date.now() - T0) / 1000).toFixed(0)} s`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    clearTimeout(hardStop);
    for (const c of children) await c.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
