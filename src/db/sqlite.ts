import {
  DriverAdapterError,
  isDriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import { nextTurn } from '../eventLoop';

/**
 * How long one statement or transaction start may wait for SQLite's write lock while another
 * process (an operator's `npm run job`, a backup) holds it. Slack wants every answer within 3
 * seconds, and a click is stored before it is answered, so a wait longer than this is given up.
 */
export const BUSY_WAIT_MS = 2000;
// The first retry comes quickly (most locks are held for milliseconds), later ones less often.
const FIRST_RETRY_MS = 2;
const MAX_RETRY_MS = 50;

const SQLITE_BUSY = 5;
const SQLITE_READONLY = 8;

function isBusy(error: unknown): boolean {
  if (!isDriverAdapterError(error)) return false;
  const cause = error.cause as { kind?: string; originalCode?: string; extendedCode?: number };
  return (
    cause.kind === 'SocketTimeout' ||
    /^SQLITE_BUSY/.test(cause.originalCode ?? '') ||
    (cause.kind === 'sqlite' && ((cause.extendedCode ?? 0) & 0xff) === SQLITE_BUSY)
  );
}

function lockedFor(ms: number): DriverAdapterError {
  return new DriverAdapterError({
    kind: 'sqlite',
    extendedCode: SQLITE_BUSY,
    message: `database is locked: another process held it for more than ${ms} ms`,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A first-come, first-served lock over the one SQLite connection; a waiter gives up at its
 * deadline. Urgent waiters (a click being stored before Slack gets its answer) are served before
 * the others: a person is waiting on them, while the work queued behind (applying clicks, the
 * delivery worker) waits for no one. So that a stream of urgent ones cannot starve the rest, at
 * most URGENT_IN_A_ROW are served in a row while others wait.
 */
class Gate {
  private held = false;
  private urgentInARow = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly urgent: Array<() => void> = [];

  acquire(deadline = Number.POSITIVE_INFINITY, waitMs = 0, urgent = false): Promise<() => void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    const queue = urgent ? this.urgent : this.waiting;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = () => {
        if (timer) clearTimeout(timer);
        resolve(this.releaser());
      };
      queue.push(grant);
      if (Number.isFinite(deadline)) {
        timer = setTimeout(
          () => {
            const at = queue.indexOf(grant);
            if (at < 0) return;
            queue.splice(at, 1);
            reject(lockedFor(waitMs));
          },
          Math.max(0, deadline - Date.now()),
        );
      }
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const urgentTurn = this.urgent.length > 0 && (this.waiting.length === 0 || this.urgentInARow < URGENT_IN_A_ROW);
      this.urgentInARow = urgentTurn ? this.urgentInARow + 1 : 0;
      const next = urgentTurn ? this.urgent.shift() : this.waiting.shift();
      if (next) next();
      else this.held = false;
    };
  }
}

/** How many urgent statements are served in a row while others wait (see Gate). */
const URGENT_IN_A_ROW = 4;

const NO_ARGS = { args: [], argTypes: [] };

/** Statements that only read: everything else is a write, refused once the file is gone. */
const READ_ONLY = /^\s*(\/\*.*?\*\/\s*)?(SELECT|PRAGMA|EXPLAIN)\b/i;

/**
 * Marks a statement that stores what a person is waiting on (see `Gate`): it starts the SQL
 * text, so it reaches every driver unchanged and means nothing to the database.
 */
export const URGENT = '/* urgent */';

/**
 * Marks a transaction the same way, for the connection of a database made with `gatedSqlite`
 * (see `urgentTransaction`). The only option of a transaction that reaches the driver is its
 * isolation level, and every SQLite transaction is serializable: one that asks for it by name is
 * taken as urgent, and the others leave it unset. Never sent to PostgreSQL, where it would mean
 * what it says.
 */
const URGENT_ISOLATION = 'SERIALIZABLE';

const gatedDbs = new WeakSet<object>();

/** Notes that a client talks to a gated SQLite connection (createDb does, once it has made it). */
export function noteGated(db: object): void {
  gatedDbs.add(db);
}

/**
 * The transaction options that put a transaction in the urgent lane of `db`'s connection, or none
 * when it has no such lane (PostgreSQL, which has a pool of connections instead of one).
 */
export function urgentTransaction(db: object): { isolationLevel?: 'Serializable' } {
  return gatedDbs.has(db) ? { isolationLevel: 'Serializable' } : {};
}

/**
 * Shared between the connection and whoever watches its file: set when the database file was
 * deleted or replaced while the bot runs. From then on every write is refused with this reason,
 * so nothing is acknowledged into a file nobody will ever open again.
 */
export interface SqliteFileState {
  lost: string | null;
}

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
 * - Another process's lock is waited for here, not inside SQLite: better-sqlite3 waits out SQLite's
 *   busy timeout synchronously, on the event loop, so one locked write would freeze every request
 *   and the health check with it. SQLite's own timeout is 0; a busy statement is tried again with
 *   a growing pause that frees the connection (and the event loop) for the others, and is given
 *   up after BUSY_WAIT_MS.
 *
 * Code inside a transaction must use its `tx`: a query on the client itself would wait for the
 * transaction it is part of.
 */
class GatedSqliteAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  readonly getConnectionInfo?: SqlDriverAdapter['getConnectionInfo'];
  private readonly gate = new Gate();

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly file: SqliteFileState,
    private readonly busyWaitMs: number,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    if (inner.getConnectionInfo) this.getConnectionInfo = () => inner.getConnectionInfo!();
  }

  queryRaw(query: SqlQuery) {
    return this.run(() => this.inner.queryRaw(query), query.sql);
  }

  executeRaw(query: SqlQuery) {
    return this.run(() => this.inner.executeRaw(query), query.sql);
  }

  executeScript(script: string) {
    return this.run(() => this.inner.executeScript(script), null);
  }

  dispose() {
    return this.gate.acquire().then(async (release) => {
      try {
        return await this.inner.dispose();
      } finally {
        release();
      }
    });
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel && isolationLevel !== 'SERIALIZABLE') {
      throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    }
    this.refuseIfLost();
    const urgent = isolationLevel === URGENT_ISOLATION;
    // The event loop takes in what arrived (a click, a form) before a transaction or statement
    // nobody is waiting on. better-sqlite3 answers synchronously, so without it one change's
    // statements, the work between them and the next change's run one after the other as promise
    // continuations, and a request that arrived meanwhile is not even read until they are all
    // done. A transaction runs through once begun: it holds the connection, so a pause inside it
    // would only keep the urgent statements waiting longer.
    if (!urgent) await nextTurn();
    const release = await this.untilFree(async (held) => {
      await this.inner.executeRaw({ sql: 'BEGIN IMMEDIATE', ...NO_ARGS });
      return held;
    }, urgent);
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

  /** `sql` null: a script, taken as a write. */
  private async run<T>(work: () => Promise<T>, sql: string | null): Promise<T> {
    if (sql === null || !READ_ONLY.test(sql)) this.refuseIfLost();
    const urgent = sql?.startsWith(URGENT) ?? false;
    // As for a transaction (startTransaction).
    if (!urgent) await nextTurn();
    return this.untilFree(async (release) => {
      try {
        return await work();
      } finally {
        release();
      }
    }, urgent);
  }

  /**
   * Runs `attempt` holding the connection; while another process holds the database's lock it is
   * tried again with the connection released in between, until BUSY_WAIT_MS have passed.
   * `attempt` owns the release it is given (a transaction keeps it until it ends).
   */
  private async untilFree<T>(attempt: (release: () => void) => Promise<T>, urgent = false): Promise<T> {
    const deadline = Date.now() + this.busyWaitMs;
    for (let pause = FIRST_RETRY_MS; ; pause = Math.min(pause * 2, MAX_RETRY_MS)) {
      const release = await this.gate.acquire(deadline, this.busyWaitMs, urgent);
      try {
        return await attempt(release);
      } catch (error) {
        release();
        if (!isBusy(error)) throw error;
        if (Date.now() + pause >= deadline) throw lockedFor(this.busyWaitMs);
      }
      await sleep(pause);
    }
  }

  private refuseIfLost(): void {
    if (this.file.lost) {
      throw new DriverAdapterError({ kind: 'sqlite', extendedCode: SQLITE_READONLY, message: this.file.lost });
    }
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
  const columnsOf = new WeakMap<Statement, unknown[]>();
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
    // A prepared statement's columns do not change, and better-sqlite3 builds the list anew on
    // every call (the adapter asks on every query): kept with the statement.
    const columns = () => {
      const known = columnsOf.get(cached) ?? cached.columns();
      columnsOf.set(cached, known);
      return known;
    };
    return {
      reader: cached.reader,
      bind: (args: unknown[]) => ({
        reader: cached.reader,
        run: () => cached.run(args),
        columns,
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
export function gatedSqlite<F extends SqlDriverAdapterFactory>(
  factory: F,
  options: { file?: SqliteFileState; busyWaitMs?: number } = {},
): SqlDriverAdapterFactory {
  const file = options.file ?? { lost: null };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      // The better-sqlite3 adapter keeps its connection as `client`; anything else is left as is.
      const connection = (adapter as { client?: Partial<Connection> }).client;
      if (typeof connection?.prepare === 'function') cacheStatements(connection as Connection);
      return new GatedSqliteAdapter(adapter, file, options.busyWaitMs ?? BUSY_WAIT_MS);
    },
  };
}
