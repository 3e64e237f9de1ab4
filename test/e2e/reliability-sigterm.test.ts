import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { eventually, FLEET, installEventRouting, policyYaml } from './run-harness.js';
import { spawnRun, terminate, type RunProcess } from './reliability-process.js';
import { deploymentStarts, isClean, truthSummary } from './reliability-support.js';

/** ECS services of the harness fleet that still exist (reports was deleted). */
const LIVE_SERVICES = ['web', 'orders', 'recommendations', 'payments-api', 'search', 'ledger'];
/** Every write the controller makes; each is slow, so the signal finds some in flight and some not started. */
const WRITES = [
  'ecs:UpdateService',
  'servicediscovery:UpdateService',
  'servicediscovery:DeregisterInstance',
  'servicediscovery:DeleteService',
];

function writesReceived(sandbox: Sandbox): number {
  const calls = sandbox.calls.snapshot();
  return WRITES.reduce((sum, op) => sum + (calls[op] ?? 0), 0);
}

describe('reliability: SIGTERM while actions are in flight, then a restart', () => {
  let sandbox: Sandbox;
  let clients: AwsClients;
  let queueUrl: string;
  let policyDir: string;
  let since: number;
  let staleClients: string[];
  const runs: RunProcess[] = [];

  const start = () => {
    const run = spawnRun(
      ['--policies', policyDir, '--allow-all-namespaces', '--queue-url', queueUrl, '--metrics-addr', '127.0.0.1:0'],
      sandbox.env(),
    );
    runs.push(run);
    return run;
  };

  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url });
    Object.assign(process.env, sandbox.env());
    queueUrl = await installEventRouting(clients);
    policyDir = mkdtempSync(join(tmpdir(), 'reliability-sigterm-'));
    // Grace period 0s: the first reconcile already prunes, so the signal can interrupt every kind of action.
    writeFileSync(join(policyDir, 'fleet.yaml'), policyYaml('enforce', '0s'));
    since = sandbox.clock.now();
    staleClients = [...new Set(sandbox.truth().brokenPairs.map((p) => p.client))].sort();
  });
  after(async () => {
    for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    clients?.destroy();
    await sandbox?.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  it('exits 0 within 25 s of SIGTERM with writes in flight, leaving work undone', async () => {
    for (const operation of WRITES) sandbox.faults.add({ operation, latencyMs: 1_500 });
    const run = start();
    await eventually(
      () => writesReceived(sandbox),
      (n) => n > 0,
      'the first write to reach the sandbox',
      600,
    ).catch((error) => {
      throw new Error(`${error.message}; logs: ${JSON.stringify(run.logs.slice(-8))}`);
    });
    const { code, signal, elapsedMs } = await terminate(run);
    sandbox.faults.clear();
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, JSON.stringify(run.logs.slice(-5)));
    assert.ok(elapsedMs < 25_000, `stopped after ${elapsedMs} ms`);
    const messages = run.logs.map((l) => l.msg);
    assert.ok(messages.includes('received signal') && messages.includes('stopped'), messages.join(' | '));
    // The run really was cut short: actions it planned were skipped, or some drift is still there.
    const aborted = run.logs.filter((l) => l.msg === 'action skipped' && l.reason === 'aborted');
    assert.ok(aborted.length > 0 || !isClean(sandbox.truth()), 'the signal arrived before the run finished its work');
  });

  it('the next run finishes the work: the fleet is clean, nothing in use deleted, each stale client redeployed once', async () => {
    const run = start();
    const truth = await eventually(() => sandbox.truth(), isClean, 'the restarted controller to finish the work', 400);
    assert.deepEqual(truth.wronglyDeleted, [], truthSummary(truth));
    // Let it see its own redeploys' events before counting: a second redeploy would come from those.
    await eventually(
      () => run.logs.filter((l) => l.msg === 'reconciled').length,
      (n) => n >= 2,
      'a reconcile after the fix',
      200,
    ).catch(() => 0);
    const { code } = await terminate(run);
    assert.equal(code, 0);
    const starts = await deploymentStarts(clients, 'prod', LIVE_SERVICES, since);
    assert.deepEqual(
      starts,
      Object.fromEntries(LIVE_SERVICES.map((name) => [name, staleClients.includes(name) ? 1 : 0])),
    );
  });
});
