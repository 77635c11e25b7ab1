import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { providerOf, sqliteFilePath } from './url';

const ENGINE = path.join('scripts', 'schema-engine.mjs');

/** The project root: the nearest folder above this file that holds the schema engine script. */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ENGINE))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`Cannot find ${ENGINE} above ${__dirname}`);
  }
}

/**
 * Something an operator has to do before the database can be used, said in one line: the bot
 * and `npm run job` print the message as it is, never a stack trace.
 */
export class DatabaseSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseSetupError';
    this.stack = `${this.name}: ${message}`;
  }
}

export interface MigrateOptions {
  /** Another folder of migrations (tests); by default the provider's own. */
  migrationsDir?: string;
  /**
   * How long to wait for a busy database before giving up (default 30 s). On SQLite the schema
   * engine needs the file to itself while it applies migrations.
   */
  busyWaitMs?: number;
  /** Told once when the database is busy and the wait begins. */
  onWait?: (message: string) => void;
}

const DEFAULT_BUSY_WAIT_MS = 30_000;

/** The migrations folder names, in the order Prisma applies them. */
function localMigrations(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
}

interface MigrationRow {
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * What `_prisma_migrations` says, read without the schema engine: null when the database (or the
 * table) does not exist yet. A plain read never waits for a running bot: SQLite in WAL mode lets
 * readers in beside a writer, and PostgreSQL does too.
 */
async function migrationHistory(databaseUrl: string): Promise<MigrationRow[] | null> {
  if (providerOf(databaseUrl) === 'postgresql') {
    const { Client } = await import('pg');
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get('schema') ?? 'public';
    url.searchParams.delete('schema');
    const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const table = `"${schema.replace(/"/g, '""')}"."_prisma_migrations"`;
      const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
      if (!exists.rows[0]?.t) return null;
      return (await client.query<MigrationRow>(`SELECT migration_name, finished_at, rolled_back_at FROM ${table}`)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const file = sqliteFilePath(databaseUrl);
  if (file === ':memory:' || !fs.existsSync(file) || fs.statSync(file).size === 0) return null;
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return null;
    return db.prepare('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations').all() as MigrationRow[];
  } finally {
    db.close();
  }
}

/**
 * The migrations the database still needs, and whether its history holds a failed one (which
 * only the schema engine can report properly).
 */
export async function pendingMigrations(databaseUrl: string, migrationsDir: string): Promise<{ pending: string[]; failed: string[] }> {
  const local = localMigrations(migrationsDir);
  const history = await migrationHistory(databaseUrl);
  if (!history) return { pending: local, failed: [] };
  const done = new Set(history.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
  const failed = history.filter((r) => r.finished_at === null && r.rolled_back_at === null).map((r) => r.migration_name);
  return { pending: local.filter((name) => !done.has(name)), failed };
}

/** The engine could not get the database to itself (SQLITE_BUSY, or the wasm engine's name for it). */
function isBusy(message: string): boolean {
  return /SocketTimeout|database is locked|SQLITE_BUSY|database table is locked/i.test(message);
}

function runEngine(root: string, databaseUrl: string, migrationsDir: string): Promise<{ applied: string[] }> {
  const args = [path.join(root, ENGINE), 'apply', '--migrations', migrationsDir];
  // The URL travels in the environment, not the arguments, so a password never shows in `ps`.
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(stderr.trim() || error.message));
        return;
      }
      const { applied } = JSON.parse(stdout) as { applied: string[] };
      resolve({ applied });
    });
  });
}

/** The engine's message without anything a person cannot act on (a wasm trace, a Rust span). */
function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return line.replace(/\s+at wasm:\/\/.*$/, '').trim();
}

/**
 * Applies the pending migrations (prisma/migrations for SQLite, prisma/postgresql/migrations for
 * PostgreSQL, unless told otherwise) as `prisma migrate deploy` does, with the same
 * `_prisma_migrations` bookkeeping, so the CLI's `migrate status` agrees afterwards. A SQLite
 * file and its folder are created when missing; a relative `file:` URL is read from the working
 * directory, as Prisma reads it.
 *
 * The history is read first, and the schema engine runs only when something is pending: on
 * SQLite the engine locks the file for itself, which it cannot do while a bot is running, and an
 * operator's `npm run job` or a second `npm start` during a restart must work beside one. When
 * migrations are pending and the file is busy, the engine is tried again until `busyWaitMs`.
 *
 * The schema engine runs in a child process because it is an ES module around WebAssembly, which
 * neither the compiled CommonJS nor jest can load in-process.
 */
export async function migrateDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const root = projectRoot();
  const postgres = providerOf(databaseUrl) === 'postgresql';
  const defaultDir = postgres ? path.join(root, 'prisma', 'postgresql', 'migrations') : path.join(root, 'prisma', 'migrations');
  const migrationsDir = path.resolve(options.migrationsDir ?? defaultDir);

  let state: { pending: string[]; failed: string[] };
  try {
    state = await pendingMigrations(databaseUrl, migrationsDir);
  } catch (error) {
    throw new DatabaseSetupError(describeDatabaseFailure(databaseUrl, error));
  }
  if (state.pending.length === 0 && state.failed.length === 0) return { applied: [] };

  const deadline = Date.now() + (options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS);
  let told = false;
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      return await runEngine(root, databaseUrl, migrationsDir);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isBusy(message)) throw new DatabaseSetupError(`Database migration failed: ${firstLine(message)}`);
      if (Date.now() + delayMs > deadline) {
        throw new DatabaseSetupError(
          `The database ${where(databaseUrl)} is in use by another process (a running bot?) and ${state.pending.length} ` +
            `migration(s) need it to themselves (${state.pending.join(', ')}): stop the other process, then start again.`,
        );
      }
      if (!told) {
        told = true;
        options.onWait?.(`the database is busy; waiting up to ${Math.round((deadline - Date.now()) / 1000)} s to apply ${state.pending.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The database as an operator recognises it: the file, or host/database (never a password). */
export function where(databaseUrl: string): string {
  if (providerOf(databaseUrl) === 'sqlite') return path.resolve(sqliteFilePath(databaseUrl));
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'named by DATABASE_URL';
  }
}

/**
 * One line saying what went wrong with the database and what to do about it, for errors met
 * while opening it (a server that is down, a file that cannot be read, a wrong password).
 */
export function describeDatabaseFailure(databaseUrl: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const at = where(databaseUrl);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `Cannot reach the database at ${at} (connection refused): is PostgreSQL running, and is DATABASE_URL right?`;
  }
  if (code === 'ENOTFOUND' || /ENOTFOUND|getaddrinfo/.test(message)) {
    return `Cannot find the database host in DATABASE_URL (${at}): check the host name.`;
  }
  if (code === '28P01' || code === '28000' || /password authentication failed|no pg_hba\.conf entry/.test(message)) {
    return `The database at ${at} refused the login: check the user and password in DATABASE_URL.`;
  }
  if (code === '3D000' || /database ".*" does not exist/.test(message)) {
    return `The database ${at} does not exist: create it (createdb), or fix the name in DATABASE_URL.`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES' || /unable to open database|EACCES|permission denied/i.test(message)) {
    return `Cannot open the SQLite database ${at}: check that its folder exists and is writable by this user.`;
  }
  if (code === 'SQLITE_NOTADB' || /file is not a database/.test(message)) {
    return `${at} is not a SQLite database: point DATABASE_URL at the bot's database file.`;
  }
  if (isBusy(message) || code === 'SQLITE_BUSY') {
    return `The database ${at} stayed locked by another process: try again in a moment.`;
  }
  return `The database ${at} could not be used: ${firstLine(message)}`;
}
