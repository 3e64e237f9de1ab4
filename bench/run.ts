/**
 * `npm run bench`: runs every benchmark, one after another in its own process, and prints their figures.
 * Arguments after `--` go to each benchmark (e.g. `npm run bench -- --small`).
 */
import { spawnSync } from 'node:child_process';

const BENCHMARKS = [
  { file: 'bench/sandbox.ts', what: 'the sandbox at 10,000 services: load, memory, list-page latency' },
  {
    file: 'bench/plan.ts',
    what: 'a full plan: API calls against the lower bound (bench/read-bound.ts) and a naive reader in the same run, peak memory, wall time',
  },
  {
    file: 'bench/resync.ts',
    what: 'a resync by change signals of the unchanged fleet against a full read (target <= 25% of its calls)',
  },
  {
    file: 'bench/drain.ts',
    what: 'dnsTtl max auto: DescribeTaskDefinition per full read (<= one per distinct revision, then 0)',
  },
  {
    file: 'bench/pacing.ts',
    what: 'a full read under a 20 req/s ECS quota: wall time against ECS calls ÷ 20, throttled attempts',
  },
  { file: 'bench/events.ts', what: 'event-to-action latency and API calls per task-state event' },
  { file: 'bench/leases.ts', what: 'target leases over 3 replicas: balance, failover time, DynamoDB calls per minute' },
  {
    file: 'bench/memory.ts',
    what: 'issue #17 memory: plan from 1,000 to 100,000 services (peak RSS, wall time, base and per 1,000), run at 30,000 services phase by phase',
  },
];

let failed = 0;
for (const bench of BENCHMARKS) {
  process.stdout.write(`\n=== ${bench.file}: ${bench.what}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench.file, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`=== ${bench.file} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
