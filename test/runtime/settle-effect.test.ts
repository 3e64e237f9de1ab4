/**
 * After a deregistration Cloud Map reports done, the next plan sees the instance gone without listing the service
 * again: the operation's SUCCESS is the proof, patched into the cache (the action registry's `effect`). Against
 * the sandbox with the real SDK, through plan-and-apply as the reconciler runs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../sandbox/index.js';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import { planAndApply, TargetProgress, type PlanTarget } from '../../controller/runtime/plan-and-apply.js';
import { MemoryDeletionLedger } from '../../controller/plan/deletion-budget.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { RecentActions } from '../../controller/telemetry/status.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { makePolicy } from '../fixtures/policy.js';
import { SMALL_FLEET } from '../aws/small-fleet.js';

test('a deregistration whose operation succeeded is patched into the cache, not listed again', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const clock = { now: () => sandbox.clock.now() };
  try {
    const policy = {
      ...makePolicy({
        rules: {
          dnsTtl: { enabled: false },
          taskLimit: { enabled: false },
          serviceConnectRefresh: { enabled: false },
          cloudMapOrphans: { gracePeriodMs: 0 },
        },
      }),
      mode: 'enforce' as const,
    };
    const cache = new InventoryCache({ clients, policies: [policy], now: clock.now });
    await cache.full();
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod-a', ecsService: 'orders' }) as {
      instanceId: string;
    };
    await cache.refresh([{ kind: 'ecs-task', cluster: 'prod-a', service: 'orders', task: drift.instanceId }]);
    const t: PlanTarget = {
      target: { key: 'us-east-1', region: 'us-east-1', isDefault: true },
      set: { revision: 'r', policies: [policy] },
      cache,
      actuator: new Actuator({ clients, logger: silentLogger(), clock, dryRun: false, operationPollMs: 1_000 }),
      progress: new TargetProgress(),
      deletionLedger: new MemoryDeletionLedger(),
      awsClock: clock,
    };
    const env = {
      metrics: new ControllerMetrics({ defaultMetrics: false }),
      logger: silentLogger(),
      timers: clock,
      dryRun: false,
      stopSignal: new AbortController().signal,
      recentActions: new RecentActions(),
    };
    const registry = () => cache.inventory!.cloudMapServices.find((s) => s.name === 'orders')!;

    const first = await planAndApply(t, env);
    const submitted = first.outcomes.find((o) => o.action.type === 'cloudmap:DeregisterInstance');
    assert.equal(submitted?.result, 'pending');
    assert.ok(
      registry().instances?.some((i) => i.id === drift.instanceId),
      'still listed until the operation ends',
    );

    sandbox.advance(60_000);
    const before = sandbox.calls.snapshot();
    const second = await planAndApply(t, env);
    const calls = Object.fromEntries(
      Object.entries(sandbox.calls.snapshot())
        .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    assert.equal(second.outcomes.find((o) => o.action.type === 'cloudmap:DeregisterInstance')?.result, 'success');
    assert.deepEqual(calls, { 'servicediscovery:GetOperation': 1 });
    assert.ok(!registry().instances?.some((i) => i.id === drift.instanceId), 'gone from the cache');
    assert.equal(second.plan.actions.length, 0, 'and from the plan');
    assert.ok(!sandbox.cloudMap.instances(registry().id).some((i) => i.id === drift.instanceId), 'and from Cloud Map');
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});
