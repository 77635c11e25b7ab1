// Migrations beside a running bot: the history is read first and the schema engine (which wants a
// SQLite file to itself) runs only when something is pending; a busy file is waited for, within a
// bound; every failure is one line an operator can act on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseSetupError, migrateDatabase, pendingMigrations } from '../../src/db/migrate';

const migrationsDir = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-migrate-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A migrated database file, copied from the run's template. */
function migratedFile(): string {
  const file = path.join(tmp, 'bot.db');
  fs.copyFileSync(process.env.TEST_TEMPLATE_DB!, file);
  return file;
}

/** Holds the file the way a running bot does: a WAL connection that has read from it. */
function holdLikeABot(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.prepare('SELECT count(*) FROM "Mistake"').get();
  return db;
}

/** The real migrations plus one more, as a new release would bring. */
function migrationsWithOneMore(): { dir: string; added: string } {
  const dir = path.join(tmp, 'migrations');
  fs.cpSync(migrationsDir, dir, { recursive: true });
  const added = '29990101000000_probe';
  fs.mkdirSync(path.join(dir, added));
  fs.writeFileSync(path.join(dir, added, 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
  return { dir, added };
}

it('has nothing to do beside a running bot when nothing is pending, without touching the schema engine', async () => {
  const file = migratedFile();
  const bot = holdLikeABot(file);
  try {
    expect(await pendingMigrations(`file:${file}`, migrationsDir)).toEqual({ pending: [], failed: [] });
    expect(await migrateDatabase(`file:${file}`)).toEqual({ applied: [] });
    // The bot's connection still works: nothing was locked or rewritten under it.
    expect(bot.prepare('SELECT count(*) AS n FROM "Mistake"').get()).toEqual({ n: 0 });
  } finally {
    bot.close();
  }
});

it('waits for a busy file and then applies what is pending', async () => {
  const file = migratedFile();
  const { dir, added } = migrationsWithOneMore();
  const bot = holdLikeABot(file);
  const told: string[] = [];
  const migrating = migrateDatabase(`file:${file}`, { migrationsDir: dir, busyWaitMs: 60_000, onWait: (m) => told.push(m) });
  // The old process goes away while the new one waits (a rolling restart).
  const released = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (told.length === 0) return;
      clearInterval(check);
      bot.close();
      resolve();
    }, 20);
  });
  await released;
  expect(await migrating).toEqual({ applied: [added] });
  expect(told).toHaveLength(1);
  expect(told[0]).toMatch(/the database is busy; waiting up to \d+ s to apply 29990101000000_probe/);
  expect(await pendingMigrations(`file:${file}`, dir)).toEqual({ pending: [], failed: [] });
});

it('gives up on a file that stays busy with one line saying what to do', async () => {
  const file = migratedFile();
  const { dir } = migrationsWithOneMore();
  const bot = holdLikeABot(file);
  try {
    const failure = await migrateDatabase(`file:${file}`, { migrationsDir: dir, busyWaitMs: 1500 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DatabaseSetupError);
    const message = (failure as Error).message;
    expect(message).toBe(
      `The database ${file} is in use by another process (a running bot?) and 1 migration(s) need it to themselves ` +
        '(29990101000000_probe): stop the other process, then start again.',
    );
    expect((failure as Error).stack).not.toMatch(/wasm|\n\s+at /);
    // Nothing was half-applied.
    expect(await pendingMigrations(`file:${file}`, dir)).toEqual({ pending: ['29990101000000_probe'], failed: [] });
  } finally {
    bot.close();
  }
});

it('says in one line that a PostgreSQL server cannot be reached', async () => {
  const failure = migrateDatabase('postgresql://postgres@127.0.0.1:1/nowhere');
  await expect(failure).rejects.toBeInstanceOf(DatabaseSetupError);
  await expect(failure).rejects.toThrow(
    'Cannot reach the database at 127.0.0.1:1/nowhere (connection refused): is PostgreSQL running, and is DATABASE_URL right?',
  );
});

it('says in one line that a file is not a SQLite database, and leaves it alone', async () => {
  const file = path.join(tmp, 'notes.txt');
  fs.writeFileSync(file, 'These are my notes, not a database. '.repeat(200));
  const before = fs.readFileSync(file);
  await expect(migrateDatabase(`file:${file}`)).rejects.toThrow(`${file} is not a SQLite database: point DATABASE_URL at the bot's database file.`);
  expect(fs.readFileSync(file)).toEqual(before);
});
