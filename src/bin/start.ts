// `npm start`: apply pending migrations, then run the bot (Socket Mode when SLACK_APP_TOKEN is
// set, otherwise the HTTP receiver on PORT).
import { loadConfig, loadDotenv } from '../config';
import { createBot } from '../bot';
import { createLogger } from '../logger';
import { failureMessage, openDatabase } from './operator';

async function main(): Promise<void> {
  loadDotenv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // A promise something forgot to catch (Bolt's receiver has such paths for malformed bodies) is
  // logged, not allowed to take the process and everyone's clicks down with it.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) });
  });
  const db = await openDatabase(config.databaseUrl, logger, { stateDir: config.stateDir });
  const bot = await createBot(config, { logger, db });
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
  // Written for a person setting the bot up: one line (or the configuration's list), no trace.
  process.stderr.write(`${failureMessage(error, 'Starting the bot')}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
