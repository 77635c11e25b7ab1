import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client';
import { isUniqueViolation } from './errors';
import { gatedSqlite, noteGated, type SqliteFileState } from './sqlite';
import { providerOf, sqliteFilePath } from './url';

export type Db = PrismaClient;
/** The client handed to code running inside `db.$transaction(async (tx) => ...)`. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export { providerOf, sqliteFilePath, type Provider } from './url';

export interface DbOptions {
  /**
   * Where the bot notes which SQLite database it uses (the configuration's STATE_DIR), so a start
   * that finds it missing refuses instead of carrying on with a new, empty one. Unset: not checked.
   */
  stateDir?: string;
}

/**
 * Opens the database the URL names: `postgresql://` or `postgres://` selects PostgreSQL (several
 * replicas), anything else SQLite. SQLite is the embedded default: its file (and folder) is
 * created on first run, and it runs in WAL mode with foreign keys on. Its lock is waited for
 * outside SQLite (see `./sqlite`), so SQLite's own busy timeout is 0.
 */
export async function createDb(databaseUrl: string, options: DbOptions = {}): Promise<Db> {
  if (providerOf(databaseUrl) === 'postgresql') {
    // Loaded only when asked for: a SQLite deployment never loads the PostgreSQL client.
    const { createPostgresDb } = await import('./postgres');
    const db = createPostgresDb(databaseUrl);
    try {
      await identify(db);
    } catch (error) {
      await db.$disconnect().catch(() => undefined);
      throw error;
    }
    return db;
  }
  const file = sqliteFilePath(databaseUrl);
  const inMemory = file === ':memory:';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const state: SqliteFileState = { lost: null };
  const adapter = gatedSqlite(new PrismaBetterSqlite3({ url: databaseUrl, timeout: 0 }), { file: state });
  const db = new PrismaClient({ adapter });
  noteGated(db);
  try {
    // WAL lets readers (the Home tab, the digest) run while a click is being written.
    await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await db.$queryRawUnsafe('PRAGMA busy_timeout = 0');
    await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    // A 4 MB page cache (the driver's default is 16 MB): the bot's working set is small, the
    // operating system caches the file anyway, and a 100k-mistake export read through a 16 MB cache
    // left the process 20 MB larger for good.
    await db.$queryRawUnsafe('PRAGMA cache_size = -4000');
    if (!inMemory) guards.set(db, new SqliteFileGuard(path.resolve(file), state));
    await identify(db, inMemory ? undefined : { file: path.resolve(file), stateDir: options.stateDir });
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    throw error;
  }
  return db;
}

// ---------------------------------------------------------------------------------------------
// Which database this is.

/** The start-up refusal when the configured SQLite file is not the database the bot has used. */
export class DatabaseMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseMissingError';
  }
}

interface Marker {
  path: string;
  uuid: string;
  firstUsedAt: string;
}

function markerPath(stateDir: string, file: string): string {
  const hash = createHash('sha256').update(file).digest('hex').slice(0, 16);
  return path.join(stateDir, `database-${hash}.json`);
}

function readMarker(at: string): Marker | null {
  try {
    return JSON.parse(fs.readFileSync(at, 'utf8')) as Marker;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DatabaseMissingError(`Cannot read ${at}, which records the database this bot uses: ${(error as Error).message}`);
  }
}

/**
 * Refuses, before anything creates it, a SQLite file that is missing although the note in
 * STATE_DIR says this bot has used it: the migrations would otherwise make an empty one to stand in
 * for it. (createDb checks the identity again once the file is open, for a file that was replaced.)
 */
export function assertDatabasePresent(databaseUrl: string, stateDir: string | undefined): void {
  if (!stateDir || providerOf(databaseUrl) !== 'sqlite') return;
  const file = sqliteFilePath(databaseUrl);
  if (file === ':memory:' || fs.existsSync(file)) return;
  const at = markerPath(stateDir, path.resolve(file));
  const marker = readMarker(at);
  if (!marker) return;
  throw new DatabaseMissingError(
    [
      `The database file ${path.resolve(file)} is not the one this bot has been using since ${marker.firstUsedAt}:`,
      'that database is missing (deleted, moved, or its volume not mounted).',
      'The bot did not start, and created nothing. Put the original file back and start again.',
      `To start over with an empty database on purpose, delete ${at} first.`,
    ].join(' '),
  );
}

/**
 * Reads (or, on a database's first use, makes) its identity row. For a SQLite file it is also
 * compared with the note the bot keeps in STATE_DIR, outside the database's folder: a file that
 * was deleted (or a volume that was not mounted) is then recreated empty by the migrations, and
 * starting on it would silently drop every report. That refuses to start instead, saying why.
 */
async function identify(db: Db, sqlite?: { file: string; stateDir?: string }): Promise<string> {
  const existing = await db.databaseIdentity.findUnique({ where: { id: 1 } });
  const at = sqlite?.stateDir ? markerPath(sqlite.stateDir, sqlite.file) : null;
  const marker = at ? readMarker(at) : null;
  if (sqlite && at && marker && marker.uuid !== existing?.uuid) {
    throw new DatabaseMissingError(
      [
        `The database file ${sqlite.file} is not the one this bot has been using since ${marker.firstUsedAt}:`,
        existing
          ? 'it was replaced by a different database.'
          : 'that database is missing (deleted, moved, or its volume not mounted), and an empty one stands in its place.',
        'The bot did not start, so nothing was written to it. Put the original file back and start again.',
        `To start over with an empty database on purpose, delete ${at} first.`,
      ].join(' '),
    );
  }
  let uuid = existing?.uuid;
  if (!uuid) {
    try {
      uuid = (await db.databaseIdentity.create({ data: { id: 1, uuid: randomUUID() } })).uuid;
    } catch (error) {
      // Replicas starting together on a new database: one of them made it.
      if (!isUniqueViolation(error)) throw error;
      uuid = (await db.databaseIdentity.findUniqueOrThrow({ where: { id: 1 } })).uuid;
    }
  }
  if (sqlite && at && !marker) {
    const note: Marker = { path: sqlite.file, uuid, firstUsedAt: new Date().toISOString() };
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, `${JSON.stringify(note, null, 2)}\n`);
  }
  return uuid;
}

// ---------------------------------------------------------------------------------------------
// Is the open file still the one at the configured path?

export type FileStatus = 'ok' | 'missing' | 'replaced';

/**
 * Watches the SQLite file the bot has open. Deleting it (or its folder) does not stop SQLite:
 * writes go on into a file that no longer has a name and is gone for good when the process ends.
 * Once the path no longer leads to the open file, every write is refused and the reason is kept
 * for /healthz and the logs. It stays so until a restart.
 */
export class SqliteFileGuard {
  private readonly opened: { dev: number; ino: number };
  private current: FileStatus = 'ok';

  constructor(
    readonly file: string,
    private readonly state: SqliteFileState,
  ) {
    const stat = fs.statSync(file);
    this.opened = { dev: stat.dev, ino: stat.ino };
  }

  /** Looks at the path now; returns what it found (a change from 'ok' refuses writes from then on). */
  check(): FileStatus {
    if (this.current !== 'ok') return this.current;
    let status: FileStatus = 'ok';
    try {
      const stat = fs.statSync(this.file);
      if (stat.dev !== this.opened.dev || stat.ino !== this.opened.ino) status = 'replaced';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      status = 'missing';
    }
    if (status !== 'ok') {
      this.current = status;
      this.state.lost =
        status === 'missing'
          ? `the database file ${this.file} was deleted while the bot was running; writes are refused until it is restored and the bot restarted`
          : `the database file ${this.file} was replaced while the bot was running; writes are refused until the bot is restarted`;
    }
    return this.current;
  }

  get reason(): string | null {
    return this.state.lost;
  }
}

const guards = new WeakMap<Db, SqliteFileGuard>();

/** The file guard of a SQLite database made by createDb (none for PostgreSQL or in memory). */
export function fileGuardOf(db: Db): SqliteFileGuard | undefined {
  return guards.get(db);
}
