#!/usr/bin/env node
// Compiles src/ into dist/ only when something it is built from changed since the last build, so
// `npm start` and `npm run job` start in about a second instead of recompiling every time. What
// changed is told by content (a hash), not by file times, which a checkout or a copy can reset.
// When it must build, tsc runs incrementally (dist/.tsbuildinfo) and recompiles only what changed.
//
//   node scripts/build.mjs          build if needed
//   node scripts/build.mjs --force  build regardless

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-hash');
const require = createRequire(import.meta.url);

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

function sourceHash() {
  const hash = crypto.createHash('sha256');
  const inputs = [path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json'), ...files(path.join(root, 'src'))];
  for (const file of inputs) {
    hash.update(path.relative(root, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  // A different compiler may compile the same sources differently.
  hash.update(require('typescript/package.json').version);
  return hash.digest('hex');
}

const force = process.argv.includes('--force');
const hash = sourceHash();
const built = fs.existsSync(path.join(dist, 'bin', 'start.js')) && fs.existsSync(path.join(dist, 'bin', 'job.js'));
if (!force && built && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash) process.exit(0);

const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(
  process.execPath,
  [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(dist, '.tsbuildinfo')],
  { cwd: root, stdio: 'inherit' },
);
if (result.status !== 0) {
  process.stderr.write('The build failed: fix the type errors above, then run the command again.\n');
  process.exit(result.status ?? 1);
}
fs.writeFileSync(stampFile, hash);
