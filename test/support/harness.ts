import net from 'node:net';
import { createBot, type Bot } from '../../src/bot';
import { createDb } from '../../src/db/client';
import { loadConfig } from '../../src/config';
import { memoryLogger } from '../../src/logger';
import { type ManualClock, systemClock, type Clock } from '../../src/services/clock';
import { freshSqlite, type TestDb } from './db';
import { FakeSlack } from './fakeSlack';
import { SIGNING_SECRET } from './slackRequests';

export interface Harness {
  bot: Bot;
  fake: FakeSlack;
  t: TestDb;
  baseUrl: string;
  logger: ReturnType<typeof memoryLogger>;
  /** Sends everything queued (as the delivery loop would) and returns what was delivered. */
  deliver(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    TIMEZONE: 'Europe/Berlin',
    ADMIN_USER_IDS: 'UADMIN0001',
    LOG_LEVEL: 'error',
    // Most tests check App Home right after a change; the delay has tests of its own.
    HOME_REFRESH_DELAY: '0',
    ...overrides,
  };
}

/**
 * The real bot (real Bolt app, HTTP receiver, signature checks) on a fresh SQLite file, talking
 * to a local fake of Slack's Web API.
 */
export async function startHarness(
  options: { clock?: Clock | ManualClock; env?: Record<string, string>; fake?: FakeSlack; t?: TestDb; slackTimeoutMs?: number } = {},
): Promise<Harness> {
  const fake = options.fake ?? (await new FakeSlack().start());
  // Sharing a database (and a fake Slack) between two harnesses makes two instances of the app.
  const t = options.t ?? (await freshSqlite());
  const port = await freePort();
  const config = loadConfig(testEnv({ SLACK_API_URL: fake.url, PORT: String(port), DATABASE_URL: t.url, ...options.env }));
  const logger = memoryLogger();
  const bot = await createBot(config, {
    clock: options.clock ?? systemClock,
    logger,
    db: options.t ? await createDb(t.url) : t.db,
    tokenVerificationEnabled: false,
    slackTimeoutMs: options.slackTimeoutMs,
  });
  await bot.start({ scheduler: false });
  // Starting kicks a delivery pass. On a fresh database it finds nothing, but it must be over
  // before the test queues anything: an urgent write (a report) goes before its claim, which would
  // then send what the test means to look at (or change) first.
  if (!options.t) await bot.worker.drain();
  return {
    bot,
    fake,
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    logger,
    async deliver() {
      // Let listeners that were still finishing after their ack queue what they queue.
      await new Promise((r) => setTimeout(r, 50));
      // A click is answered before it is applied: wait for every click in hand, whatever the load.
      await bot.clicks.settled();
      await bot.worker.drain();
    },
    async close() {
      await bot.app.stop().catch(() => undefined);
      if (options.t) await bot.db.$disconnect();
      else await t.close();
      if (!options.fake) await fake.stop();
    },
  };
}

/** `count` high-severity mistakes reported by Alice in `teamId`, owned by her; their ids in order. */
export async function seedMistakes(h: Harness, teamId: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const { mistake } = await h.bot.deps.mistakes.report(teamId, 'UALICE', {
      customer: `Customer ${i}`,
      whatHappened: 'Wrong address on the delivery.',
      impact: 'No flour for the weekend market.',
      severity: 'high',
      category: 'delivery',
      ownerId: 'UALICE',
    });
    ids.push(mistake.id);
  }
  return ids;
}

/** Finds a block element (button, overflow...) by action id anywhere in a list of blocks. */
export function findAction(blocks: any[] | undefined, actionId: string): any | undefined {
  for (const block of blocks ?? []) {
    const candidates = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])];
    const found = candidates.find((e: any) => e.action_id === actionId);
    if (found) return found;
  }
  return undefined;
}

export function actionIds(blocks: any[] | undefined): string[] {
  const ids: string[] = [];
  for (const block of blocks ?? []) {
    for (const e of [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])]) {
      if (e.action_id) ids.push(e.action_id);
    }
  }
  return ids;
}
