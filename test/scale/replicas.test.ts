// Several real bot processes (HTTP receivers on their own ports) sharing one PostgreSQL database,
// as behind a load balancer: requests spread over them, the same submission to two of them,
// concurrent clicks, every scheduled pass firing on every replica, and one replica SIGKILLed
// partway through. Runs when TEST_POSTGRES_URL is set (CI sets it).
import pg from 'pg';
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { DELIVERY_METADATA_TYPE } from '../../src/notify/deliveries';
import { FakeSlack } from '../support/fakeSlack';
import { freePort } from '../support/harness';
import { buildBot, eventually, startBotProcess, waitHealthy, type BotProcess } from '../support/processes';
import { buttonClick, postToSlackEndpoint, SIGNING_SECRET, slashCommand, viewSubmission } from '../support/slackRequests';

const BASE = process.env.TEST_POSTGRES_URL;
const describePg = BASE ? describe : describe.skip;

const REPLICAS = 3;
const REPORTS = 12;
/** Reports whose identical submission is delivered to two different replicas at once. */
const DUPLICATED = 4;

jest.setTimeout(180_000);

describePg('several replicas on one PostgreSQL database', () => {
  const schema = `replicas_${Date.now().toString(36)}`;
  let url: string;
  let fake: FakeSlack;
  let replicas: BotProcess[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    const u = new URL(BASE!);
    u.searchParams.set('schema', schema);
    url = u.toString();
    admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    fake = await new FakeSlack().start();
    const buildDir = buildBot('replicas');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-replica-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      DATABASE_URL: url,
      ESCALATION_CHANNEL_ID: 'CESCALATIONS',
      DIGEST_CHANNEL_ID: 'CDIGEST0001',
      TIMEZONE: 'UTC',
      // Every pass fires every second or two on every replica: only claims keep them apart.
      DIGEST_CRON: '*/2 * * * * *',
      REMINDER_CRON: '*/2 * * * * *',
      ESCALATION_CRON: '*/3 * * * * *',
      DELIVERY_CRON: '* * * * * *',
      // Steps are due at once, so every recovery has something to remind about right away.
      SLA_CRITICAL: '0',
      SLA_HIGH: '0',
      SLA_MEDIUM: '0',
      SLA_LOW: '0',
      REMINDER_INTERVAL: '1h',
      ESCALATE_AFTER: '30d',
      OFFICE_HOURS: '00:00-24:00',
      OFFICE_DAYS: 'mon-sun',
      LEASE: '3s',
      // A post cut off by the SIGKILL is looked for this long before it is posted again.
      SLACK_LATENESS: '5s',
      LOG_LEVEL: 'warn',
    };
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    // All of them start (and migrate) at once, as a deployment rolls out.
    replicas = ports.map((port, i) => startBotProcess(buildDir, `replica-${i + 1}`, port, env));
    await Promise.all(replicas.map((r) => waitHealthy(r, 60_000)));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
    await fake.stop();
  });

  const q = async <T = any>(sql: string): Promise<T[]> => (await admin.query(sql.replace(/"([A-Z]\w+)"/g, `"${schema}"."$1"`))).rows as T[];

  it('keeps one mistake and thread per submission, one digest, one reminder per item, every delivery once', async () => {
    const alive = () => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const pick = (i: number) => alive()[i % alive().length]!;

    // Reports: /mistake on one replica, the submission on another; some submissions twice at once.
    await postToSlackEndpoint(pick(0).url, slashCommand('', { userId: 'UREPORTER1' }));
    await fake.waitFor('views.open', 0);
    const modal = fake.lastView();
    const submissions = [];
    for (let i = 0; i < REPORTS; i++) {
      const owner = `UOWNER000${i % 4}`;
      const values = {
        [Inputs.customer]: `Customer ${i}`,
        [Inputs.whatHappened]: `Mistake number ${i}`,
        [Inputs.impact]: 'Waiting on us',
        [Inputs.severity]: i % 3 === 0 ? 'critical' : 'high',
        [Inputs.category]: 'order',
        [Inputs.owner]: owner,
      };
      const body = viewSubmission(modal, values, { userId: owner, viewId: `VREPLICA${i}` });
      submissions.push(postToSlackEndpoint(pick(i).url, body));
      if (i < DUPLICATED) submissions.push(postToSlackEndpoint(pick(i + 1).url, body));
    }
    const answers = await Promise.all(submissions);
    if (answers.some((a) => a.status !== 200 || a.json)) {
      process.stdout.write(`answers: ${JSON.stringify(answers.map((a) => [a.status, a.text.slice(0, 200)]))}\n`);
      process.stdout.write(replicas.map((r) => r.output.join('')).join('\n----\n'));
    }
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.json).map((a) => a.json)).toEqual([]);

    // Slack turns slow for a moment while one replica is killed mid-send.
    fake.fail('chat.postMessage', { kind: 'slow', delayMs: 1500 }, 6);
    await new Promise((r) => setTimeout(r, 800));
    const victim = replicas[REPLICAS - 1]!;
    await victim.kill('SIGKILL');

    // Concurrent clicks on the same step, spread over the surviving replicas.
    const mistakes = await q<{ id: number; ownerId: string; version: number }>('SELECT id, "ownerId", version FROM "Mistake" ORDER BY id');
    expect(mistakes).toHaveLength(REPORTS);
    const clicks = [];
    for (const m of mistakes) {
      const value = encodeValue({ m: m.id, v: m.version });
      for (let k = 0; k < 2; k++) {
        clicks.push(
          postToSlackEndpoint(pick(k).url, buttonClick(Actions.apologize, value, { userId: m.ownerId, channelId: 'CESCALATIONS', messageTs: '1.0' })),
        );
      }
    }
    expect((await Promise.all(clicks)).every((c) => c.status === 200)).toBe(true);

    // Let the passes run on every replica, and the dead replica's leases run out.
    await eventually(
      async () => {
        const [row] = await q<{ n: string }>(`SELECT count(*) AS n FROM "Delivery" WHERE status <> 'sent'`);
        const [digest] = await q<{ n: string }>(`SELECT count(*) AS n FROM "ScheduledRun" WHERE job = 'digest'`);
        const [reminded] = await q<{ n: string }>(`SELECT count(DISTINCT "itemId") AS n FROM "ReminderSent" WHERE "itemKind" = 'step'`);
        return Number(row!.n) === 0 && Number(digest!.n) === 1 && Number(reminded!.n) >= REPORTS;
      },
      90_000,
      'every delivery sent, the digest claimed and each recovery reminded',
    );
    // A few more pass cycles, to show nothing further goes out.
    await new Promise((r) => setTimeout(r, 4000));

    const posts = fake.called('chat.postMessage');
    const ids = posts.map((p) =>
      (p.args.metadata as any)?.event_type === DELIVERY_METADATA_TYPE ? String((p.args.metadata as any).event_payload.delivery_id) : null,
    );
    const counts = new Map<string, number>();
    for (const id of ids) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    const duplicated = [...counts.values()].filter((n) => n > 1).length;
    const deliveries = await q<{ id: number; kind: string; status: string; lastError: string | null }>(
      'SELECT id, kind, status, "lastError" FROM "Delivery"',
    );
    // A post-kind delivery is lost if it never reached Slack and was not deliberately left out
    // (a reminder whose items were all done before it went, noted in lastError).
    const postKinds = new Set(['card', 'reply', 'dm', 'escalation', 'digest', 'reminder', 'message']);
    const lost = deliveries.filter((d) => postKinds.has(d.kind) && (d.status !== 'sent' || (!d.lastError && !counts.has(String(d.id))))).length;

    const cards = posts.filter((p) => p.args.channel === 'CESCALATIONS' && !p.args.thread_ts && !/Escalation/.test(String(p.args.text)));
    const digests = posts.filter((p) => p.args.channel === 'CDIGEST0001');
    const reminderRows = await q<{ itemId: number; n: string }>(`SELECT "itemId", count(*) AS n FROM "ReminderSent" GROUP BY "itemKind", "itemId"`);
    const apologies = await q<{ mistakeId: number; n: string }>(
      `SELECT "mistakeId", count(*) AS n FROM "TimelineEvent" WHERE kind = 'step_done' GROUP BY "mistakeId"`,
    );
    const apologized = await q<{ n: string }>(`SELECT count(*) AS n FROM "RecoveryStep" WHERE kind = 'apologize' AND status = 'done'`);
    const threads = await q<{ n: string }>(`SELECT count(DISTINCT "threadTs") AS n FROM "Mistake" WHERE "threadTs" IS NOT NULL`);
    const takenOver =
      replicas
        .flatMap((r) => r.output)
        .join('')
        .split('taken over after its lease').length - 1;

    process.stdout.write(
      [
        '',
        `Multi-replica run (${REPLICAS} processes on PostgreSQL, one SIGKILLed partway):`,
        `  submissions sent: ${REPORTS + DUPLICATED} (${DUPLICATED} delivered to two replicas)  mistakes: ${mistakes.length}  threads: ${threads[0]!.n}  cards posted: ${cards.length}`,
        `  digests posted: ${digests.length}  digest claims: 1`,
        `  reminder items: ${reminderRows.length}  reminders per item (max): ${Math.max(...reminderRows.map((r) => Number(r.n)))}`,
        `  concurrent apologize clicks: ${mistakes.length * 2}  apologies recorded: ${apologized[0]!.n}`,
        `  deliveries: ${deliveries.length}  sent: ${deliveries.filter((d) => d.status === 'sent').length}  posts to Slack: ${posts.length}  duplicated: ${duplicated}  lost: ${lost}  taken over from the dead replica: ${takenOver}`,
        '',
      ].join('\n'),
    );

    expect(mistakes).toHaveLength(REPORTS);
    expect(Number(threads[0]!.n)).toBe(REPORTS);
    expect(cards).toHaveLength(REPORTS);
    expect(digests).toHaveLength(1);
    expect(reminderRows.every((r) => Number(r.n) === 1)).toBe(true);
    expect(Number(apologized[0]!.n)).toBe(REPORTS);
    expect(apologies.every((a) => Number(a.n) === 1)).toBe(true);
    expect(deliveries.every((d) => d.status === 'sent')).toBe(true);
    expect(duplicated).toBe(0);
    expect(lost).toBe(0);
  });
});
