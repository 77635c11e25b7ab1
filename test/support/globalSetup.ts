import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../src/db/migrate';

/**
 * Migrates one template SQLite database for the whole run; each test file copies it, so every
 * file gets a fresh database made by the real migrations without paying for them each time.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-test-'));
  const file = path.join(dir, 'template.db');
  await migrateDatabase(`file:${file}`);
  process.env.TEST_TEMPLATE_DB = file;
  // Bots the tests start note their databases here, not in the home folder of whoever runs them.
  process.env.STATE_DIR = path.join(dir, 'state');
}
