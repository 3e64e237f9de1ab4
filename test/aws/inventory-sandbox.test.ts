/** The inventory reader through the real SDK clients against the sandbox emulator. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { readBudget } from '../../controller/aws/read-budget.js';
import { makePolicy } from '../fixtures/policy.js';
import { control, SMALL_FLEET } from './small-fleet.js';

let sandbox: Sandbox;
let clients: AwsClients;

/** Seeded randomness so injected throttling hits the same calls on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET, random: seeded(42) });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});
after(async () => {
  clients?.destroy();
  await sandbox?.close();
});

test('the inventory of the small scenario matches it', async () => {
  const inventory = await readInventory(clients, [makePolicy()]);

  assert.deepEqual(inventory.readErrors, []);
  assert.equal(inventory.account, '111122223333');
  assert.deepEqual(inventory.clusters.map((c) => c.name).sort(), ['prod-a', 'prod-b']);
  const services = inventory.services.map((s) => `${s.clusterName}/${s.name}:${s.status}`).sort();
  // The deleted service is not listed by ECS but its recently stopped task names it, so it is described.
  assert.deepEqual(services, [
    'prod-a/billing:ACTIVE',
    'prod-a/old:INACTIVE',
    'prod-a/orders:ACTIVE',
    'prod-b/web:ACTIVE',
  ]);
  const running = inventory.tasks.filter((t) => t.lastStatus === 'RUNNING');
  assert.deepEqual(
    Object.fromEntries(['orders', 'billing', 'web'].map((n) => [n, running.filter((t) => t.serviceName === n).length])),
    { orders: 3, billing: 2, web: 2 },
  );
  assert.ok(running.every((t) => t.deploymentId?.startsWith('ecs-svc/') && t.startedAt !== undefined));
  const orders = inventory.services.find((s) => s.name === 'orders')!;
  const ordersRegistry = inventory.cloudMapServices.find((s) => s.arn === orders.serviceRegistries[0]?.registryArn);
  assert.equal(ordersRegistry?.name, 'orders');
  assert.deepEqual(ordersRegistry?.dnsRecords, [{ type: 'A', ttl: 300 }]);
  assert.deepEqual(
    ordersRegistry?.instances?.map((i) => i.attributes.ECS_SERVICE_NAME),
    ['orders', 'orders', 'orders'],
  );
  const legacy = inventory.cloudMapServices.find((s) => s.name === 'legacy');
  assert.deepEqual(
    legacy?.instances?.map((i) => i.id),
    ['i-manual'],
  );
  const billing = inventory.cloudMapServices.find((s) => s.name === 'billing');
  assert.equal(billing?.type, 'HTTP');
  assert.equal(billing?.instances?.length, 2);
  const mesh = inventory.namespaces.find((n) => n.name === 'mesh');
  assert.equal(mesh?.type, 'HTTP');
  assert.equal(billing?.namespaceId, mesh?.id);
});

test('a full read makes exactly the lower-bound number of calls for each operation', async () => {
  await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });
  const policies = [makePolicy()];

  const inventory = await readInventory(clients, policies);

  const { 'cloudtrail:LookupEvents': lookups, ...calls } = await control<Record<string, number>>(
    sandbox.url,
    '/_sandbox/calls',
  );
  assert.deepEqual(calls, readBudget(inventory, policies));
  // Ownership evidence: one page of CloudTrail history at most for this small fleet, paced apart.
  assert.ok((lookups ?? 0) <= 1, `LookupEvents ${lookups}`);
});

test("AccessDenied on one cluster's ListServices is a read error for that cluster only", async () => {
  await control(sandbox.url, '/_sandbox/faults', {
    method: 'POST',
    body: { operation: 'ecs:ListServices', errorCode: 'AccessDeniedException', match: 'prod-b' },
  });
  try {
    const inventory = await readInventory(clients, [makePolicy()]);

    assert.deepEqual(
      inventory.readErrors.map((e) => [e.scope, e.operation, e.code]),
      [[{ kind: 'cluster', cluster: 'prod-b' }, 'ecs:ListServices', 'AccessDeniedException']],
    );
    assert.ok(inventory.services.some((s) => s.name === 'orders'));
    // prod-b's services are unknown, so are its Service Connect clients: no task of prod-b is read (the read
    // error already forbids pruning anywhere).
    assert.ok(!inventory.services.some((s) => s.clusterName === 'prod-b'));
    assert.ok(!inventory.tasks.some((t) => t.clusterName === 'prod-b'));
  } finally {
    await control(sandbox.url, '/_sandbox/faults', { method: 'DELETE' });
  }
});

test('throttled DescribeServices calls are retried and the read still completes', async () => {
  await control(sandbox.url, '/_sandbox/faults', {
    method: 'POST',
    body: { operation: 'ecs:DescribeServices', throttleRate: 0.5 },
  });
  try {
    await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });
    const inventory = await readInventory(clients, [makePolicy()]);
    const calls = await control<Record<string, number>>(sandbox.url, '/_sandbox/calls');
    assert.ok(
      calls['ecs:DescribeServices'] > 3,
      `some DescribeServices calls were throttled and retried (${calls['ecs:DescribeServices']})`,
    );
    assert.deepEqual(inventory.readErrors, []);
    assert.equal(inventory.services.filter((s) => s.status === 'ACTIVE').length, 3);
  } finally {
    await control(sandbox.url, '/_sandbox/faults', { method: 'DELETE' });
  }
});
