import { fileGuardOf, type Db, type FileStatus } from './client';

/** What /healthz says about the database. */
export interface DatabaseReport {
  /** Reads answer and writes succeed. */
  ok: boolean;
  database: 'reachable' | 'unreachable';
  /**
   * Whether a write succeeds right now: `busy` while another process holds SQLite's lock longer
   * than a request may wait, `failing` when the database refuses writes (read-only, disk full, a
   * read-only PostgreSQL), `refused` when the bot refuses them itself (its SQLite file is gone).
   */
  writes: 'ok' | 'busy' | 'failing' | 'refused';
  /** SQLite: whether the configured path still leads to the file the bot has open. */
  file?: FileStatus;
  /** The database's own words for what failed. */
  error?: string;
}

// A load balancer may ask every second; one probe answers the requests of a moment.
const CACHE_MS = 1000;

function short(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? text).slice(0, 300);
}

/** Asks the database something, so a wrong file or a server that is down shows now. */
export async function assertAnswers(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}

/**
 * The health check's view of the database: a read, and a real write (the identity row's
 * checkedAt), since a database that answers SELECT 1 may still refuse every change.
 */
export class DatabaseHealth {
  private last: { at: number; report: Promise<DatabaseReport> } | null = null;

  constructor(private readonly db: Db) {}

  check(): Promise<DatabaseReport> {
    const now = Date.now();
    if (this.last && now - this.last.at < CACHE_MS) return this.last.report;
    const report = this.probe();
    this.last = { at: now, report };
    return report;
  }

  private async probe(): Promise<DatabaseReport> {
    const guard = fileGuardOf(this.db);
    const file = guard?.check();
    try {
      await assertAnswers(this.db);
    } catch (error) {
      return { ok: false, database: 'unreachable', writes: 'failing', ...(file ? { file } : {}), error: short(error) };
    }
    if (file && file !== 'ok') {
      return { ok: false, database: 'reachable', writes: 'refused', file, error: guard!.reason ?? undefined };
    }
    try {
      const written = await this.db.databaseIdentity.updateMany({ where: { id: 1 }, data: { checkedAt: new Date() } });
      if (written.count === 0) throw new Error('the database has no identity row: it was emptied while the bot was running');
      return { ok: true, database: 'reachable', writes: 'ok', ...(file ? { file } : {}) };
    } catch (error) {
      const message = short(error);
      const writes = /database is locked|SQLITE_BUSY/i.test(message) ? 'busy' : 'failing';
      return { ok: false, database: 'reachable', writes, ...(file ? { file } : {}), error: message };
    }
  }
}
