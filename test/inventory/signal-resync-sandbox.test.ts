/**
 * The change-signal resync against the sandbox: an unchanged fleet costs a fraction of a full read and reads back
 * the same inventory; drift that moves a signal is found by it; drift no signal shows waits for the full read,
 * which the cache runs once the full-resync period has passed and after any read error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { NO_PACING } from '../../controller/aws/pacing.js';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import type { Inventory } from '../../controller/inventory/model.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { makePolicy } from '../fixtures/policy.js';

const FLEET = {
  name: 'signals',
  generate: { clusters: 2, servicesPerCluster: 40, tasksPerService: 3, cloudMapServices: 20, namespace: 'bench.local' },
};
const POLICY = makePolicy({ target: { clusters: ['bench-*'], namespaces: ['bench.local'] } });

async function withFleet(
  run: (sandbox: Sandbox, clients: AwsClients, clock: { now: number }) => Promise<void>,
): Promise<void> {
  const sandbox = await startSandbox({ port: 0, scenario: FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    pacing: NO_PACING,
  });
  try {
    await run(sandbox, clients, { now: 1_000_000 });
  } finally {
    clients.destroy();
    await sandbox.close();
  }
}

const total = (calls: Record<string, number>) =>
  Object.entries(calls)
    .filter(([op]) => !op.startsWith('_'))
    .reduce((sum, [, n]) => sum + n, 0);

function measure(sandbox: Sandbox): () => Record<string, number> {
  sandbox.calls.reset();
  return () => sandbox.calls.snapshot();
}

/** What a rule sees, without the read's own timestamps. */
function comparable(inventory: Inventory) {
  const { observedAt: _at, ownership: _ownership, taskRechecks: _rechecks, ...rest } = inventory;
  const byKey = <T>(items: readonly T[], key: (t: T) => string) =>
    [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    ...rest,
    services: byKey(rest.services, (s) => s.arn),
    tasks: byKey(rest.tasks, (t) => t.arn),
    cloudMapServices: byKey(rest.cloudMapServices, (s) => s.id).map((s) => ({
      ...s,
      instances: s.instances && byKey(s.instances, (i) => i.id),
    })),
  };
}

function staleInstanceOf(sandbox: Sandbox): {
  serviceId: string;
  instanceId: string;
  cluster: string;
  ecsService: string;
} {
  const service = [...sandbox.ecs.state.servicesByArn.values()].find(
    (s) => s.status === 'ACTIVE' && s.serviceRegistries.length > 0,
  )!;
  return sandbox.drift({ kind: 'stale-instance', cluster: service.cluster.name, ecsService: service.name }) as never;
}

describe('signal resync', () => {
  it("re-reads an unchanged fleet with at most half a full read's calls and finds it the same", async () => {
    await withFleet(async (sandbox, clients, clock) => {
      const cache = new InventoryCache({ clients, policies: [POLICY], now: () => clock.now });
      let calls = measure(sandbox);
      const full = await cache.resync();
      const fullCalls = total(calls());
      assert.equal(cache.lastResync?.kind, 'full');

      clock.now += 60_000;
      calls = measure(sandbox);
      const resynced = await cache.resync();
      const signalCalls = calls();
      assert.equal(cache.lastResync?.kind, 'signals');
      assert.deepEqual(cache.lastResync?.stats, {
        ecsServicesChanged: 0,
        cloudMapServicesChanged: 0,
        tasksReread: 0,
        instancesReread: 0,
        sample: [],
      });
      // A full read now reads only what the rules need (no task listings, tags only for candidates): its largest
      // term, DescribeServices of every service, is the signal resync's floor too, so the share is about a third.
      assert.ok(
        total(signalCalls) <= fullCalls / 2,
        `signal resync ${total(signalCalls)} calls vs full read ${fullCalls}: ${JSON.stringify(signalCalls)}`,
      );
      // Only listings and counts: no task, instance or tag is read, and only a sweep's share of services is described.
      for (const op of Object.keys(signalCalls))
        assert.ok(
          [
            'ecs:DescribeClusters',
            'ecs:DescribeServices',
            'ecs:ListClusters',
            'ecs:ListServices',
            'servicediscovery:ListNamespaces',
            'servicediscovery:ListServices',
          ].includes(op),
          op,
        );
      assert.ok((signalCalls['ecs:DescribeServices'] ?? 0) <= 4, 'one of two clusters is swept (40 services, 4 calls)');
      assert.deepEqual(comparable(resynced), comparable(full));
      // Unchanged services are the cached objects themselves, not copies.
      assert.equal(
        resynced.services[0],
        full.services.find((s) => s.arn === resynced.services[0].arn),
      );
    });
  });

  it('finds a task that died without deregistering (no event) by the instance count of its registry', async () => {
    await withFleet(async (sandbox, clients, clock) => {
      const cache = new InventoryCache({ clients, policies: [POLICY], now: () => clock.now });
      await cache.resync();
      const drift = staleInstanceOf(sandbox);
      // The replacement task starts and registers: one instance more than the cache saw.
      sandbox.advance(120_000);
      clock.now += 60_000;
      const after = await cache.resync();
      assert.equal(cache.lastResync?.kind, 'signals');
      const task = after.tasks.find((t) => t.id === drift.instanceId);
      assert.equal(task?.lastStatus, 'STOPPED', 'the dead task is re-read');
      const registry = after.cloudMapServices.find((s) => s.id === drift.serviceId)!;
      assert.ok(
        registry.instances?.some((i) => i.id === drift.instanceId),
        'its instance is still registered, and the cache shows it',
      );
      assert.ok(
        after.tasks.some(
          (t) =>
            t.serviceName === drift.ecsService &&
            t.lastStatus === 'RUNNING' &&
            registry.instances?.some((i) => i.id === t.id) &&
            t.id !== drift.instanceId,
        ),
        'the replacement is read too',
      );
    });
  });

  it('leaves drift no signal shows to the full read, which runs once the full-resync period has passed', async () => {
    await withFleet(async (sandbox, clients, clock) => {
      const cache = new InventoryCache({
        clients,
        policies: [POLICY],
        now: () => clock.now,
        fullResyncMs: 10 * 60_000,
      });
      await cache.resync();
      const drift = staleInstanceOf(sandbox);
      sandbox.advance(120_000);
      // The replacement failed to register: the instance count, running count and deployments look as before.
      const replacement = [...sandbox.ecs.state.tasks.values()].find(
        (t) =>
          t.service?.name === drift.ecsService &&
          t.lastStatus === 'RUNNING' &&
          t.registeredIn.includes(drift.serviceId) &&
          t.id !== drift.instanceId &&
          (t.startedAt ?? 0) > sandbox.clock.now() - 130_000,
      )!;
      sandbox.drift({
        kind: 'failed-registration',
        serviceId: drift.serviceId,
        cluster: drift.cluster,
        ecsService: drift.ecsService,
        ...{ taskId: replacement.id },
      });
      clock.now += 60_000;
      let after = await cache.resync();
      assert.equal(cache.lastResync?.kind, 'signals');
      assert.equal(
        after.tasks.find((t) => t.id === drift.instanceId)?.lastStatus,
        'RUNNING',
        'no signal moved: the cache still has the task running',
      );

      clock.now += 10 * 60_000;
      after = await cache.resync();
      assert.deepEqual(cache.lastResync, { kind: 'full', reason: 'full-resync period' });
      assert.equal(after.tasks.find((t) => t.id === drift.instanceId)?.lastStatus, 'STOPPED');
    });
  });

  it('reads everything at the resync after a read error, and keeps the error in the inventory until then', async () => {
    await withFleet(async (sandbox, clients, clock) => {
      const cache = new InventoryCache({ clients, policies: [POLICY], now: () => clock.now });
      await cache.resync();
      // Every cluster's services are described in this resync (one whose counts moved, the other in its sweep).
      const victim = [...sandbox.ecs.state.servicesByArn.values()].find(
        (x) => x.cluster.name === 'bench-001' && x.status === 'ACTIVE',
      )!;
      sandbox.drift({ kind: 'stale-instance', cluster: 'bench-001', ecsService: victim.name });
      sandbox.faults.add({ operation: 'ecs:DescribeServices', errorCode: 'AccessDeniedException' });
      clock.now += 60_000;
      const failed = await cache.resync();
      assert.equal(cache.lastResync?.kind, 'signals');
      assert.ok(
        failed.readErrors.some((e) => e.operation === 'ecs:DescribeServices' && e.scope.kind === 'cluster'),
        'the error forbids pruning in its cluster',
      );
      assert.equal(failed.services.length, 80, 'a failed describe proves no service gone');
      sandbox.faults.clear();
      clock.now += 60_000;
      const repaired = await cache.resync();
      assert.deepEqual(cache.lastResync, { kind: 'full', reason: 'read errors' });
      assert.deepEqual(repaired.readErrors, []);
    });
  });
});
