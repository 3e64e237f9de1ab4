/**
 * The resync follows change signals, and a full read runs every --full-resync: drift made behind the controller's
 * back (the sandbox's drift API, no events consumed) that moves no signal is still found and fixed within one
 * full-resync period.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { Controller } from '../../controller/runtime/controller.js';
import { systemTimers, type Timers } from '../../controller/util/clock.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const FULL_RESYNC_MS = 5 * 60_000;
/** A steady generated fleet: no drift but what the test makes, so a change signal moves only where it makes one. */
const FLEET = {
  name: 'full-resync',
  generate: { clusters: 2, servicesPerCluster: 30, tasksPerService: 3, cloudMapServices: 20, namespace: 'bench.local' },
};
const POLICY = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: fleet
spec:
  mode: enforce
  target:
    clusters: ["bench-*"]
    namespaces: [bench.local]
  rules:
    cloudMapOrphans:
      gracePeriod: 0s
`;

describe('run with --full-resync, no events', () => {
  let sandbox: Sandbox;
  let clients: AwsClients;
  let controller: Controller;
  let policyDir: string;
  let tick: (() => void) | undefined;
  const deregistered: string[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    Object.assign(process.env, sandbox.env());
    const operations = sandbox.cloudMap.service.operations;
    const original = operations.DeregisterInstance;
    operations.DeregisterInstance = (input, context) => {
      deregistered.push(String(input?.InstanceId ?? ''));
      return original(input, context);
    };
    clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url, maxAttempts: 3 });
    policyDir = mkdtempSync(join(tmpdir(), 'run-full-resync-'));
    writeFileSync(join(policyDir, 'fleet.yaml'), POLICY);
    const timers: Timers = { ...systemTimers, now: () => sandbox.clock.now() };
    controller = new Controller({
      source: new DirectorySource(policyDir),
      allowed: { clusters: [], namespaces: [], accounts: [] },
      clients,
      logger: silentLogger(),
      metrics: new ControllerMetrics({ defaultMetrics: false }),
      dryRun: false,
      resync: '* * * * *',
      fullResyncMs: FULL_RESYNC_MS,
      // No queue: the controller learns of changes only by resyncing.
      policyPollIntervalMs: 60 * 60_000,
      debounceMs: 50,
      timers,
      scheduler: (_expression, onTick) => {
        tick = onTick;
        return { stop: () => (tick = undefined) };
      },
    });
    await controller.start();
    await controller.whenIdle();
  });

  after(async () => {
    await controller.stop(5_000);
    clients.destroy();
    await sandbox.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  it('finds a stale instance no change signal shows at the first full read, within one full-resync period', async () => {
    // A task dies and ECS leaves its instance; the replacement starts and registers, and another task's registration
    // is lost: the instance count, the running count and the deployments all look as the controller last read them.
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'bench-001', ecsService: 'svc-00001' }) as {
      instanceId: string;
      serviceId: string;
    };
    sandbox.advance(60_000);
    sandbox.drift({
      kind: 'failed-registration',
      serviceId: drift.serviceId,
      cluster: 'bench-001',
      ecsService: 'svc-00001',
    });
    const instances = () => sandbox.cloudMap.instances(drift.serviceId).map((i) => i.id);
    assert.ok(instances().includes(drift.instanceId));

    // Resyncs by change signals within the period: nothing moved, so nothing is found (and no task is listed).
    sandbox.calls.reset();
    for (let minute = 1; minute < FULL_RESYNC_MS / 60_000; minute++) {
      sandbox.advance(50_000);
      tick!();
      await controller.whenIdle();
      assert.ok(instances().includes(drift.instanceId), `a signal resync ${minute} min in does not see it`);
    }
    assert.ok(!deregistered.includes(drift.instanceId));
    const reads = (op: string) => sandbox.calls.snapshot()[op] ?? 0;
    assert.deepEqual(
      ['ecs:ListTasks', 'ecs:DescribeTasks', 'servicediscovery:ListInstances'].map(reads),
      [0, 0, 0],
      'the resyncs within the period followed change signals',
    );

    // The full-resync period has passed since the last full read: this resync reads everything and finds it.
    sandbox.advance(FULL_RESYNC_MS);
    tick!();
    await controller.whenIdle();
    assert.ok(
      reads('servicediscovery:ListInstances') >= 20,
      'a full read lists the instances of every Cloud Map service',
    );
    assert.ok(deregistered.includes(drift.instanceId), 'the full read found the stale instance and deregistered it');
    assert.ok(!instances().includes(drift.instanceId));
  });
});
