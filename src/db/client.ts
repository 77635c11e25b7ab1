import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client';
import { gatedSqlite } from './sqlite';
import { providerOf, sqliteFilePath } from './url';

export type Db = PrismaClient;
/** The client handed to code running inside `db.$transaction(async (tx) => ...)`. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export { providerOf, sqliteFilePath, type Provider } from './url';

// How long a write waits for another connection's lock before giving up (SQLITE_BUSY).
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database the URL names: `postgresql://` or `postgres://` selects PostgreSQL (several
 * replicas), anything else SQLite. SQLite is the embedded default: its file (and folder) is
 * created on first run, and it runs in WAL mode with a busy timeout and foreign keys on.
 */
export async function createDb(databaseUrl: string): Promise<Db> {
  if (providerOf(databaseUrl) === 'postgresql') {
    // Loaded only when asked for: a SQLite deployment never loads the PostgreSQL client.
    const { createPostgresDb } = await import('./postgres');
    return createPostgresDb(databaseUrl);
  }
  const file = sqliteFilePath(databaseUrl);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const adapter = gatedSqlite(new PrismaBetterSqlite3({ url: databaseUrl, timeout: SQLITE_BUSY_TIMEOUT_MS }));
  const db = new PrismaClient({ adapter });
  // WAL lets readers (the Home tab, the digest) run while a click is being written.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await db.$queryRawUnsafe(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  return db;
}

/** True when the database answers a trivial query (used by /healthz). */
export async function isDatabaseReachable(db: Db): Promise<boolean> {
  try {
    await db.$queryRawUnsafe('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
