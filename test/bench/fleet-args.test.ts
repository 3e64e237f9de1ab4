import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FULL_FLEET, parseFleetArgs, SMALL_FLEET } from '../../bench/fleet-args.js';

test('every benchmark npm run bench names accepts --small, fleet benchmarks through the shared parser', () => {
  const run = readFileSync('bench/run.ts', 'utf8');
  assert.match(run, /npm run bench -- --small/, 'the header promises --small');
  const files = [...run.matchAll(/file: '(bench\/[a-z-]+\.ts)'/g)].map((m) => m[1]);
  // Every benchmark run.ts lists is held to the rule below; these three must stay among them.
  for (const known of ['bench/events.ts', 'bench/plan.ts', 'bench/sandbox.ts'])
    assert.ok(files.includes(known), `bench/run.ts runs ${known}`);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    // A fleet benchmark sizes its fleet with the shared parser; one that is not about a fleet (leases: targets)
    // still declares --small itself.
    assert.match(
      source,
      /parseFleetArgs\(process\.argv\.slice\(2\)\)|small: \{ type: 'boolean'/,
      `${file} parses --small (bench/fleet-args.ts for fleet sizes)`,
    );
    assert.match(source, /\[--small\]/, `${file}'s header documents --small`);
  }
});

test("--small, positional sizes and other benchmarks' flags", () => {
  assert.deepEqual(parseFleetArgs([]), FULL_FLEET);
  assert.deepEqual(parseFleetArgs(['--small']), SMALL_FLEET);
  assert.deepEqual(parseFleetArgs(['--workers', '4', '--small', '--isolated=3']), SMALL_FLEET);
  assert.deepEqual(parseFleetArgs(['2', '10']), { ...FULL_FLEET, clusters: 2, servicesPerCluster: 10 });
  assert.throws(() => parseFleetArgs(['many']), /"many" is not a positive whole number \(clusters\)/);
});

test('the sandbox benchmark runs with --small, as npm run bench -- --small passes it', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/sandbox.ts', '--small'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^fleet: 400 ECS services, 2000 tasks in 4 clusters, 200 Cloud Map services$/m);
  assert.doesNotMatch(result.stdout, /NaN/);
});
