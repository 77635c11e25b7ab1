#!/usr/bin/env node
// Writes prisma/postgresql/schema.prisma from prisma/schema.prisma. The two providers must have the
// same models; only the datasource provider and the generated client's folder differ, so the
// PostgreSQL schema is derived, never edited. `--check` exits 1 when the file is out of date
// (the test suite runs it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'prisma', 'schema.prisma');
const target = path.join(root, 'prisma', 'postgresql', 'schema.prisma');

export function postgresSchema(sqlite) {
  const header =
    '// GENERATED from prisma/schema.prisma by scripts/postgres-schema.mjs: edit that file, then run\n' +
    '// `npm run schema:postgres`. Same models; only the provider and the client folder differ.\n\n';
  const out = sqlite
    .replace('output              = "../src/generated/prisma"', 'output              = "../../src/generated/prisma-pg"')
    .replace(/datasource db \{\s*provider = "sqlite"\s*\}/, 'datasource db {\n  provider = "postgresql"\n}');
  if (out === sqlite || !out.includes('"postgresql"') || !out.includes('prisma-pg')) {
    throw new Error('prisma/schema.prisma no longer has the generator output or datasource this script rewrites');
  }
  return header + out;
}

const wanted = postgresSchema(fs.readFileSync(source, 'utf8'));
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== wanted) {
    process.stderr.write('prisma/postgresql/schema.prisma is out of date: run `npm run schema:postgres`.\n');
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, wanted);
}
