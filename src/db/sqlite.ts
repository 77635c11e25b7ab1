import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type Transaction,
} from '@prisma/driver-adapter-utils';

/** A first-come, first-served lock over the one SQLite connection. */
class Gate {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}

const NO_ARGS = { args: [], argTypes: [] };

/**
 * The app's one SQLite connection, shared by concurrent handlers and the delivery worker.
 *
 * - A query outside a transaction waits while a transaction is open. On a single connection it
 *   would otherwise run inside that transaction, and a rollback there (a refused click) would
 *   silently undo it: a delivery claimed or marked sent, then posted again.
 * - A transaction takes the write lock as it begins (BEGIN IMMEDIATE). SQLite cannot make a
 *   transaction that has already read wait for another connection's write lock (an operator's
 *   `npm run job`, a backup): it fails at once whatever the busy timeout. Taken at BEGIN, the lock
 *   is waited for like any other.
 *
 * Code inside a transaction must use its `tx`: a query on the client itself would wait for the
 * transaction it is part of.
 */
class GatedSqliteAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  readonly getConnectionInfo?: SqlDriverAdapter['getConnectionInfo'];
  private readonly gate = new Gate();

  constructor(private readonly inner: SqlDriverAdapter) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    if (inner.getConnectionInfo) this.getConnectionInfo = () => inner.getConnectionInfo!();
  }

  queryRaw(query: SqlQuery) {
    return this.gate.run(() => this.inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery) {
    return this.gate.run(() => this.inner.executeRaw(query));
  }

  executeScript(script: string) {
    return this.gate.run(() => this.inner.executeScript(script));
  }

  dispose() {
    return this.gate.run(() => this.inner.dispose());
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel && isolationLevel !== 'SERIALIZABLE') {
      throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    }
    const release = await this.gate.acquire();
    try {
      await this.inner.executeRaw({ sql: 'BEGIN IMMEDIATE', ...NO_ARGS });
    } catch (error) {
      release();
      throw error;
    }
    const inner = this.inner;
    let open = true;
    const end = async () => {
      if (!open) return;
      open = false;
      release();
    };
    // Prisma sends COMMIT or ROLLBACK itself (no phantom query), then calls commit()/rollback().
    return {
      provider: this.provider,
      adapterName: this.adapterName,
      options: { usePhantomQuery: false },
      queryRaw: (query) => inner.queryRaw(query),
      executeRaw: (query) => inner.executeRaw(query),
      commit: end,
      rollback: end,
      createSavepoint: async (name) => void (await inner.executeRaw({ sql: `SAVEPOINT ${name}`, ...NO_ARGS })),
      rollbackToSavepoint: async (name) => void (await inner.executeRaw({ sql: `ROLLBACK TO ${name}`, ...NO_ARGS })),
      releaseSavepoint: async (name) => void (await inner.executeRaw({ sql: `RELEASE SAVEPOINT ${name}`, ...NO_ARGS })),
    };
  }
}

/** The parts of a better-sqlite3 statement the Prisma adapter uses. */
interface Statement {
  readonly reader: boolean;
  run(...args: unknown[]): unknown;
  columns(): unknown[];
  raw(toggle?: boolean): Statement;
  all(...args: unknown[]): unknown[];
  bind(...args: unknown[]): unknown;
}

interface Connection {
  prepare(sql: string): Statement;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Keeps the connection's prepared statements and reuses them. The Prisma adapter prepares every
 * statement anew (`prepare(sql).bind(args)`), and compiling SQL was about a tenth of the bot's
 * CPU under load, for the same few dozen statements over and over. better-sqlite3 lets a
 * statement be bound only once, so the cached one is handed out behind a small object that
 * passes the arguments with each call instead; everything else the adapter does is unchanged.
 */
export function cacheStatements(connection: Connection, size = STATEMENT_CACHE_SIZE): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, Statement>();
  connection.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      // Least recently used goes first: re-inserting marks this one as just used.
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    const cached = statement;
    return {
      reader: cached.reader,
      bind: (args: unknown[]) => ({
        reader: cached.reader,
        run: () => cached.run(args),
        columns: () => cached.columns(),
        raw: () => ({ all: () => cached.raw(true).all(args) }),
      }),
      // Anything else the adapter might call goes to the statement itself.
      run: (...args: unknown[]) => cached.run(...args),
      columns: () => cached.columns(),
      raw: (toggle?: boolean) => cached.raw(toggle),
      all: (...args: unknown[]) => cached.all(...args),
    } as Statement;
  };
}

/** Wraps a SQLite driver adapter factory so every connection it makes is gated as above. */
export function gatedSqlite<F extends SqlDriverAdapterFactory>(factory: F): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      // The better-sqlite3 adapter keeps its connection as `client`; anything else is left as is.
      const connection = (adapter as { client?: Partial<Connection> }).client;
      if (typeof connection?.prepare === 'function') cacheStatements(connection as Connection);
      return new GatedSqliteAdapter(adapter);
    },
  };
}
