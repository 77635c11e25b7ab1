import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// The Prisma CLI reads the database from here (Prisma 7 keeps the URL out of schema.prisma).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/mistakes.db' },
});
