// What `npm start` and `npm run job` share: opening the database the way an operator needs it
// (migrations only when pending, a busy database waited for) and turning any failure into one
// line that says what to do.
import { ConfigError } from '../config';
import { assertDatabasePresent, createDb, DatabaseMissingError, type Db } from '../db/client';
import { assertAnswers } from '../db/health';
import { DatabaseSetupError, describeDatabaseFailure, migrateDatabase } from '../db/migrate';
import type { Logger } from '../logger';

/**
 * Applies pending migrations (if any) and opens the database, or says in one line why not. A
 * SQLite file this bot has used before (STATE_DIR says so) that has gone missing is refused
 * before the migrations could create an empty one in its place.
 */
export async function openDatabase(databaseUrl: string, logger: Logger, options: { stateDir?: string } = {}): Promise<Db> {
  assertDatabasePresent(databaseUrl, options.stateDir);
  const { applied } = await migrateDatabase(databaseUrl, { onWait: (message) => logger.warn(message) });
  if (applied.length > 0) logger.info('database migrated', { applied });
  try {
    const db = await createDb(databaseUrl, { stateDir: options.stateDir });
    // Opening is lazy: ask something now, so a wrong file or a server that is down shows here.
    await assertAnswers(db);
    return db;
  } catch (error) {
    if (error instanceof DatabaseMissingError) throw error;
    throw new DatabaseSetupError(describeDatabaseFailure(databaseUrl, error));
  }
}

/**
 * The one line an operator reads when something failed. Problems they can fix are said as they
 * are; anything else is the first line of its message (never a stack trace or a WebAssembly
 * frame), with where to find more.
 */
export function failureMessage(error: unknown, doing: string, env: NodeJS.ProcessEnv = process.env): string {
  if (error instanceof ConfigError || error instanceof DatabaseSetupError || error instanceof DatabaseMissingError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EADDRINUSE') {
    const port = /:(\d+)\s*$/.exec(message)?.[1] ?? env.PORT ?? '3000';
    return `Port ${port} is already in use (another copy of the bot, or another program): stop it, or set PORT to a free port.`;
  }
  const first = (message.split('\n').find((line) => line.trim() !== '') ?? message).replace(/\s+at wasm:\/\/.*$/, '').trim();
  return `${doing} failed: ${first} (set LOG_LEVEL=debug for the details).`;
}
