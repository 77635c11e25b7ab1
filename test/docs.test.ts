// Pointers into the README from the manifest, .env.example and the bot's own messages lead
// somewhere: a person following one finds the section it names.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const headings = [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim());

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function* sources(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'generated') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (/\.(ts|mjs)$/.test(entry.name)) yield full;
  }
}

it('names only README sections that exist', () => {
  const files = [
    'manifest.yml',
    '.env.example',
    ...[...sources(path.join(root, 'src')), ...sources(path.join(root, 'scripts'))].map((f) => path.relative(root, f)),
  ];
  const references: Array<{ file: string; section: string }> = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/\n#\s*/g, ' ');
    for (const m of text.matchAll(/README, "([^"]+)"/g)) references.push({ file, section: m[1]! });
  }
  expect(references.length).toBeGreaterThan(0);
  expect(references.filter((r) => !headings.includes(r.section))).toEqual([]);
});

it('links only to anchors the README has', () => {
  const anchors = new Set(headings.map(slug));
  const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  expect(links.length).toBeGreaterThan(0);
  expect(links.filter((a) => !anchors.has(a))).toEqual([]);
});
