import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { gatedSqlite, URGENT, urgentTransaction } from '../../src/db/sqlite';
import { nextTurn } from '../../src/eventLoop';
import { freshSqlite } from '../support/db';

/** A driver that notes the order statements reach it and answers at once. */
function recordingFactory(): { factory: SqlDriverAdapterFactory; ran: string[] } {
  const ran: string[] = [];
  const answer = (query: SqlQuery) => {
    ran.push(query.sql);
    return Promise.resolve({ columnNames: [], columnTypes: [], rows: [] });
  };
  const inner = {
    provider: 'sqlite',
    adapterName: 'recording',
    queryRaw: answer,
    executeRaw: (query: SqlQuery) => answer(query).then(() => 0),
    executeScript: () => Promise.resolve(),
    startTransaction: () => Promise.reject(new Error('not used')),
    dispose: () => Promise.resolve(),
  } as unknown as SqlDriverAdapter;
  const factory = {
    provider: 'sqlite',
    adapterName: 'recording',
    connect: () => Promise.resolve(inner),
  } as unknown as SqlDriverAdapterFactory;
  return { factory, ran };
}

const query = (sql: string): SqlQuery => ({ sql, args: [], argTypes: [] });

/**
 * Ends the transaction holding the connection once everything queued behind it is waiting (the
 * unmarked ones first let the event loop turn), then waits for all of it.
 */
async function endHolder(tx: Transaction, queued: Array<Promise<unknown>>): Promise<void> {
  await nextTurn();
  await tx.executeRaw(query('UPDATE held SET y = 1'));
  await tx.commit();
  await Promise.all(queued);
}

describe('the SQLite connection gate', () => {
  it('serves a statement marked urgent before the ones queued earlier, and the rest in their order', async () => {
    const { factory, ran } = recordingFactory();
    const adapter = await gatedSqlite(factory).connect();
    // A transaction holds the connection while the others queue.
    const tx = await adapter.startTransaction();
    const queued = [
      adapter.queryRaw(query('SELECT 1')),
      adapter.executeRaw(query('UPDATE a SET x = 1')),
      adapter.queryRaw(query(`${URGENT} INSERT INTO i VALUES (1)`)),
      adapter.queryRaw(query('SELECT 2')),
      adapter.queryRaw(query(`${URGENT} INSERT INTO i VALUES (2)`)),
    ];
    await endHolder(tx, queued);
    expect(ran).toEqual([
      'BEGIN IMMEDIATE',
      'UPDATE held SET y = 1',
      `${URGENT} INSERT INTO i VALUES (1)`,
      `${URGENT} INSERT INTO i VALUES (2)`,
      'SELECT 1',
      'UPDATE a SET x = 1',
      'SELECT 2',
    ]);
  });

  it('serves a transaction marked urgent before the work queued earlier, a waiting transaction included', async () => {
    const { factory, ran } = recordingFactory();
    const adapter = await gatedSqlite(factory).connect();
    const tx = await adapter.startTransaction();
    const inTransaction = (isolation: 'SERIALIZABLE' | undefined, sql: string) =>
      adapter.startTransaction(isolation).then(async (t) => {
        await t.executeRaw(query(sql));
        await t.commit();
      });
    const queued = [
      adapter.executeRaw(query('UPDATE a SET x = 1')),
      inTransaction(undefined, 'UPDATE other SET z = 1'),
      inTransaction('SERIALIZABLE', 'INSERT INTO report VALUES (1)'),
    ];
    await endHolder(tx, queued);
    expect(ran).toEqual([
      'BEGIN IMMEDIATE',
      'UPDATE held SET y = 1',
      'BEGIN IMMEDIATE',
      'INSERT INTO report VALUES (1)',
      'UPDATE a SET x = 1',
      'BEGIN IMMEDIATE',
      'UPDATE other SET z = 1',
    ]);
  });

  it('marks transactions urgent only on a gated SQLite connection', async () => {
    const t = await freshSqlite();
    try {
      expect(urgentTransaction(t.db)).toEqual({ isolationLevel: 'Serializable' });
      // Anything else (a PostgreSQL client) gets no option: there it would change the isolation.
      expect(urgentTransaction({})).toEqual({});
    } finally {
      await t.close();
    }
  });

  it('still refuses an urgent write once the file is gone, and lets a marked read through', async () => {
    const { factory, ran } = recordingFactory();
    const file = { lost: 'the database file was deleted' };
    const adapter = await gatedSqlite(factory, { file }).connect();
    await expect(Promise.resolve().then(() => adapter.queryRaw(query(`${URGENT} INSERT INTO i VALUES (1)`)))).rejects.toThrow('deleted');
    await adapter.queryRaw(query(`${URGENT} SELECT 1`));
    expect(ran).toEqual([`${URGENT} SELECT 1`]);
  });
});
