/** bench/pacing.ts: every flag its header names works (counts and labels only; the timing targets are the benchmark's, not this test's). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const bench = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/pacing.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

test('the pacing benchmark takes every flag of its header on a tiny fleet', () => {
  // A fleet too small to be worth timing; --baseline unpaced runs the read twice.
  const result = bench([
    '2',
    '10',
    '2',
    '4',
    '--quota',
    '40',
    '--quota-burst',
    '60',
    '--ecs-rate',
    '30',
    '--ecs-burst',
    '20',
    '--cloudmap-rate',
    '100',
    '--concurrency',
    '4',
    '--baseline',
    'unpaced',
  ]);
  assert.ok(result.status === 0 || result.status === 1, `exit ${result.status}: ${result.stderr}`);
  assert.match(result.stdout, /^pacing benchmark: 2 clusters x 10 services x 2 tasks, 4 Cloud Map services$/m);
  assert.match(result.stdout, /sandbox ECS quota 40 req\/s, burst 60; controller ECS bucket 30\/s, burst 20/);
  assert.match(result.stdout, /^baseline, unpaced \(--ecs-rate 0\): plan exit [02], \d+ ECS calls/m);
  assert.match(result.stdout, /^paced \(the controller's buckets\): plan exit [02], \d+ ECS calls/m);
  assert.match(result.stdout, /throttled attempts \d+ = [\d.]+% of ECS calls \(target < 1%\)/);
  assert.doesNotMatch(result.stdout, /NaN/);
});

test('--small is the shared small fleet; a flag without a proper value is an error', () => {
  const bad = bench(['--small', '--quota', 'fast']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--quota must be a positive number, not "fast"/);
  const missing = bench(['--baseline', 'sometimes']);
  assert.match(missing.stderr, /--baseline is unpaced or none, not "sometimes"/);
});
