/**
 * One follower for Cloud Map operations: the actuator's. With a state store, the journal learns an operation's
 * end from that follower instead of asking Cloud Map itself, so each check is one GetOperation, not two.
 * Against the sandbox (whose frozen-clock operations reach SUCCESS at the third GetOperation).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ListInstancesCommand, ListServicesCommand } from '@aws-sdk/client-servicediscovery';
import { Actuator } from '../../controller/actuator/actuator.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { LeaseCoordinator } from '../../controller/state/leases.js';
import { MemoryStateStore } from '../../controller/state/memory.js';
import { TargetState } from '../../controller/state/target-state.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { planned, planOf } from '../actuator/fixtures.js';

const TARGET = 'us-east-1';
const FLEET = {
  name: 'operation-journal',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [{ name: 'api', desiredCount: 2, created: '-20d', registry: { namespace: 'internal.local', ttl: 10 } }],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;
before(async () => {
  sandbox = await startSandbox({ port: 0, scenario: FLEET });
  clients = createAwsClients({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});
after(async () => {
  clients.destroy();
  await sandbox.close();
});

async function journaledState() {
  const store = new MemoryStateStore();
  const leases = new LeaseCoordinator({
    store,
    replicaId: 'replica',
    durationMs: 60_000,
    clock: sandbox.clock,
    logger: silentLogger(),
    monotonic: () => 0,
  });
  leases.setTargets([TARGET]);
  await leases.tick();
  const state = new TargetState({
    store,
    target: TARGET,
    fence: () => leases.fence(TARGET),
    clock: sandbox.clock,
    logger: silentLogger(),
  });
  await state.load();
  return { store, state };
}

test('a journaled deregistration is looked up once per check, and the follower journals its end', async () => {
  const { store, state } = await journaledState();
  const actuator = new Actuator({
    clients,
    logger: silentLogger(),
    clock: sandbox.clock,
    dryRun: false,
    journal: state,
    operationPollMs: 10,
  });
  const [service] = (await clients.serviceDiscovery.send(new ListServicesCommand({}))).Services!;
  const [instance] = (await clients.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: service.Id! })))
    .Instances!;
  const [outcome] = await actuator.apply(
    planOf(
      [planned({ type: 'cloudmap:DeregisterInstance', serviceId: service.Id!, instanceId: instance.Id! })],
      sandbox.clock.now(),
    ),
  );
  assert.equal(outcome.result, 'pending');
  assert.deepEqual(
    (await store.pendingJournal(TARGET)).map((e) => e.outcome?.result),
    ['submitted'],
  );

  // Passes as the runtime makes them: the journal hands its submitted operations over, the actuator settles.
  const checksPerPass: number[] = [];
  for (let pass = 0; pass < 5 && (await store.pendingJournal(TARGET)).length > 0; pass += 1) {
    const before = sandbox.calls.snapshot()['servicediscovery:GetOperation'] ?? 0;
    actuator.adoptOperations(await state.settlePending());
    await actuator.settle(undefined, true);
    checksPerPass.push((sandbox.calls.snapshot()['servicediscovery:GetOperation'] ?? 0) - before);
  }
  assert.deepEqual(
    checksPerPass,
    [1, 1, 1],
    'one GetOperation per pass for one operation, until it succeeded at the third',
  );
  const [finished] = await store.recentJournal(TARGET, 0);
  assert.deepEqual(
    [finished.action, finished.outcome?.result, finished.outcome?.reason],
    ['cloudmap:DeregisterInstance', 'success', 'operation-succeeded'],
  );
  assert.equal(actuator.pendingOperations(), 0);
});

test('after a restart, the operation the journal shows submitted is followed to its end by the new actuator', async () => {
  const { store, state } = await journaledState();
  const first = new Actuator({
    clients,
    logger: silentLogger(),
    clock: sandbox.clock,
    dryRun: false,
    journal: state,
    operationPollMs: 10,
  });
  const services = (await clients.serviceDiscovery.send(new ListServicesCommand({}))).Services!;
  const instances =
    (await clients.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: services[0].Id! }))).Instances ?? [];
  assert.ok(instances.length > 0, 'the scenario keeps an instance for this test');
  await first.apply(
    planOf(
      [planned({ type: 'cloudmap:DeregisterInstance', serviceId: services[0].Id!, instanceId: instances[0].Id! })],
      sandbox.clock.now(),
    ),
  );

  // The process restarts: a new actuator knows nothing of the operation; the journal does.
  const second = new Actuator({
    clients,
    logger: silentLogger(),
    clock: sandbox.clock,
    dryRun: false,
    journal: state,
    operationPollMs: 10,
  });
  for (let pass = 0; pass < 5 && (await store.pendingJournal(TARGET)).length > 0; pass += 1) {
    second.adoptOperations(await state.settlePending());
    await second.settle(undefined, true);
  }
  assert.deepEqual(await store.pendingJournal(TARGET), []);
  assert.deepEqual(
    (await store.recentJournal(TARGET, 0)).map((e) => e.outcome?.result),
    ['success'],
  );
  assert.equal(second.pendingOperations(), 0, 'an adopted operation holds no action of the new actuator back');
});
