import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ENGINE = path.join('scripts', 'schema-engine.mjs');

/** The project root: the nearest folder above this file that holds the schema engine script. */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ENGINE))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`Cannot find ${ENGINE} above ${__dirname}`);
  }
}

/**
 * Applies the pending migrations (prisma/migrations for SQLite, prisma/postgresql/migrations for
 * PostgreSQL, unless told otherwise) to the database, as
 * `prisma migrate deploy` does and with the same `_prisma_migrations` bookkeeping, so the CLI's
 * `migrate status` agrees afterwards. A SQLite file and its folder are created when missing; a
 * relative `file:` URL is read from the working directory, as Prisma reads it.
 *
 * The schema engine runs in a child process because it is an ES module around WebAssembly, which
 * neither the compiled CommonJS nor jest can load in-process.
 */
export async function migrateDatabase(
  databaseUrl: string,
  options: { migrationsDir?: string } = {},
): Promise<{ applied: string[] }> {
  const root = projectRoot();
  const defaultDir = /^postgres(ql)?:\/\//i.test(databaseUrl)
    ? path.join(root, 'prisma', 'postgresql', 'migrations')
    : path.join(root, 'prisma', 'migrations');
  const migrationsDir = path.resolve(options.migrationsDir ?? defaultDir);
  const args = [path.join(root, ENGINE), 'apply', '--migrations', migrationsDir];
  // The URL travels in the environment, not the arguments, so a password never shows in `ps`.
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`Database migration failed: ${stderr.trim() || error.message}`));
        return;
      }
      const { applied } = JSON.parse(stdout) as { applied: string[] };
      resolve({ applied });
    });
  });
}
