import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';

export interface TestDb {
  db: Db;
  url: string;
  file: string;
  close(): Promise<void>;
}

/** A fresh, migrated SQLite file for one test file (copied from the run's template). */
export async function freshSqlite(): Promise<TestDb> {
  const template = process.env.TEST_TEMPLATE_DB;
  if (!template) throw new Error('TEST_TEMPLATE_DB is not set: run the tests through jest (npm test).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-db-'));
  const file = path.join(dir, 'test.db');
  fs.copyFileSync(template, file);
  const url = `file:${file}`;
  const db = await createDb(url);
  return {
    db,
    url,
    file,
    async close() {
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, migrated PostgreSQL schema (on the server TEST_POSTGRES_URL names) for one test or
 * file; `close` drops it.
 */
export async function freshPostgres(): Promise<TestDb> {
  const base = process.env.TEST_POSTGRES_URL;
  if (!base) throw new Error('TEST_POSTGRES_URL is not set');
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  await migrateDatabase(url.toString());
  const db = await createDb(url.toString());
  return {
    db,
    url: url.toString(),
    file: schema,
    async close() {
      await db.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.$disconnect();
    },
  };
}

/** The databases a suite runs on: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set. */
export const DATABASES: Array<[string, () => Promise<TestDb>]> = [
  ['SQLite', freshSqlite],
  ...(process.env.TEST_POSTGRES_URL ? [['PostgreSQL', freshPostgres] as [string, () => Promise<TestDb>]] : []),
];
