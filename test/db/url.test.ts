// One reading of DATABASE_URL: the app's, and the schema engine script's copy of it, which runs
// before the app is built and so cannot import it.
import fs from 'node:fs';
import path from 'node:path';
import { POSTGRES_URL, providerOf, sqliteFilePath } from '../../src/db/url';

it('tells PostgreSQL from SQLite', () => {
  expect(providerOf('postgresql://bot@db:5432/mistakes')).toBe('postgresql');
  expect(providerOf('postgres://bot@db/mistakes?schema=x')).toBe('postgresql');
  expect(providerOf('PostgreSQL://bot@db/mistakes')).toBe('postgresql');
  expect(providerOf('file:./data/mistakes.db')).toBe('sqlite');
  expect(providerOf('mysql://bot@db/mistakes')).toBe('sqlite');
  expect(sqliteFilePath('file:./data/mistakes.db?connection_limit=1')).toBe('./data/mistakes.db');
});

it("is the schema engine script's rule too", () => {
  const script = fs.readFileSync(path.resolve(__dirname, '..', '..', 'scripts', 'schema-engine.mjs'), 'utf8');
  const copy = /const isPostgres = \(url\) => (\/.*\/i)\.test\(url\);/.exec(script)?.[1];
  expect(copy).toBe(String(POSTGRES_URL));
});
