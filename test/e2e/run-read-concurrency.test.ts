/** run --read-concurrency bounds the AWS reads of a target in flight at once (from the sandbox's call log: arrival and finish of each call). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../controller/cli/commands/run.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { policyYaml } from '../fixtures/policy.js';

const POLICY = policyYaml({
  name: 'reads',
  target: { clusters: ['bench-*'], namespaces: ['reads.local'] },
  rules: { cloudMapOrphans: { enabled: true }, dnsTtl: { enabled: true, max: '10s' } },
});

/** Most ECS and Cloud Map calls the sandbox was answering at the same moment. */
function mostInFlight(sandbox: Sandbox): number {
  const edges = sandbox.calls
    .log()
    .filter((c) => /^(ecs|servicediscovery):/.test(c.operation) && c.finishedAt !== undefined)
    .flatMap(
      (c) =>
        [
          [c.at, 1],
          [c.finishedAt!, -1],
        ] as const,
    )
    // A call that ends at the moment another arrives was not in flight with it.
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (now += delta));
  return most;
}

describe('run --read-concurrency', () => {
  let sandbox: Sandbox;
  let dir: string;
  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      tickMs: 60_000,
      scenario: {
        generate: {
          clusters: 2,
          servicesPerCluster: 40,
          tasksPerService: 2,
          cloudMapServices: 20,
          namespace: 'reads.local',
        },
      },
    });
    Object.assign(process.env, sandbox.env());
    // Every read takes a while, so calls that may overlap do.
    sandbox.faults.add({ operation: 'ecs:*', latencyMs: 30 });
    sandbox.faults.add({ operation: 'servicediscovery:*', latencyMs: 30 });
    dir = mkdtempSync(join(tmpdir(), 'run-reads-'));
    writeFileSync(join(dir, 'reads.yaml'), POLICY);
  });
  after(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const once = async (concurrency: string) => {
    sandbox.calls.reset();
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (d: Buffer) => (errors += d.toString()));
    // Pacing off, so only the concurrency limit shapes the reads.
    const code = await run(
      [
        '--once',
        '--dry-run',
        '--policies',
        dir,
        '--log-level',
        'warn',
        '--read-concurrency',
        concurrency,
        '--ecs-rate',
        '0',
        '--cloudmap-rate',
        '0',
      ],
      { stdout: new PassThrough(), stderr, env: sandbox.env() },
    );
    assert.equal(code, 0, errors);
    return mostInFlight(sandbox);
  };

  it('never has more reads in flight than --read-concurrency, and more when it allows more', async () => {
    assert.equal(await once('1'), 1);
    const two = await once('2');
    assert.ok(two <= 2 && two >= 1, `--read-concurrency 2: ${two} in flight`);
    assert.ok((await once('8')) > 2, 'eight slots let more than two reads overlap');
  });
});
