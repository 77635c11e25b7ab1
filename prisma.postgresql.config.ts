import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// The Prisma CLI's view of the PostgreSQL side (several replicas): `npm run prisma -- <command>
// --config prisma.postgresql.config.ts` with DATABASE_URL=postgresql://...
export default defineConfig({
  schema: 'prisma/postgresql/schema.prisma',
  migrations: { path: 'prisma/postgresql/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
