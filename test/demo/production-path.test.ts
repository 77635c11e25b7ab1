// The demo stays out of the production path: nothing `npm start` or `npm run job` loads reaches
// src/demo, and the demo's dependencies are development-only.
import fs from 'node:fs';
import path from 'node:path';

const src = path.resolve(__dirname, '..', '..', 'src');

/** Every source file a module imports, directly or not (relative imports; packages are leaves). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), m[1]!);
      const found = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (found) visit(found);
    }
  };
  visit(entry);
  return seen;
}

it.each(['start.ts', 'job.ts'])('src/bin/%s never loads the demo', (entry) => {
  const files = [...reachable(path.join(src, 'bin', entry))].map((f) => path.relative(src, f));
  expect(files.length).toBeGreaterThan(10);
  expect(files.filter((f) => f.startsWith(`demo${path.sep}`) || f === path.join('bin', 'demo.ts'))).toEqual([]);
});

it('keeps the browser driver a development dependency', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(src, '..', 'package.json'), 'utf8'));
  expect(pkg.dependencies['playwright-core']).toBeUndefined();
  expect(pkg.devDependencies['playwright-core']).toBeDefined();
});
