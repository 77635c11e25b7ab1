import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../src/db/client';

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
