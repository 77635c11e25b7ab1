#!/usr/bin/env node
// A stand-in for Prisma's native schema-engine binary.
//
// The Prisma CLI runs every migration command (and checks for the engine even on `generate`)
// through a native binary it downloads from Prisma's servers. Where only the npm registry is
// reachable that download fails, so scripts/prisma.mjs points PRISMA_SCHEMA_ENGINE_BINARY here
// instead. This script speaks the binary's protocol (same argv, JSON-RPC over stdin/stdout, JSON
// log lines on stderr) and runs Prisma's own WebAssembly build of the same engine
// (@prisma/schema-engine-wasm), which reaches the database through Prisma's driver adapters.
//
//   schema-engine.mjs --version
//   schema-engine.mjs --datasource '{"url":...}' cli can-connect-to-database | create-database
//   schema-engine.mjs [--datamodels <schema.prisma>]... [--datasource '{"url":...}']   (JSON-RPC)
//   schema-engine.mjs apply --migrations <dir> [--url <url>]
//
// `apply` is this project's own: `migrate deploy` without the CLI, for src/db/migrate.ts. The
// database is --url or else DATABASE_URL (which keeps passwords out of the process list). It
// prints {"applied":[...]} on success, or the error message on stderr and exits with 1.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');

const NO_FILTER = { externalTables: [], externalEnums: [] };

const IN_MEMORY = 'file::memory:';
// The same rule as the app's (src/db/url.ts, which a test compares with this line): this program
// runs before the app is compiled (npm install, Prisma's CLI), so it cannot import it.
const isPostgres = (url) => /^postgres(ql)?:\/\//i.test(url);
// Prisma reads `file:` paths relative to the working directory and ignores the query string.
function sqliteFile(url) {
  const file = url.replace(/^file:/, '').replace(/\?.*$/, '');
  return file === ':memory:' ? file : path.resolve(file);
}
// Prisma's `?schema=` names the PostgreSQL schema; pg itself does not know the parameter.
function pgConfig(url) {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema, database: decodeURIComponent(u.pathname.slice(1)), host: u.host };
}

function logLine(level, fields, target = 'schema_engine_cli') {
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })}\n`);
}

// The engine reports the reason for a panic here before it traps with "unreachable".
let panicMessage;
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (message) => (panicMessage = message) };

// Node 20 cannot import the package's .wasm directly without a flag, so it is instantiated by hand
// (this is what the package's own schema_engine.js does under --experimental-wasm-modules).
let wasmEngine;
async function loadWasmEngine() {
  if (wasmEngine) return wasmEngine;
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bindings = await import(path.join(dir, 'schema_engine_bg.js'));
  const bytes = fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  wasmEngine = bindings;
  return wasmEngine;
}

function adapterFactory(url) {
  if (isPostgres(url)) {
    const { PrismaPg } = require('@prisma/adapter-pg');
    const { parse } = createRequire(require.resolve('pg'))('pg-connection-string');
    const { connectionString, schema } = pgConfig(url);
    // Handed over parsed: the adapter opens its shadow database by overriding `database`, which
    // pg ignores next to a connectionString. The search_path puts the migrations' unqualified
    // names into the schema, as the native engine does.
    const config = { ...parse(connectionString), options: `-c search_path=${schema}` };
    const factory = new PrismaPg(config, { schema });
    const connect = factory.connect.bind(factory);
    factory.connect = async () => readCharAsText(await connect());
    // The adapter drops its shadow database while its own pool still holds a connection to it,
    // which PostgreSQL refuses (leaving the database behind); close first, then drop.
    factory.connectToShadowDb = async () => {
      const admin = await new PrismaPg(config).connect();
      const database = `prisma_migrate_shadow_db_${randomUUID()}`;
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = readCharAsText(await new PrismaPg({ ...config, database }, { schema }).connect());
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
        await admin.dispose();
      };
      return shadow;
    };
    return factory;
  }
  const { PrismaBetterSqlite3 } = require('@prisma/adapter-better-sqlite3');
  return new PrismaBetterSqlite3({ url: sqliteFile(url) });
}

// The engine describes a PostgreSQL schema by reading catalog columns of type "char" (relkind,
// contype, ...), which this version of the pg adapter refuses to decode. pg already hands them
// over as strings, so report them as text.
const PG_CHAR = 18;
const PG_TEXT = 25;
function readCharAsText(connection) {
  const performIO = connection.performIO.bind(connection);
  connection.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields) if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT;
    return result;
  };
  return connection;
}

/**
 * Opens the wasm engine on the database `url` names. `state` holds the engine's own connection
 * and what patchConnection observed on it.
 */
async function openEngine(url, datamodels, onLog) {
  const wasm = await loadWasmEngine();
  const factory = adapterFactory(url);
  const state = { connection: undefined, migrationsTableMissing: false };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => (state.connection = patchConnection(await connect(), state));
  factory.connectToShadowDb = async () => patchConnection(await connectToShadowDb(), state);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const errorOf = (e) => engineError(e, bound);
  const engine = await wasm.SchemaEngine.new({ datamodels }, onLog, bound).catch((e) => {
    throw Object.assign(new Error(errorOf(e).message), errorOf(e));
  });
  return { engine, state, errorOf };
}

/** Smooths over two differences between the wasm engine and the native one it stands in for. */
function patchConnection(connection, state) {
  // A missing _prisma_migrations table is a hard error for the wasm engine, where the native
  // engine reads it as "not initialised yet" (a fresh database). Answer that read with no rows
  // and remember it, so that diagnoseMigrationHistory still reports hasMigrationsTable: false.
  const queryRaw = connection.queryRaw.bind(connection);
  connection.queryRaw = async (query) => {
    try {
      return await queryRaw(query);
    } catch (error) {
      if (error?.cause?.kind !== 'TableDoesNotExist' || !query.sql.includes('_prisma_migrations')) throw error;
      state.migrationsTableMissing = true;
      return { columnNames: [], columnTypes: [], rows: [] };
    }
  };
  // The engine replays whole migration scripts on the shadow database as one raw statement, which
  // better-sqlite3 refuses ("more than one statement"); run those as a script instead.
  const executeRaw = connection.executeRaw.bind(connection);
  connection.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.args.length || !/more than one statement/.test(error?.message)) throw error;
      await connection.executeScript(query.sql);
      return 0;
    }
  };
  return connection;
}

/** Turns what the wasm engine throws into { code?, message, isPanic }. */
function engineError(error, bound) {
  if (error instanceof WebAssembly.RuntimeError) {
    return { message: panicMessage ?? String(error), isPanic: true };
  }
  // Errors thrown by the driver (not mapped to a known kind) come back as "External error id#N".
  const external = /External error id#(\d+)/.exec(error?.message ?? '');
  const original = external && bound.errorRegistry.consumeError(Number(external[1]))?.error;
  if (original) return { message: original.message ?? String(original), isPanic: false };
  return { code: error?.code, message: error?.message ?? String(error), isPanic: false };
}

/** The migrations folder as the CLI hands it to the engine. */
function readMigrations(baseDir) {
  const read = (file) => {
    try {
      return { tag: 'ok', value: fs.readFileSync(file, 'utf8') };
    } catch (e) {
      return { tag: 'error', value: e.message };
    }
  };
  const lock = path.join(baseDir, 'migration_lock.toml');
  const dirs = fs.existsSync(baseDir) ? fs.readdirSync(baseDir, { withFileTypes: true }) : [];
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lock) ? fs.readFileSync(lock, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b))
      .map((name) => ({
        path: name,
        migrationFile: { path: 'migration.sql', content: read(path.join(baseDir, name, 'migration.sql')) },
      })),
  };
}

// ---- `cli` subcommands: the CLI checks for and creates the database before opening the engine.

async function canConnect(url) {
  if (!isPostgres(url)) {
    const file = sqliteFile(url);
    if (!fs.existsSync(file)) {
      return { code: 'P1003', message: `Database \`${path.basename(file)}\` does not exist at \`${file}\`` };
    }
    return null;
  }
  const { default: pg } = await import('pg');
  const { connectionString, database, host } = pgConfig(url);
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    return null;
  } catch (e) {
    const codes = { '3D000': 'P1003', '28P01': 'P1000', 28000: 'P1000' };
    return { code: codes[e.code] ?? 'P1001', message: `Database \`${database}\` at \`${host}\`: ${e.message}` };
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(url) {
  if (!isPostgres(url)) {
    const file = sqliteFile(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.closeSync(fs.openSync(file, 'a'));
    return;
  }
  const { default: pg } = await import('pg');
  const { connectionString, database } = pgConfig(url);
  const u = new URL(connectionString);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function runCli(command, url) {
  // The CLI skips the first stderr line and reads the error from the JSON lines after it.
  logLine('INFO', { message: `Starting schema engine CLI (${command})` });
  try {
    if (command === 'can-connect-to-database') {
      const problem = await canConnect(url);
      if (problem) {
        logLine('ERROR', { error_code: problem.code, message: problem.message }, 'schema_engine::logger');
        return 1;
      }
    } else if (command === 'create-database') {
      await createDatabase(url);
    } else {
      throw new Error(`Unknown cli command: ${command}`);
    }
    return 0;
  } catch (e) {
    logLine('ERROR', { message: e.message }, 'schema_engine::logger');
    return 1;
  }
}

// ---- JSON-RPC server: what the CLI's migrate/db commands talk to.

async function serveRpc(url, datamodelPaths) {
  const datamodels = datamodelPaths.length ? datamodelPaths.map((p) => [p, fs.readFileSync(p, 'utf8')]) : undefined;
  // A SQLite file that does not exist yet is only reached by commands that never write to it
  // (`migrate diff`): the CLI creates databases explicitly through `cli create-database` first.
  const sqlite = !isPostgres(url) && fs.existsSync(sqliteFile(url)) ? sqliteFile(url) : undefined;
  const effectiveUrl = isPostgres(url) || sqlite ? url : IN_MEMORY;
  const onLog = (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  let { engine, state, errorOf } = await openEngine(effectiveUrl, datamodels, onLog);

  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  let nextPrintId = 1;
  const pendingPrints = new Map();
  // The native engine asks the CLI to print the diff (the CLI ignores the result's stdout).
  const print = (content) =>
    new Promise((resolve) => {
      const id = `print-${nextPrintId++}`;
      pendingPrints.set(id, resolve);
      send({ jsonrpc: '2.0', id, method: 'print', params: { content: content.replace(/\n$/, '') } });
    });

  // The wasm engine's evaluateDataLoss and createMigration get no shadow database of their own:
  // they only reuse the schema that devDiagnostic computed for the same migrations. Once
  // `migrate dev` has applied pending migrations that list has changed, so compute it again.
  const withMigrationSchema = (method) => async (params) => {
    await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters }).catch(() => {});
    return engine[method](params);
  };

  const methods = {
    evaluateDataLoss: withMigrationSchema('evaluateDataLoss'),
    createMigration: withMigrationSchema('createMigration'),
    getDatabaseVersion: (params) => engine.version(params),
    diagnoseMigrationHistory: async (params) => {
      state.migrationsTableMissing = false;
      const result = await engine.diagnoseMigrationHistory(params);
      return { ...result, hasMigrationsTable: result.hasMigrationsTable && !state.migrationsTableMissing };
    },
    diff: async (params) => {
      const result = await engine.diff(params);
      if (result.stdout) await print(result.stdout);
      return { ...result, stdout: null };
    },
    // The wasm engine's SQLite reset only empties the tables (the migrations table included), so
    // the migrations could not be applied again. Empty the file instead, as the native engine does.
    reset: async (params) => {
      if (!sqlite) return engine.reset(params);
      await state.connection.dispose();
      engine.free();
      fs.truncateSync(sqlite, 0);
      for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(sqlite + suffix, { force: true });
      ({ engine, state, errorOf } = await openEngine(url, datamodels, onLog));
    },
  };

  const handle = async ({ id, method, params }) => {
    const run = methods[method] ?? (typeof engine[method] === 'function' && ((p) => engine[method](p)));
    if (!run) return send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
    try {
      send({ jsonrpc: '2.0', id, result: (await run(params)) ?? {} });
    } catch (e) {
      const { code, message, isPanic } = errorOf(e);
      send({
        jsonrpc: '2.0',
        id,
        error: {
          code: 4466,
          message: 'An error happened. Check the data field for details.',
          data: { is_panic: isPanic, message, error_code: code, meta: {} },
        },
      });
      if (isPanic) process.exit(101);
    }
  };

  // A panic inside a task the engine runs by itself surfaces here; report it as the binary would.
  process.on('uncaughtException', (error) => {
    logLine('ERROR', { message: panicMessage ?? error.message }, 'schema_engine::logger');
    process.exit(101);
  });

  // The engine is single-threaded: requests run one after another.
  let queue = Promise.resolve();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line);
    if (!message.method && pendingPrints.has(message.id)) {
      pendingPrints.get(message.id)();
      pendingPrints.delete(message.id);
      return;
    }
    queue = queue.then(() => handle(message));
  });
  // The CLI closes stdin when it is done and sends SIGTERM right after: close the database cleanly.
  const shutdown = () => queue.then(() => state.connection.dispose()).finally(() => process.exit(0));
  lines.on('close', shutdown);
  process.on('SIGTERM', shutdown);
}

// ---- `apply`: migrate deploy for the application.

/**
 * Replicas starting together all migrate at once. The engine serializes the migrations with an
 * advisory lock, but creates a missing schema before taking it, so one of them would fail with
 * "schema already exists": create it first, tolerating the race.
 */
async function ensurePostgresSchema(url) {
  const { connectionString, schema } = pgConfig(url);
  const pg = require('pg');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
  } catch (e) {
    // 42P06 duplicate_schema, 23505 unique_violation: another replica created it first.
    if (e.code !== '42P06' && e.code !== '23505') throw e;
  } finally {
    await client.end();
  }
}

async function apply(url, migrationsDir) {
  if (!isPostgres(url)) fs.mkdirSync(path.dirname(sqliteFile(url)), { recursive: true });
  else await ensurePostgresSchema(url);
  const { engine, state, errorOf } = await openEngine(url, undefined, () => {});
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrations(path.resolve(migrationsDir)),
      filters: NO_FILTER,
    });
    process.stdout.write(`${JSON.stringify({ applied: appliedMigrationNames })}\n`);
  } catch (e) {
    // Keep the message, the code and the migration at fault; drop the engine's span trace.
    const { code, message } = errorOf(e);
    const [text, trace = ''] = message.split(/\n\s+0: /);
    const migration = /migration_name="([^"]+)"/.exec(trace)?.[1];
    throw new Error([code, migration && `migration ${migration}`, text].filter(Boolean).join(': '));
  } finally {
    await state.connection.dispose();
  }
}

async function main(argv) {
  if (argv[0] === '--version' || argv[0] === '-V') {
    const { version } = await loadWasmEngine();
    process.stdout.write(`schema-engine-cli ${version()}\n`);
    return 0;
  }
  if (argv[0] === 'apply') {
    const { values } = parseArgs({ args: argv.slice(1), options: { url: { type: 'string' }, migrations: { type: 'string' } } });
    const url = values.url ?? process.env.DATABASE_URL;
    if (!url || !values.migrations) throw new Error('usage: schema-engine.mjs apply --migrations <dir> [--url <url>]');
    await apply(url, values.migrations);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      datamodels: { type: 'string', multiple: true, default: [] },
      datasource: { type: 'string' },
      'enabled-preview-features': { type: 'string' },
      'extension-types': { type: 'string' },
    },
  });
  const url = values.datasource ? JSON.parse(values.datasource).url : undefined;
  if (positionals[0] === 'cli') return runCli(positionals[1], url);
  try {
    await serveRpc(url ?? IN_MEMORY, values.datamodels);
  } catch (e) {
    // The CLI reports the last ERROR log line when the engine exits with 1.
    logLine('ERROR', { message: e.message, error_code: e.code }, 'schema_engine::logger');
    return 1;
  }
  return undefined; // keeps serving until the CLI closes stdin
}

main(process.argv.slice(2)).then(
  (code) => code !== undefined && process.exit(code),
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
