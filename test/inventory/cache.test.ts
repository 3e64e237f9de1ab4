/** The inventory cache: targeted refreshes read little, merge correctly, and keep read errors honest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import { makePolicy } from '../fixtures/policy.js';
import { fakeClients, smallFleet } from './fake-fleet.js';

test('a task-state refresh of one ECS service takes at most 5 API calls and merges the new state', async () => {
  const fleet = smallFleet();
  const { clients, calls } = fakeClients(fleet);
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    await cache.full();
    calls();
    // Task t2 stops; ECS deregisters its instance.
    fleet.tasks[1] = { ...fleet.tasks[1], desired: 'STOPPED', last: 'STOPPED' };
    fleet.cmServices[0].instances.pop();

    const inventory = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);

    const made = calls();
    assert.ok(made.length <= 5, `expected at most 5 calls, made ${made.length}: ${made.join(', ')}`);
    assert.deepEqual(inventory.tasks.map((t) => [t.id, t.desiredStatus]).sort(), [
      ['t1', 'RUNNING'],
      ['t2', 'STOPPED'],
    ]);
    assert.deepEqual(
      inventory.cloudMapServices[0].instances?.map((i) => i.id),
      ['t1'],
    );
    assert.deepEqual(
      inventory.services.map((s) => s.name),
      ['orders'],
    );
  } finally {
    clients.destroy();
  }
});

test('a refresh that fails keeps the old data and records the error; the next good refresh clears it', async () => {
  const fleet = smallFleet();
  const { clients } = fakeClients(fleet);
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    await cache.full();
    fleet.failOnce.set('ecs:ListTasks', 'AccessDeniedException');

    const failed = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);

    assert.equal(failed.tasks.length, 2, 'old tasks are kept when their re-read failed');
    assert.deepEqual(
      failed.readErrors.map((e) => [e.scope, e.operation, e.code, e.resource]),
      [[{ kind: 'cluster', cluster: 'prod' }, 'ecs:ListTasks', 'AccessDeniedException', 'orders']],
    );

    const healed = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);
    assert.deepEqual(healed.readErrors, []);
  } finally {
    clients.destroy();
  }
});

test('a cluster-wide read error survives a refresh of one service in that cluster', async () => {
  const fleet = smallFleet();
  const { clients } = fakeClients(fleet);
  fleet.failOnce.set('ecs:ListServices', 'AccessDeniedException');
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    const first = await cache.full();
    assert.equal(first.readErrors.length, 1);

    const after = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);

    // One service read fine, but the cluster's listing is still unknown: pruning there stays forbidden.
    assert.deepEqual(
      after.readErrors.map((e) => e.operation),
      ['ecs:ListServices'],
    );
    const cleared = await cache.refresh([{ kind: 'cluster', cluster: 'prod' }]);
    assert.deepEqual(cleared.readErrors, []);
  } finally {
    clients.destroy();
  }
});

test('a cloudmap-service refresh re-reads the service and drops it from the cache once it is deleted', async () => {
  const fleet = smallFleet();
  const { clients, calls } = fakeClients(fleet);
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    await cache.full();
    calls();
    fleet.cmServices[0].ttl = 300;
    const updated = await cache.refresh([{ kind: 'cloudmap-service', serviceId: 'srv-orders' }]);
    assert.equal(updated.cloudMapServices[0].dnsRecords[0].ttl, 300);
    assert.deepEqual(calls().sort(), [
      'servicediscovery:GetService',
      'servicediscovery:ListInstances',
      'servicediscovery:ListTagsForResource',
    ]);

    fleet.cmServices = [];
    const deleted = await cache.refresh([{ kind: 'cloudmap-service', serviceId: 'srv-orders' }]);
    assert.deepEqual(deleted.cloudMapServices, []);
    assert.deepEqual(deleted.readErrors, []);
  } finally {
    clients.destroy();
  }
});

test('a namespace refresh replaces its services and clears the errors of their earlier reads', async () => {
  const fleet = smallFleet();
  const { clients } = fakeClients(fleet);
  fleet.failOnce.set('servicediscovery:ListInstances', 'ThrottlingException');
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    const first = await cache.full();
    assert.equal(first.cloudMapServices[0].instances, undefined);
    assert.equal(first.readErrors[0]?.scope.kind, 'cloudmap-service');
    fleet.cmServices.push({ id: 'srv-new', name: 'billing', ttl: 10, instances: [] });

    const refreshed = await cache.refresh([{ kind: 'namespace', namespace: 'internal.local' }]);

    assert.deepEqual(
      refreshed.cloudMapServices.map((s) => [s.name, s.instances?.length]),
      [
        ['orders', 2],
        ['billing', 0],
      ],
    );
    assert.deepEqual(refreshed.readErrors, []);
  } finally {
    clients.destroy();
  }
});

test("keys outside every policy's scope cost no calls", async () => {
  const fleet = smallFleet();
  const { clients, calls } = fakeClients(fleet);
  const policy = makePolicy({
    target: { clusters: ['prod'], namespaces: ['internal.local'] },
    rules: { cloudMapOrphans: { enabled: false } },
  });
  const cache = new InventoryCache({ clients, policies: [policy] });
  try {
    await cache.full();
    calls();
    await cache.refresh([{ kind: 'ecs-service', cluster: 'staging', service: 'web' }]);
    assert.deepEqual(calls(), []);
  } finally {
    clients.destroy();
  }
});

test('refreshing a service ECS no longer knows removes it and its tasks without a read error', async () => {
  const fleet = smallFleet();
  const { clients } = fakeClients(fleet);
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    await cache.full();
    fleet.services = [];
    fleet.tasks = [];

    const inventory = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);

    assert.deepEqual(inventory.services, []);
    assert.deepEqual(inventory.tasks, []);
    assert.deepEqual(inventory.readErrors, []);
  } finally {
    clients.destroy();
  }
});
