// Diagnostic: prints every SQL statement one Apologize click costs on SQLite, by phase (the
// click's ack and transaction, then its posts), with the App Home refresh sent at once.
// With TRACE_CLICKS=N, instead: N clicks 8 in flight with the default HOME_REFRESH_DELAY, and the
// statements per click, amortized, by shape (what `npm run bench` counts, in one process).
// Build with the benchmark (`npm run bench` builds it too), run: node bench/.build/bench/trace.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { createBot } from '../src/bot';
import { loadConfig } from '../src/config';
import type { Db } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { gatedSqlite } from '../src/db/sqlite';
import { PrismaClient } from '../src/generated/prisma/client';
import { encodeValue } from '../src/slack/ids';
import { FakeSlack } from '../test/support/fakeSlack';
import { buttonClick } from '../test/support/slackRequests';
import { agentFor, post, runClosedLoop } from './load';
import { seedClickMistakes } from './seed';

const SECRET = 'trace-signing-secret';

async function main(): Promise<void> {
  const amortized = Number(process.env.TRACE_CLICKS ?? 0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mistake-trace-'));
  const url = `file:${path.join(tmp, 'trace.db')}`;
  await migrateDatabase(url);
  let phase = 'setup';
  let tracing = false;
  const lines: string[] = [];
  const durations: number[] = [];
  const client = new PrismaClient({
    adapter: gatedSqlite(new PrismaBetterSqlite3({ url, timeout: 0 })),
    log: [{ emit: 'event', level: 'query' }],
  });
  for (const pragma of ['journal_mode = WAL', 'foreign_keys = ON', 'synchronous = NORMAL', 'cache_size = -4000'])
    await client.$queryRawUnsafe(`PRAGMA ${pragma}`);
  client.$on('query', (e) => {
    if (!tracing) return;
    lines.push(`[${phase}] ${e.query.replace(/\s+/g, ' ').slice(0, 220)}`);
    durations.push(e.duration);
  });
  const db = client as unknown as Db;
  const fake = await new FakeSlack().start();
  const port = 30000 + Math.floor(Math.random() * 20000);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-trace',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.url,
    PORT: String(port),
    DATABASE_URL: url,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'Europe/Berlin',
    LOG_LEVEL: 'error',
    STATE_DIR: tmp,
    ...(amortized ? {} : { HOME_REFRESH_DELAY: process.env.TRACE_HOME_DELAY ?? '0' }),
  });
  const bot = await createBot(config, { db });
  await bot.start({ scheduler: false });
  if (amortized) {
    const pool = await seedClickMistakes(db, amortized, 120_000);
    const target = { host: '127.0.0.1' as const, port, secret: SECRET };
    tracing = true;
    const sent = await runClosedLoop({
      target,
      concurrency: 8,
      count: pool.length,
      maxMs: 120_000,
      make: (i) =>
        buttonClick('mistake_apologize', encodeValue({ m: pool[i]!.id, v: pool[i]!.version }), {
          userId: pool[i]!.ownerId,
          channelId: 'CESCALATIONS',
          messageTs: pool[i]!.threadTs,
        }),
    });
    // Until every post is out, App Home's delayed refreshes included.
    for (let quiet = 0; quiet < 7_000; ) {
      const before = lines.length;
      await new Promise((r) => setTimeout(r, 500));
      quiet = lines.length === before ? quiet + 500 : 0;
    }
    tracing = false;
    // Per shape: how many per click, and the milliseconds per click Prisma's query events report
    // for them (each statement from its start to its result: the wait for the shared connection
    // is in it, so under load it shows where statements queue as much as what they cost).
    const shapes = new Map<string, { n: number; ms: number }>();
    for (const [i, line] of lines.entries()) {
      const shape = line
        .replace(/^\[[^\]]*\] /, '')
        .replace(/\?(, ?\?)*/g, '?')
        .slice(0, 150);
      const seen = shapes.get(shape) ?? { n: 0, ms: 0 };
      seen.n++;
      seen.ms += durations[i]!;
      shapes.set(shape, seen);
    }
    const rows = [...shapes]
      .sort((a, b) => b[1].n - a[1].n)
      .map(([shape, { n, ms }]) => `${(n / sent.sent).toFixed(2).padStart(6)} ${(ms / sent.sent).toFixed(3).padStart(7)} ms  ${shape}`);
    const totalMs = durations.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${rows.join('\n')}\n${(lines.length / sent.sent).toFixed(1)} statements per click, ${(totalMs / sent.sent).toFixed(2)} ms of them (${sent.sent} clicks, ${sent.errors} errors)\n`,
    );
    const calls = new Map<string, number>();
    for (const c of fake.calls) calls.set(c.method, (calls.get(c.method) ?? 0) + 1);
    process.stdout.write(`Slack Web API calls per click: ${[...calls].map(([m, n]) => `${(n / sent.sent).toFixed(2)} ${m}`).join(', ')}\n`);
    await bot.stop();
    await fake.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    return;
  }
  const pool = await seedClickMistakes(db, 4, 30_000);
  const agent = agentFor(1);
  const target = { host: '127.0.0.1' as const, port, secret: SECRET };
  for (const [i, m] of pool.entries()) {
    tracing = i === pool.length - 1;
    phase = 'ack';
    const sent = await post(
      target,
      agent,
      buttonClick('mistake_apologize', encodeValue({ m: m.id, v: m.version }), {
        userId: m.ownerId,
        channelId: 'CESCALATIONS',
        messageTs: m.threadTs,
      }),
    );
    phase = 'after ack';
    if (sent.status !== 200) throw new Error(`click: HTTP ${sent.status} ${sent.body}`);
    for (let t = 0; t < 200; t++) {
      const row = await db.mistake.findUnique({ where: { id: m.id }, select: { apologizedAt: true } });
      if (row?.apologizedAt) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    phase = 'deliveries';
    await bot.worker.drain();
    await new Promise((r) => setTimeout(r, 100));
    await bot.worker.drain();
  }
  tracing = false;
  agent.destroy();
  const own = lines.filter((l) => !l.includes('"apologizedAt" FROM') || !l.startsWith('[after ack]'));
  process.stdout.write(`${own.join('\n')}\n${own.length} statements (the polling read excluded)\n`);
  await bot.stop();
  await fake.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
