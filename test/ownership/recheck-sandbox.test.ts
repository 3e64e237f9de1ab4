/**
 * Just before a deletion the actuator re-reads what could make it wrong: the task of the instance, and the ECS
 * services the evidence names. A plan made from a cache is a proposal, not a licence. Real SDK, sandbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateServiceCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { buildPlan } from '../../controller/plan/build.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { makePolicy } from '../fixtures/policy.js';
import { planned, planOf } from '../actuator/fixtures.js';
import { decisions, seeded } from './harness.js';

const scenario = {
  name: 'recheck',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'api',
          desiredCount: 1,
          created: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
          deleted: true,
        },
        { name: 'web', desiredCount: 2, created: '-2d', registry: { namespace: 'internal.local', ttl: 10 } },
      ],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;
let actuator: Actuator;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(17) });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 3,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  actuator = new Actuator({
    clients,
    logger: silentLogger(),
    clock: { now: () => sandbox.clock.now() },
    dryRun: false,
    operationPollMs: 5,
  });
  sandbox.advance(10_000);
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

test('an ECS service recreated on the registry after the plan was made stops its deletion', async () => {
  const policy = {
    ...makePolicy({
      rules: {
        serviceConnectRefresh: { enabled: false },
        dnsTtl: { enabled: false },
        taskLimit: { enabled: false },
        cloudMapOrphans: { gracePeriodMs: 0 },
      },
    }),
    mode: 'enforce' as const,
  };
  const inventory = await readInventory(clients, [policy], { now: () => sandbox.clock.now() });
  const { plan } = buildPlan({
    policies: { revision: 'r', policies: [policy] },
    inventory,
    now: sandbox.clock.now(),
    firstSeen: new Map(),
  });
  assert.deepEqual(decisions(plan), ['cloudmap:DeleteService api: execute']);

  // Between the plan and the write, the team recreates `api` on the same registry (no task yet, so no instance).
  const registry = sandbox.cloudMap.services().find((s) => s.name === 'api')!;
  await clients.ecs.send(
    new CreateServiceCommand({
      cluster: 'prod',
      serviceName: 'api',
      taskDefinition: 'api',
      desiredCount: 0,
      serviceRegistries: [{ registryArn: registry.arn }],
    }),
  );

  const [outcome] = await actuator.apply(plan);
  assert.deepEqual([outcome.result, outcome.reason], ['skipped', 'still-referenced']);
  assert.ok(sandbox.cloudMap.serviceById(registry.id), 'the registry is still there');
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);
});

test('a deregistration whose task is running when the write is due is skipped', async () => {
  const registry = sandbox.cloudMap.services().find((s) => s.name === 'web')!;
  const [instance] = sandbox.cloudMap.instances(registry.id);
  const plan = planOf(
    [
      planned({
        type: 'cloudmap:DeregisterInstance',
        serviceId: registry.id,
        instanceId: instance.id,
        cluster: 'prod',
      }),
    ],
    sandbox.clock.now(),
  );

  const [outcome] = await actuator.apply(plan);
  assert.deepEqual([outcome.result, outcome.reason], ['skipped', 'task-running']);
  assert.ok(sandbox.cloudMap.instances(registry.id).some((i) => i.id === instance.id));
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);
});

test('a deregistration whose task the plan saw STOPPED is sent without describing the task again (STOPPED is final)', async () => {
  const policy = {
    ...makePolicy({
      rules: {
        serviceConnectRefresh: { enabled: false },
        dnsTtl: { enabled: false },
        taskLimit: { enabled: false },
        cloudMapOrphans: { gracePeriodMs: 0, services: false },
      },
    }),
    mode: 'enforce' as const,
  };
  const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod', ecsService: 'web' }) as {
    instanceId: string;
  };
  const inventory = await readInventory(clients, [policy], { now: () => sandbox.clock.now() });
  const { plan } = buildPlan({
    policies: { revision: 'r', policies: [policy] },
    inventory,
    now: sandbox.clock.now(),
    firstSeen: new Map(),
  });
  const deregistration = plan.actions.find((a) => a.action.type === 'cloudmap:DeregisterInstance');
  assert.deepEqual(deregistration?.action, {
    type: 'cloudmap:DeregisterInstance',
    serviceId: sandbox.cloudMap.services().find((s) => s.name === 'web')!.id,
    instanceId: drift.instanceId,
    cluster: 'prod',
    taskStopped: true,
  });

  const before = sandbox.calls.snapshot();
  const [outcome] = await actuator.apply(plan);
  assert.equal(outcome.result, 'pending');
  const after = sandbox.calls.snapshot();
  assert.equal((after['ecs:DescribeTasks'] ?? 0) - (before['ecs:DescribeTasks'] ?? 0), 0);
  assert.equal(after['servicediscovery:DeregisterInstance'] - (before['servicediscovery:DeregisterInstance'] ?? 0), 1);
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);
});
