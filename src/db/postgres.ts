import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from '../generated/prisma-pg/client';
import type { Db } from './client';

/**
 * The PostgreSQL side: the same models through a client generated from the PostgreSQL copy of the
 * schema. A `?schema=` in the URL selects the schema, as the Prisma CLI reads it.
 */
export function createPostgresDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const adapter = new PrismaPg(
    {
      connectionString: url.toString(),
      max: options.poolSize ?? 10,
      // A server that does not answer at all must fail a request within Slack's 3 seconds, not hang it.
      connectionTimeoutMillis: 2000,
      // Raw queries (health checks, migrations' bookkeeping) see the same schema as the models.
      ...(schema ? { options: `-c search_path="${schema.replace(/"/g, '')}"` } : {}),
    },
    schema ? { schema } : undefined,
  );
  // Both clients are generated from one set of models (a test keeps the schemas identical), so
  // the PostgreSQL client has the very API the rest of the code is typed against.
  return new PostgresClient({ adapter }) as unknown as Db;
}
