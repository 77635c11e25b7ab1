// `npm run job -- <digest|insights|reminders|escalations|check-ins|deliveries> [--again] [--json]`: one pass now,
// with the same code, claims and delivery as the schedule, against the configured database and
// Slack API, beside a running bot or without one. It says in words what it did.
import { parseArgs } from 'node:util';
import { loadConfig, loadDotenv } from '../config';
import { createBot } from '../bot';
import type { DigestOutcome, InsightsOutcome } from '../jobs';
import { describeCheckIns, describeDeliveries, describeDigest, describeEscalations, describeInsights, describeReminders } from '../jobs/report';
import { createLogger } from '../logger';
import { offsetFileClock } from '../services/clock';
import { failureMessage, openDatabase } from './operator';

const PASSES = ['digest', 'insights', 'reminders', 'escalations', 'check-ins', 'deliveries'] as const;
type Pass = (typeof PASSES)[number];

const USAGE = `Usage: npm run job -- <${PASSES.join('|')}> [--again] [--json]

  digest        post today's digest now, unless it already went out today (then say where)
  insights      post this week's insights chart now, unless it already went out this week
  reminders     run one reminder pass
  escalations   run one escalation pass
  check-ins     run one after-close check-in pass (did the customer come back?)
  deliveries    try every pending delivery now, ignoring its backoff
  --again       with digest or insights: post an extra copy even if it already went out
  --json        print the pass's result as JSON instead of sentences
`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n\n${USAGE}`);
  process.exit(2);
}

function parse(): { pass: Pass; again: boolean; json: boolean } {
  let parsed: ReturnType<
    typeof parseArgs<{
      args: string[];
      allowPositionals: true;
      options: { again: { type: 'boolean'; default: false }; json: { type: 'boolean'; default: false } };
    }>
  >;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { again: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    });
  } catch (error) {
    // Node's own wording explains positional arguments at length; the option is what matters.
    const option = /'([^']+)'/.exec(error instanceof Error ? error.message : '')?.[1];
    usage(option ? `Unknown option "${option}".` : String(error));
  }
  const [pass, ...rest] = parsed.positionals;
  if (!pass) usage('Which pass?');
  if (!PASSES.includes(pass as Pass)) usage(`Unknown pass "${pass}".`);
  if (rest.length > 0) usage(`Unexpected "${rest.join(' ')}".`);
  if (parsed.values.again && pass !== 'digest' && pass !== 'insights') usage('--again only goes with digest or insights.');
  return { pass: pass as Pass, again: parsed.values.again ?? false, json: parsed.values.json ?? false };
}

async function main(): Promise<void> {
  const { pass, again, json } = parse();
  loadDotenv();
  const config = loadConfig();
  // The pass's sentences are the output; log lines only when something goes wrong, unless asked.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
  const db = await openDatabase(config.databaseUrl, logger, { stateDir: config.stateDir });
  // Beside `npm run demo`: the page's clock, which its buttons may have moved forward.
  const clock = process.env.DEMO_CLOCK_FILE ? offsetFileClock(process.env.DEMO_CLOCK_FILE) : undefined;
  const bot = await createBot(config, { logger, db, tokenVerificationEnabled: false, clock });
  const lines: string[] = [];
  try {
    await bot.deps.settings.applyDefaults();
    const now = bot.deps.clock.now();
    let result: unknown;
    let outcomes: DigestOutcome[] = [];
    let insights: InsightsOutcome[] = [];
    if (pass === 'digest') result = outcomes = await bot.jobs.digest({ onDemand: true, again });
    else if (pass === 'insights') result = insights = await bot.jobs.insights({ onDemand: true, again });
    else if (pass === 'reminders') result = await bot.jobs.reminders(`reminders:manual:${now.toISOString()}`);
    else if (pass === 'escalations') result = await bot.jobs.escalations(`escalations:manual:${now.toISOString()}`);
    else if (pass === 'check-ins') result = await bot.jobs.checkIns(`check-ins:manual:${now.toISOString()}`);
    // Whatever a pass queued goes out now; `deliveries` alone tries every pending one at once.
    const delivered = await bot.jobs.deliveries({ ignoreBackoff: pass === 'deliveries' });
    if (json) {
      process.stdout.write(`${JSON.stringify({ pass, result, delivered }, null, 2)}\n`);
      return;
    }
    if (pass === 'digest') {
      if (outcomes.length === 0) {
        lines.push(
          'No workspace has used the bot yet, so there is no digest to post. A workspace appears once someone uses /mistake or opens the app.',
        );
      }
      for (const outcome of outcomes) {
        // Each workspace's address, asked with its own token.
        const workspaceUrl = await bot.clients
          .forTeam(outcome.teamId)
          .then((client) => client?.auth.test())
          .then(
            (r) => r?.url,
            () => undefined,
          );
        const posted = outcome.deliveryKey ? await bot.outbox.record(outcome.teamId, outcome.deliveryKey) : null;
        lines.push(...describeDigest(outcome, posted, { now, workspaceUrl, multipleTeams: outcomes.length > 1 }));
      }
    } else if (pass === 'insights') {
      if (insights.length === 0) lines.push('No workspace has used the bot yet, so there is nothing to post.');
      for (const outcome of insights) {
        const posted = outcome.deliveryKey ? await bot.outbox.record(outcome.teamId, outcome.deliveryKey) : null;
        lines.push(...describeInsights(outcome, posted, { now, multipleTeams: insights.length > 1 }));
      }
    } else if (pass === 'reminders') {
      lines.push(describeReminders(result as Parameters<typeof describeReminders>[0]));
    } else if (pass === 'escalations') {
      lines.push(describeEscalations(result as Parameters<typeof describeEscalations>[0]));
    } else if (pass === 'check-ins') {
      lines.push(describeCheckIns(result as Parameters<typeof describeCheckIns>[0]));
    }
    if (pass === 'deliveries' || delivered.sent + delivered.failed + delivered.retried > 0) {
      lines.push(describeDeliveries(delivered, await bot.worker.health()));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await bot.stop();
  }
}

main().catch((error: unknown) => {
  const pass = process.argv[2] ?? '';
  process.stderr.write(`${failureMessage(error, `The ${pass} pass`)}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
