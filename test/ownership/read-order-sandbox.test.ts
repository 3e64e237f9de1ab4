/**
 * Read order, randomized: a task that starts after its cluster's services were read and registers before the
 * Cloud Map instances are listed must not look stale. An instance is stale only when its task is proven
 * STOPPED or absent by a read made after the instance was seen (the reader describes every instance's task by
 * id after the listing). Real SDK against the sandbox, which starts the task in the gap between the two reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../sandbox/index.js';
import { setDesiredCount } from '../../sandbox/ecs/models/scheduler.js';
import { createAwsClients } from '../../controller/aws/clients.js';
import { makePolicy } from '../fixtures/policy.js';
import { reconcileOnce, seeded } from './harness.js';

const SEEDS = [1, 2, 3, 4, 5, 6];

function scenario(random: () => number) {
  const services = ['orders', 'billing', 'search'].map((name) => ({
    name,
    desiredCount: 2 + Math.floor(random() * 3),
    created: '-2d',
    registry: { namespace: 'internal.local', ttl: 10 },
  }));
  return {
    name: 'read-order',
    namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
    clusters: [{ name: 'prod', services }],
  };
}

for (const seed of SEEDS) {
  test(`seed ${seed}: tasks started between the ECS read and the instance listing are alive, not stale`, async () => {
    const random = seeded(seed);
    const sandbox = await startSandbox({ port: 0, scenario: scenario(random), random, taskStartDelayMs: 1_000 });
    const clients = createAwsClients({
      region: sandbox.region,
      endpoint: sandbox.url,
      maxAttempts: 3,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    // Instances are listed a moment after the tasks, so the scale-out below lands in between.
    sandbox.faults.add({ operation: 'servicediscovery:ListInstances', latencyMs: 150 });
    const started: string[] = [];
    let fired = false;
    clients.ecs.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const output = await next(args);
        if (!fired && context.commandName === 'DescribeServicesCommand') {
          fired = true;
          // Scale a random service out: its new tasks start and register before the instances are listed.
          const service = [...sandbox.ecs.state.servicesByArn.values()][Math.floor(random() * 3)];
          const before = new Set(service.runningTaskIds.all());
          setDesiredCount(sandbox.ecs.state, service, service.desiredCount + 1 + Math.floor(random() * 2));
          sandbox.advance(1_000);
          started.push(...service.runningTaskIds.all().filter((id) => !before.has(id)));
        }
        return output;
      },
      { step: 'initialize', name: 'startTasksAfterListing' },
    );
    try {
      const policy = makePolicy({
        rules: {
          serviceConnectRefresh: { enabled: false },
          dnsTtl: { enabled: false },
          taskLimit: { enabled: false },
          cloudMapOrphans: { gracePeriodMs: 0 },
        },
      });
      const { plan } = await reconcileOnce(sandbox, clients, [policy]);

      assert.ok(started.length > 0, 'the sandbox started tasks in the gap');
      const deregistered = plan.actions.filter(
        (a) => a.action.type === 'cloudmap:DeregisterInstance' && a.decision === 'execute',
      );
      assert.deepEqual(
        deregistered.map((a) => a.finding.key),
        [],
      );
      assert.deepEqual(sandbox.truth().wronglyDeleted, []);
      for (const id of started) {
        assert.ok(
          sandbox.cloudMap.services().some((s) => sandbox.cloudMap.instances(s.id).some((i) => i.id === id)),
          `instance of new task ${id} is still registered`,
        );
      }
    } finally {
      clients.destroy();
      await sandbox.close();
    }
  });
}
