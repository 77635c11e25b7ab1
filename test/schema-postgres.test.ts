import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const sqliteSchema = path.join(root, 'prisma', 'schema.prisma');
const postgresSchema = path.join(root, 'prisma', 'postgresql', 'schema.prisma');

/** Each model block, keyed by name, with comments and blank lines left out. */
function models(file: string): Map<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const found = new Map<string, string>();
  for (const match of text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const body = match[2]!
      .split('\n')
      .map((line) =>
        line
          .replace(/\/\/.*$/, '')
          .trim()
          .replace(/\s+/g, ' '),
      )
      .filter(Boolean)
      .join('\n');
    found.set(match[1]!, body);
  }
  return found;
}

describe('the PostgreSQL schema', () => {
  it('has exactly the models of the SQLite schema, field for field', () => {
    const sqlite = models(sqliteSchema);
    const postgres = models(postgresSchema);
    expect(sqlite.size).toBeGreaterThanOrEqual(10);
    expect([...postgres.keys()].sort()).toEqual([...sqlite.keys()].sort());
    for (const [name, body] of sqlite) expect({ model: name, body: postgres.get(name) }).toEqual({ model: name, body });
  });

  it('is the one the generator derives from the SQLite schema (never edited by hand)', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'postgres-schema.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

const pgIt = process.env.TEST_POSTGRES_URL ? it : it.skip;

describe('prisma/postgresql/schema.prisma and prisma/postgresql/migrations', () => {
  pgIt('agree: applying the migrations gives exactly the schema', () => {
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, 'scripts', 'prisma.mjs'),
        'migrate',
        'diff',
        '--config',
        'prisma.postgresql.config.ts',
        '--from-migrations',
        path.join(root, 'prisma', 'postgresql', 'migrations'),
        '--to-schema',
        postgresSchema,
        '--exit-code',
      ],
      { cwd: root, env: { ...process.env, DATABASE_URL: process.env.TEST_POSTGRES_URL }, encoding: 'utf8' },
    );
    // On failure: DATABASE_URL=postgresql://... npm run prisma -- migrate dev --config prisma.postgresql.config.ts --name <change>
    expect(`${result.stdout}${result.stderr}`).toContain('No difference detected');
    expect(result.status).toBe(0);
  });
});
