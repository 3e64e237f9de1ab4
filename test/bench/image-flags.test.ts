/** The memory benchmarks measure under the image's heap settings: their flags are the Dockerfile's NODE_OPTIONS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IMAGE_FLAGS } from '../../bench/cli-build.js';

test("bench/cli-build.ts IMAGE_FLAGS are the Dockerfile's NODE_OPTIONS", () => {
  const options = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  assert.ok(options, 'the Dockerfile sets NODE_OPTIONS');
  assert.deepEqual([...IMAGE_FLAGS], options.split(/\s+/).filter(Boolean));
});
