import { Prisma } from '../generated/prisma/client';
import type { Db, Tx } from './client';
import { urgentTransaction } from './sqlite';

const OPTIONS = { maxWait: 10_000, timeout: 15_000 };
const ATTEMPTS = 3;

/** PostgreSQL gave up on a transaction because of another one (a deadlock or a write conflict). */
function isTransient(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2034') return true;
    const cause = JSON.stringify(error.meta ?? {});
    return /40P01|40001|deadlock/i.test(cause);
  }
  return error instanceof Error && /deadlock detected|could not serialize/i.test(error.message);
}

/**
 * Runs `work` in an interactive transaction, and runs it again (from a fresh read) when the
 * database aborted it only because a concurrent transaction got in the way. Everything `work`
 * does is inside the transaction, so a second run never doubles anything.
 */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
  const settings = options.urgent ? { ...OPTIONS, ...urgentTransaction(db) } : OPTIONS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work, settings);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}

/**
 * `inTransaction` for a change someone is waiting on (a report, before Slack gets its answer): on
 * SQLite's one connection it goes before the work queued there (see URGENT in ./sqlite).
 */
export function inUrgentTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(db, work, { urgent: true });
}
