#!/usr/bin/env node
// The published entry point. Plain JavaScript that old Node.js versions still parse, so that an unsupported
// Node gets one clear line instead of the AWS SDK's end-of-life warnings.
//
// Which code it runs: the compiled dist/ when there are no TypeScript sources next to it (the published
// package, the image), or when dist/ is at least as new as every source file; otherwise the sources through
// tsx (a checkout someone edited after `npm run build`). If tsx is not installed either, it runs the stale
// dist/ and says so on stderr.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIN_NODE_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(`error: ecs-discovery-controller needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${process.versions.node} (${process.execPath})\n`);
  process.exit(1);
}

// `run` is what a container stops with SIGTERM: until its own handlers are in place, exit 0 with a log line
// (controller/cli/early-stop.ts takes over this handler through the same global key).
const EARLY_STOP = Symbol.for('ecs-discovery-controller.early-stop');
if (process.argv[2] === 'run' && !globalThis[EARLY_STOP]) {
  const handler = (signal) => {
    const line = { level: 'info', time: new Date().toISOString(), app: 'ecs-discovery-controller', signal, msg: 'received signal during start-up; nothing was started, exiting' };
    process.stderr.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
  };
  globalThis[EARLY_STOP] = handler;
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'controller', 'cli', 'main.js');
const sources = join(root, 'controller');

/** Newest modification time (ms) of the .ts files under a directory. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const hasSources = existsSync(join(sources, 'cli', 'main.ts'));
const hasBuild = existsSync(compiled);
const buildIsCurrent = hasBuild && (!hasSources || statSync(compiled).mtimeMs >= newestSource(sources));

if (buildIsCurrent) {
  await import(pathToFileURL(compiled).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    register = undefined;
  }
  if (register) {
    register();
    await import(pathToFileURL(join(sources, 'cli', 'main.ts')).href);
  } else if (hasBuild) {
    process.stderr.write(`note: running ${compiled}, built before the latest change under ${sources}/ (tsx is not installed to run the sources); run 'npm run build'\n`);
    await import(pathToFileURL(compiled).href);
  } else {
    process.stderr.write(`error: neither ${compiled} nor tsx is installed; run 'npm ci' (and 'npm run build' for dist/)\n`);
    process.exit(1);
  }
}
