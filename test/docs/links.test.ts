/**
 * Every relative link and every repository path named in README.md and docs/ exists, and every in-page
 * anchor (#runbook-drift) names a heading or an <a id> of its file: a newcomer following the docs never hits
 * a dead end, and nothing points outside the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** Top-level entries a path in backticks may start with. */
const TOP = ['controller', 'sandbox', 'crds', 'manifests', 'test', 'bench', 'bin', 'docs', '.ci', 'dist'];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) found.add(slug(heading));
  for (const [, id] of markdown.matchAll(/<a id="([^"]+)"/g)) found.add(id);
  return found;
}

/** Text outside fenced code blocks (examples there are not links). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

test('README.md and docs/ link only to files and anchors that exist in the repository', () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // http(s):, mailto:
      const [path, anchor] = target.split('#');
      const file = path === '' ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
      if (!file.startsWith(`${ROOT}/`) && file !== ROOT) broken.push(`${doc}: ${target} points outside the repository`);
      else if (!existsSync(file)) broken.push(`${doc}: ${target} does not exist`);
      else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${doc}: ${target}: no such anchor in ${relative(ROOT, file)}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('every repository path README.md and docs/ name in backticks exists', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const doc of DOCS) {
    for (const [, token] of prose(readFileSync(join(ROOT, doc), 'utf8')).matchAll(/`([^`\s]+)`/g)) {
      const path = token.replace(/[.,;:]$/, '');
      if (!TOP.some((top) => path === top || path.startsWith(`${top}/`)) || /[<>*{}$…]/.test(path)) continue;
      if (path.startsWith('dist')) continue; // built by npm run build
      checked += 1;
      if (!existsSync(join(ROOT, path))) missing.push(`${doc}: \`${path}\``);
    }
  }
  assert.ok(checked > 20, `only ${checked} paths found: the pattern no longer matches the docs`);
  assert.deepEqual(missing, []);
});
