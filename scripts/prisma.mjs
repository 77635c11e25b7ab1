#!/usr/bin/env node
// Runs this project's Prisma CLI with the given arguments, using scripts/schema-engine.mjs as its
// schema engine so that no engine has to be downloaded from Prisma's servers. A caller who sets
// PRISMA_SCHEMA_ENGINE_BINARY (for example to Prisma's native binary) keeps their choice.
//
//   node scripts/prisma.mjs migrate dev --name <change>

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));
const engine = fileURLToPath(new URL('./schema-engine.mjs', import.meta.url));

const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || engine },
});
if (result.error) {
  console.error(result.error.message);
  process.exit(1);
}
process.exit(result.status ?? 1);
