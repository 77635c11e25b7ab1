// `npm start`: apply pending migrations, then run the bot (Socket Mode when SLACK_APP_TOKEN is
// set, otherwise the HTTP receiver on PORT).
import { ConfigError, loadConfig, loadDotenv } from '../config';
import { createBot } from '../bot';
import { migrateDatabase } from '../db/migrate';
import { createLogger } from '../logger';

async function main(): Promise<void> {
  loadDotenv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // A promise something forgot to catch (Bolt's receiver has such paths for malformed bodies) is
  // logged, not allowed to take the process and everyone's clicks down with it.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) });
  });
  const { applied } = await migrateDatabase(config.databaseUrl);
  if (applied.length > 0) logger.info('database migrated', { applied });
  const bot = await createBot(config, { logger });
  await bot.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void bot.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration problems are written for a person setting the bot up: no stack trace.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`The bot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
