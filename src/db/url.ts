// What a DATABASE_URL names, without opening anything: shared by the client, the migrations and
// the messages an operator reads.

export type Provider = 'sqlite' | 'postgresql';

/** `postgresql://` or `postgres://` (any case) selects PostgreSQL; anything else is a SQLite file. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function providerOf(databaseUrl: string): Provider {
  return POSTGRES_URL.test(databaseUrl) ? 'postgresql' : 'sqlite';
}

/** The SQLite file a `file:` URL names, relative to the working directory as Prisma reads it. */
export function sqliteFilePath(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, '').replace(/\?.*$/, '');
}
