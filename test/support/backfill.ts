// Testing a migration's backfill: the database as it was before the migration, on SQLite and
// (when TEST_POSTGRES_URL is set) on PostgreSQL in a schema of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';

const root = path.resolve(__dirname, '..', '..');

/** A copy of a migrations folder without the migration whose name ends in `_${migration}`. */
export function migrationsBefore(dir: string, tmp: string, migration: string): string {
  const target = path.join(tmp, 'migrations');
  fs.mkdirSync(target);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.endsWith(`_${migration}`)) continue;
    fs.cpSync(path.join(dir, entry.name), path.join(target, entry.name), { recursive: true });
  }
  return target;
}

export interface BackfillTarget {
  url: string;
  /** The provider's migrations folder. */
  dir: string;
  drop: () => Promise<void>;
}

/** For `describe.each`: each database the backfill is tested on, as a name and a fresh empty database. */
export const BACKFILL_DATABASES: Array<[string, () => Promise<BackfillTarget>]> = [
  [
    'SQLite',
    async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backfill-'));
      return {
        url: `file:${path.join(tmp, 'db.sqlite')}`,
        dir: path.join(root, 'prisma', 'migrations'),
        drop: async () => fs.rmSync(tmp, { recursive: true, force: true }),
      };
    },
  ],
  ...(process.env.TEST_POSTGRES_URL
    ? [
        [
          'PostgreSQL',
          async () => {
            const url = new URL(process.env.TEST_POSTGRES_URL!);
            const schema = `backfill_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
            url.searchParams.set('schema', schema);
            return {
              url: url.toString(),
              dir: path.join(root, 'prisma', 'postgresql', 'migrations'),
              drop: async () => {
                const db = await createDb(url.toString());
                await db.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
                await db.$disconnect();
              },
            };
          },
        ] as [string, () => Promise<BackfillTarget>],
      ]
    : []),
];

/**
 * The database as it was before `migration`, written by `seed`, then migrated up to date (the
 * migration among those applied) and handed to `check`; removed afterwards.
 */
export async function afterMigration(
  make: () => Promise<BackfillTarget>,
  migration: string,
  seed: (db: Db) => Promise<void>,
  check: (db: Db) => Promise<void>,
): Promise<void> {
  const target = await make();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backfill-dir-'));
  try {
    await migrateDatabase(target.url, { migrationsDir: migrationsBefore(target.dir, tmp, migration) });
    const before = await createDb(target.url);
    await seed(before);
    await before.$disconnect();

    const { applied } = await migrateDatabase(target.url, { migrationsDir: target.dir });
    expect(applied.some((name) => name.endsWith(`_${migration}`))).toBe(true);

    const db = await createDb(target.url);
    try {
      await check(db);
    } finally {
      await db.$disconnect();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await target.drop();
  }
}
