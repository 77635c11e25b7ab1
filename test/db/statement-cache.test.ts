import Database from 'better-sqlite3';
import { cacheStatements } from '../../src/db/sqlite';

function connection() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  (db as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  cacheStatements(db as never, 2);
  // The adapter's calls, exactly as it makes them.
  const run = (sql: string, args: unknown[]) => (db.prepare(sql) as any).bind(args).run();
  const rows = (sql: string, args: unknown[]) => {
    const stmt = (db.prepare(sql) as any).bind(args);
    return { reader: stmt.reader, columns: stmt.columns().map((c: { name: string }) => c.name), values: stmt.raw().all() };
  };
  return { db, prepared, run, rows };
}

describe('the SQLite statement cache', () => {
  it('prepares a statement once and binds fresh arguments on every use', () => {
    const c = connection();
    c.run('INSERT INTO t (name) VALUES (?)', ['a']);
    c.run('INSERT INTO t (name) VALUES (?)', ['b']);
    expect(c.rows('SELECT id, name FROM t WHERE name = ?', ['a'])).toEqual({ reader: true, columns: ['id', 'name'], values: [[1, 'a']] });
    expect(c.rows('SELECT id, name FROM t WHERE name = ?', ['b']).values).toEqual([[2, 'b']]);
    expect(c.prepared).toEqual(['INSERT INTO t (name) VALUES (?)', 'SELECT id, name FROM t WHERE name = ?']);
  });

  it('runs writes that return rows (INSERT … RETURNING) as the adapter reads them', () => {
    const c = connection();
    expect(c.rows('INSERT INTO t (name) VALUES (?) RETURNING id', ['x']).values).toEqual([[1]]);
    expect(c.rows('INSERT INTO t (name) VALUES (?) RETURNING id', ['y']).values).toEqual([[2]]);
    expect(c.run('UPDATE t SET name = ? WHERE id = ?', ['z', 2])).toMatchObject({ changes: 1 });
    expect(c.rows('SELECT name FROM t ORDER BY id', []).values).toEqual([['x'], ['z']]);
  });

  it('keeps only the most recently used statements', () => {
    const c = connection();
    const a = 'SELECT 1';
    const b = 'SELECT 2';
    const d = 'SELECT 3';
    c.rows(a, []);
    c.rows(b, []);
    c.rows(a, []); // a is now the most recent
    c.rows(d, []); // evicts b
    c.rows(a, []);
    c.rows(b, []); // prepared again
    expect(c.prepared).toEqual([a, b, d, b]);
  });

  it('reports SQL errors as before', () => {
    const c = connection();
    expect(() => c.run('INSERT INTO missing VALUES (?)', [1])).toThrow(/no such table/);
  });
});
