import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrateDatabase } from '../src/db/migrate';

const root = path.resolve(__dirname, '..');
const migrationsDir = path.join(root, 'prisma', 'migrations');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-drift-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the project's Prisma CLI (through scripts/prisma.mjs) against a scratch SQLite file. */
function prisma(args: string[], databaseUrl = `file:${path.join(tmp, 'unused.db')}`) {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** What the migrations lack to produce the schema: exit code 0 when nothing, 2 when something. */
function driftCheck(schema: string) {
  return prisma(['migrate', 'diff', '--from-migrations', migrationsDir, '--to-schema', schema, '--exit-code']);
}

function migrationNames(): string[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('prisma/schema.prisma and prisma/migrations', () => {
  it('agree: applying the migrations gives exactly the schema', () => {
    const { status, output } = driftCheck(schemaPath);
    // On failure, add a migration: npm run prisma -- migrate dev --name <change>
    expect(output).toContain('No difference detected');
    expect(status).toBe(0);
  });

  it('the check reports a schema change that has no migration', () => {
    const changed = path.join(tmp, 'schema.prisma');
    const schema = fs.readFileSync(schemaPath, 'utf8');
    const withExtraField = schema.replace(/^model Mistake \{\n/m, '$&  driftProbe String?\n');
    expect(withExtraField).not.toBe(schema);
    fs.writeFileSync(changed, withExtraField);

    const { status, output } = driftCheck(changed);

    expect(output).toMatch(/Added column `driftProbe`/);
    expect(status).toBe(2);
  });
});

describe('migrateDatabase', () => {
  it('migrates a fresh SQLite file (creating its folder), then has nothing left to apply', async () => {
    const file = path.join(tmp, 'not', 'yet', 'there.db');
    const url = `file:${file}`;

    expect(await migrateDatabase(url)).toEqual({ applied: migrationNames() });
    expect(await migrateDatabase(url)).toEqual({ applied: [] });

    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name').all() as {
        migration_name: string;
        finished_at: string | null;
      }[];
      expect(rows.map((row) => row.migration_name)).toEqual(migrationNames());
      expect(rows.every((row) => row.finished_at !== null)).toBe(true);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Mistake'").get()).toBeTruthy();
    } finally {
      db.close();
    }

    // The Prisma CLI reads the same bookkeeping.
    const status = prisma(['migrate', 'status'], url);
    expect(status.output).toContain('Database schema is up to date!');
    expect(status.status).toBe(0);
  });

  it('rejects with a readable message when a migration fails', async () => {
    const broken = path.join(tmp, 'migrations');
    fs.mkdirSync(path.join(broken, '1_broken'), { recursive: true });
    fs.copyFileSync(path.join(migrationsDir, 'migration_lock.toml'), path.join(broken, 'migration_lock.toml'));
    fs.writeFileSync(path.join(broken, '1_broken', 'migration.sql'), 'CREATE TABLOE "Nope" (id INTEGER);');

    const failure = migrateDatabase(`file:${path.join(tmp, 'broken.db')}`, { migrationsDir: broken });

    await expect(failure).rejects.toThrow(/migration 1_broken: near "TABLOE": syntax error/);
    await expect(failure).rejects.not.toThrow(/\n\s+at /);
  });
});
