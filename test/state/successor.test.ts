/**
 * A replica killed in the middle of an apply leaves nothing half done: through the real SDK against the
 * sandbox and its DynamoDB, replica A journals a deregistration (its Cloud Map operation submitted, not
 * followed) and a redeploy (sent, outcome never written), then dies. Replica B takes the lease once it has
 * expired, follows A's operation to SUCCESS (through its actuator's operation follower, the only GetOperation caller), closes the interrupted intent, and does not redeploy again even
 * when its plan was made from an inventory read before A's redeploy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ListInstancesCommand } from '@aws-sdk/client-servicediscovery';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import { deregisterInstance } from '../../controller/actuator/cloudmap.js';
import { forceNewDeployment } from '../../controller/actuator/ecs.js';
import { WriteRateLimiter } from '../../controller/actuator/rate-limit.js';
import type { Inventory } from '../../controller/inventory/model.js';
import { LeaseCoordinator } from '../../controller/state/leases.js';
import { createStateStore } from '../../controller/state/resolve.js';
import { TargetState } from '../../controller/state/target-state.js';
import type { StateStore } from '../../controller/state/types.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const FLEET = {
  name: 'successor',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'api',
          desiredCount: 2,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
        },
      ],
    },
  ],
};
const TARGET = 'us-east-1';
const LEASE_MS = 10_000;

let sandbox: Sandbox;
let clients: AwsClients;
const stores: StateStore[] = [];
before(async () => {
  sandbox = await startSandbox({ port: 0, scenario: FLEET, stateTable: 'state' });
  clients = createAwsClients({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});
after(async () => {
  clients.destroy();
  for (const s of stores) s.close();
  await sandbox.close();
});

function replica(id: string, monotonic: () => number) {
  const store = createStateStore('dynamodb://state', {
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
    appId: id,
  });
  stores.push(store);
  const leases = new LeaseCoordinator({
    store,
    replicaId: id,
    durationMs: LEASE_MS,
    clock: sandbox.clock,
    logger: silentLogger(),
    monotonic,
  });
  leases.setTargets([TARGET]);
  const state = new TargetState({
    store,
    target: TARGET,
    fence: () => leases.fence(TARGET),
    heldFence: () => leases.heldFence(TARGET),
    clock: sandbox.clock,
    logger: silentLogger(),
  });
  return { leases, state, store };
}

test("a successor finishes what a killed replica's apply left: follows its Cloud Map operation, never repeats its redeploy", async () => {
  let now = 0;
  const a = replica('replica-a', () => now);
  const b = replica('replica-b', () => now);
  const ctx = { clients, limiter: new WriteRateLimiter(50), operationTimeoutMs: 5_000, operationPollMs: 10 };
  await a.leases.tick();
  await b.leases.tick();
  assert.ok(a.leases.holds(TARGET) && !b.leases.holds(TARGET));
  await a.state.load();

  const described = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
  const service = described.services![0];
  const cloudMapId = service.serviceRegistries![0].registryArn!.split('/').pop()!;
  const staleView = {
    services: [
      {
        arn: service.serviceArn!,
        deployments: service.deployments!.map((d) => ({ createdAt: d.createdAt!.getTime() })),
      },
    ],
  } as unknown as Inventory;
  const [instance] = (await clients.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: cloudMapId })))
    .Instances!;

  // A: a deregistration, submitted and journaled as such; then a redeploy sent without its outcome. A dies.
  const deregistration = await a.state.intent({
    action: 'cloudmap:DeregisterInstance',
    resource: `cloudmap-service/${cloudMapId}/${instance.Id}`,
    findingKey: 'k1',
    policy: 'p',
  });
  const result = await deregisterInstance(ctx, {
    type: 'cloudmap:DeregisterInstance',
    serviceId: cloudMapId,
    instanceId: instance.Id!,
  });
  assert.deepEqual([result.result, result.reason], ['pending', 'operation-submitted']);
  await a.state.outcome(deregistration, 'submitted', result.reason, result.operationId);
  await a.state.intent({
    action: 'ecs:ForceNewDeployment',
    resource: `ecs-service/${service.serviceArn}`,
    findingKey: 'k2',
    policy: 'p',
  });
  await clients.ecs.send(
    new UpdateServiceCommand({ cluster: 'prod', service: service.serviceArn!, forceNewDeployment: true }),
  );
  sandbox.advance(10 * 60_000); // the redeploy completes

  // B takes the expired lease (A stopped renewing) and settles the journal.
  for (let i = 0; i < 6 && !b.leases.holds(TARGET); i += 1) {
    now += LEASE_MS / 2;
    await b.leases.tick();
  }
  assert.ok(b.leases.holds(TARGET), 'B took the lease after it expired');
  await assert.rejects(
    a.state.intent({ action: 'ecs:ForceNewDeployment', resource: 'x', findingKey: 'k3', policy: 'p' }),
    /no longer held|lease/,
  );
  await b.state.load();
  // B's actuator follows A's operation (the journal hands it over and asks AWS nothing itself) and journals its end.
  const actuator = new Actuator({
    clients,
    logger: silentLogger(),
    clock: sandbox.clock,
    dryRun: false,
    journal: b.state,
    operationPollMs: 10,
  });
  for (let i = 0; i < 5 && (await b.store.pendingJournal(TARGET)).length > 0; i += 1) {
    actuator.adoptOperations(await b.state.settlePending());
    await actuator.settle(undefined, true);
  }
  assert.deepEqual(await b.store.pendingJournal(TARGET), [], 'nothing left pending');
  const finished = await b.store.recentJournal(TARGET, 0);
  assert.deepEqual(finished.map((e) => [e.action, e.owner, e.outcome?.result]).sort(), [
    ['cloudmap:DeregisterInstance', 'replica-a', 'success'],
    ['ecs:ForceNewDeployment', 'replica-a', 'skipped'],
  ]);
  const left =
    (await clients.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: cloudMapId }))).Instances ?? [];
  assert.ok(!left.some((i) => i.Id === instance.Id), 'the deregistration A submitted took effect');

  // B's plan, made now from an inventory read before A's redeploy, would redeploy again: the journal says no.
  b.state.setPlanView(staleView);
  const journaledAt = b.state.lastRedeployIntent(`ecs-service/${service.serviceArn}`);
  assert.ok(journaledAt !== undefined);
  const redeploy = await forceNewDeployment(
    ctx,
    { type: 'ecs:ForceNewDeployment', cluster: 'prod', service: 'api', serviceArn: service.serviceArn! },
    sandbox.clock.now(),
    journaledAt,
  );
  assert.deepEqual(redeploy, { result: 'skipped', reason: 'already-redeployed' });
  const withoutJournal = await forceNewDeployment(
    ctx,
    { type: 'ecs:ForceNewDeployment', cluster: 'prod', service: 'api', serviceArn: service.serviceArn! },
    sandbox.clock.now() + 1,
    undefined,
  );
  assert.equal(
    withoutJournal.result,
    'success',
    'without the journal the stale plan would have redeployed a second time',
  );
});
