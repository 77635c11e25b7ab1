// `npm run job -- <digest|reminders|escalations|deliveries>`: one pass now, with the same code,
// claims and delivery as the schedule, against the configured database and Slack API.
import { ConfigError, loadConfig, loadDotenv } from '../config';
import { createBot } from '../bot';
import { migrateDatabase } from '../db/migrate';
import { createLogger } from '../logger';

const PASSES = ['digest', 'reminders', 'escalations', 'deliveries'] as const;
type Pass = (typeof PASSES)[number];

async function main(): Promise<void> {
  const pass = process.argv[2] as Pass | undefined;
  if (!pass || !PASSES.includes(pass)) {
    process.stderr.write(`Usage: npm run job -- <${PASSES.join('|')}>\n`);
    process.exit(2);
  }
  loadDotenv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  await migrateDatabase(config.databaseUrl);
  const bot = await createBot(config, { logger, tokenVerificationEnabled: false });
  try {
    await bot.deps.settings.applyDefaults();
    let result: unknown;
    if (pass === 'digest') result = await bot.jobs.digest();
    else if (pass === 'reminders') result = await bot.jobs.reminders(`reminders:manual:${new Date().toISOString()}`);
    else if (pass === 'escalations') result = await bot.jobs.escalations(`escalations:manual:${new Date().toISOString()}`);
    // Whatever a pass queued goes out now; `deliveries` alone tries every pending one at once.
    const delivered = await bot.jobs.deliveries({ ignoreBackoff: pass === 'deliveries' });
    process.stdout.write(`${JSON.stringify({ pass, result, delivered }, null, 2)}\n`);
  } finally {
    await bot.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError ? `${error.message}\n` : `The ${process.argv[2] ?? ''} pass failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
