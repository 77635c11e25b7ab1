// Data access lives behind the services: no file in src/ outside db/ and services/ queries the
// database, and every transaction goes through the retry wrapper (src/db/transaction.ts).
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');
const rel = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(at);
    return entry.name.endsWith('.ts') ? [at] : [];
  });
}

/** The Prisma client's model properties, from the schema (`model TimelineEvent` → `timelineEvent`). */
const MODELS = [...fs.readFileSync(path.join(__dirname, '..', 'prisma', 'schema.prisma'), 'utf8').matchAll(/^model (\w+) \{/gm)].map(
  (m) => m[1]![0]!.toLowerCase() + m[1]!.slice(1),
);
const OPERATIONS =
  'findMany|findFirst|findFirstOrThrow|findUnique|findUniqueOrThrow|create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany|count|aggregate|groupBy';
const QUERIES: Array<[string, RegExp]> = [
  ['a Prisma model call', new RegExp(`\\.(?:${MODELS.join('|')})\\s*\\.\\s*(?:${OPERATIONS})\\s*\\(`, 'g')],
  ['$transaction', /\.\s*\$transaction\s*\(/g],
  ['a raw query', /\.\s*\$(?:queryRaw|executeRaw)\w*/g],
];

/** What a file does to the database, line by line (comments left out: they may name a query). */
function queriesIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  const found: string[] = [];
  for (const [what, pattern] of QUERIES) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split('\n').length;
      found.push(`line ${line}: ${what} (${match[0]})`);
    }
  }
  return found;
}

describe('data access', () => {
  const files = sources(SRC);

  it('reads the schema and finds the queries the services make (the scan can see a query)', () => {
    expect(MODELS).toEqual(expect.arrayContaining(['mistake', 'timelineEvent', 'delivery', 'scheduledRun', 'interaction']));
    expect(queriesIn(fs.readFileSync(path.join(SRC, 'services', 'outbox.ts'), 'utf8')).length).toBeGreaterThan(5);
    expect(queriesIn('await this.db.delivery\n  .updateMany({ where: {} });')).toHaveLength(1);
    expect(queriesIn('await db.$transaction((tx) => tx.mistake.count());')).toHaveLength(2);
    expect(queriesIn('await db.$queryRawUnsafe("SELECT 1"); // db.mistake.count()')).toHaveLength(1);
    expect(queriesIn('const rows = await this.db.$queryRaw`SELECT 1`;')).toHaveLength(1);
    expect(queriesIn("type Tx = Omit<Db, '$transaction'>;")).toEqual([]);
  });

  it('happens only in src/db and src/services', () => {
    const outside = files.filter((f) => !/^(db|services)\//.test(rel(f)));
    expect(outside.length).toBeGreaterThan(20);
    const offenders = outside.flatMap((f) => queriesIn(fs.readFileSync(f, 'utf8')).map((q) => `${rel(f)} ${q}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the row types of the database in src/db and src/services: the rest gets plain shapes', () => {
    const importers = files.filter((f) => /from '[./]*\/generated\/prisma/.test(fs.readFileSync(f, 'utf8'))).map(rel);
    expect(importers).toContain('services/records.ts');
    expect(importers.filter((f) => !/^(db|services)\//.test(f))).toEqual([]);
  });

  it('opens every transaction through the retry wrapper', () => {
    const opened = files.flatMap((f) =>
      queriesIn(fs.readFileSync(f, 'utf8'))
        .filter((q) => q.includes('$transaction'))
        .map(() => rel(f)),
    );
    expect(opened).toEqual(['db/transaction.ts']);
  });
});
