/**
 * The image's supply chain, checked statically (no Docker engine here): a base pinned by digest, no dependency
 * install scripts, and a runtime stage with neither a package manager nor the sandbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const DOCKERFILE = readFileSync('Dockerfile', 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = DOCKERFILE.replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages: { name: string; from: string; lines: string[] }[] = [];
for (const line of instructions) {
  const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
  if (from) stages.push({ from: from[1], name: from[2] ?? '', lines: [] });
  else stages.at(-1)?.lines.push(line);
}
const stage = (name: string) => stages.find((s) => s.name === name)!;

test('every stage starts from the base image pinned by digest', () => {
  const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(DOCKERFILE)?.[1] ?? '';
  assert.match(arg, /^node:24-[a-z0-9.-]+@sha256:[0-9a-f]{64}$/, `NODE_IMAGE is pinned by digest, got "${arg}"`);
  assert.ok(stages.length >= 3);
  for (const s of stages) assert.equal(s.from, '${NODE_IMAGE}', `stage ${s.name} uses the pinned base`);
});

test('dependencies install with scripts disabled in every stage', () => {
  const installs = stages.flatMap((s) =>
    s.lines.filter((l) => /\bnpm (ci|install|i)\b/.test(l)).map((l) => [s.name, l]),
  );
  assert.ok(installs.length >= 2);
  for (const [name, line] of installs) assert.match(line, /--ignore-scripts/, `${name}: ${line}`);
  // A package that truly needs its script would be rebuilt by name; today none of the build's packages does.
  const rebuilt = instructions.filter((l) => /\bnpm rebuild\b/.test(l));
  const allowed = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).allowScripts ?? {});
  for (const line of rebuilt)
    for (const pkg of line.split(/\s+/).slice(3)) assert.ok(allowed.includes(pkg), `${pkg} is not in allowScripts`);
  // The build must not go through npm run: its PATH puts the (script-less) node package's shim first.
  assert.ok(
    stage('build').lines.some((l) => /^RUN node node_modules\/typescript\/bin\/tsc -p tsconfig\.build\.json/.test(l)),
  );
});

test('the runtime image carries neither npm nor the sandbox', () => {
  const runtime = stage('runtime');
  const removal = runtime.lines.find((l) => /^RUN rm -rf /.test(l)) ?? '';
  for (const path of [
    '/usr/local/lib/node_modules/npm',
    '/usr/local/bin/npm',
    '/usr/local/bin/npx',
    '/usr/local/lib/node_modules/corepack',
  ]) {
    assert.ok(removal.split(/\s+/).includes(path), `runtime removes ${path}`);
  }
  assert.ok(
    !runtime.lines.some((l) => /\bnpm\b/.test(l) && !l.startsWith('RUN rm -rf ')),
    'no npm call in the runtime stage',
  );
  for (const s of stages)
    assert.ok(!s.lines.some((l) => /^COPY\s+(--\S+\s+)*sandbox\b/.test(l)), `stage ${s.name} copies no sandbox`);
  const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8'));
  assert.deepEqual(build.include, ['controller'], 'the build compiles the controller only');
  assert.ok(build.exclude.includes('controller/cli/commands/sandbox.ts') && build.exclude.includes('controller/demo'));
  // The CLI names the sandbox command's module by a variable, so tsc does not pull it (and the emulator) back in.
  assert.doesNotMatch(readFileSync('controller/cli/main.ts', 'utf8'), /import\('\.\/commands\/sandbox\.js'\)/);
});
