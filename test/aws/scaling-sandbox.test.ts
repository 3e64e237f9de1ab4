/** Application Auto Scaling maxima through the real SDK clients against the sandbox: read, planned, budgeted, and harmless when they fail. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { readBudget } from '../../controller/aws/read-budget.js';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import { buildPlan } from '../../controller/plan/build.js';
import type { Inventory } from '../../controller/inventory/model.js';
import type { Policy } from '../../controller/policy/types.js';
import { makePolicy } from '../fixtures/policy.js';

const SCALING = 'application-autoscaling:DescribeScalableTargets';

const FLEET = {
  name: 'scaling',
  account: '111122223333',
  namespaces: [{ name: 'internal.local' }, { name: 'mesh', type: 'HTTP' }],
  clusters: [
    {
      name: 'prod',
      services: [
        // Ten tasks today, but autoscaling may take it to 1,200: past Cloud Map's 1,000 instances per service.
        { name: 'clickstream', desiredCount: 10, maxCount: 1200, registry: { namespace: 'internal.local', ttl: 10 } },
        { name: 'api', desiredCount: 2, maxCount: 6, serviceConnect: { namespace: 'mesh', endpoints: ['api'] } },
        // No service discovery: the task limit does not apply, so its maximum is never asked for.
        { name: 'batch', desiredCount: 1, maxCount: 5000 },
        // Deleted: its Cloud Map service is an orphan the plan deletes.
        { name: 'retired', desiredCount: 1, registry: { namespace: 'internal.local', ttl: 10 }, deleted: true },
      ],
    },
    {
      name: 'staging',
      services: [
        {
          name: 'clickstream',
          desiredCount: 1,
          maxCount: 950,
          registry: { namespace: 'internal.local', service: 'clickstream-staging', ttl: 10 },
        },
      ],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario: FLEET, tickMs: 60_000 });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
});
after(async () => {
  clients?.destroy();
  await sandbox?.close();
});

const enforce = (policy: Policy): Policy => ({ ...policy, mode: 'enforce' });
const noGrace = () => enforce(makePolicy({ rules: { cloudMapOrphans: { gracePeriodMs: 0 } } }));
const maxCounts = (inventory: Inventory) =>
  Object.fromEntries(
    inventory.services
      .filter((s) => s.status === 'ACTIVE')
      .map((s) => [`${s.clusterName}/${s.name}`, s.maxCount ?? null]),
  );
const plan = (inventory: Inventory, policies: Policy[]) =>
  buildPlan({ policies: { revision: 'r1', policies }, inventory, now: sandbox.clock.now(), firstSeen: new Map() }).plan;

test('the maximum task count of each service-discovery service comes from its scalable target, and taskLimit reports it', async () => {
  sandbox.calls.reset();
  const policies = [noGrace()];
  const inventory = await readInventory(clients, policies);

  assert.deepEqual(inventory.readErrors, []);
  assert.deepEqual(maxCounts(inventory), {
    'prod/clickstream': 1200,
    'prod/api': 6,
    'prod/batch': null,
    'staging/clickstream': 950,
  });
  // Three services need a maximum: one listing of the account's ECS scalable targets, which is also the lower bound.
  assert.equal(sandbox.calls.snapshot()[SCALING], 1);
  assert.equal(readBudget(inventory, policies)[SCALING], 1);

  // Reported per Cloud Map service: its instances plus the scaling maximum × maximumPercent (200 by default).
  const findings = plan(inventory, policies).findings.filter(
    (f) => f.rule === 'taskLimit' && f.resource.kind === 'cloudmap-service',
  );
  assert.deepEqual(
    findings.map((f) => (f.resource.kind === 'cloudmap-service' ? [f.resource.name, f.observed] : [])).sort(),
    [
      ['clickstream', '10 instances, up to 2400 during deployments; deployments: clickstream: max 1200 × 200%'],
      ['clickstream-staging', '1 instances, up to 1900 during deployments; deployments: clickstream: max 950 × 200%'],
    ],
  );
});

test('a policy without taskLimit reads no scaling targets; one over some clusters reads only theirs', async () => {
  sandbox.calls.reset();
  const off = await readInventory(clients, [makePolicy({ rules: { taskLimit: { enabled: false } } })]);
  assert.equal(sandbox.calls.snapshot()[SCALING], undefined);
  assert.ok(off.services.every((s) => s.maxCount === undefined));

  const stagingOnly = makePolicy({
    target: { clusters: ['staging'] },
    rules: { cloudMapOrphans: { enabled: false }, serviceConnectRefresh: { enabled: false } },
  });
  const narrow = await readInventory(clients, [stagingOnly]);
  assert.deepEqual(maxCounts(narrow), { 'staging/clickstream': 950 });
});

test('a failed scaling read is reported but does not stop Cloud Map pruning', async () => {
  const policies = [noGrace()];
  const clean = plan(await readInventory(clients, policies), policies);
  sandbox.faults.add({ operation: SCALING, errorCode: 'AccessDeniedException' });
  let inventory: Inventory;
  try {
    inventory = await readInventory(clients, policies);
  } finally {
    sandbox.faults.clear();
  }

  assert.deepEqual(
    inventory.readErrors.map((e) => [e.scope, e.operation, e.code]),
    [[{ kind: 'scaling-targets' }, SCALING, 'AccessDeniedException']],
  );
  assert.ok(inventory.services.every((s) => s.maxCount === undefined));
  const degraded = plan(inventory, policies);
  const deletions = (p: typeof clean) =>
    p.actions
      .filter((a) => a.action.type === 'cloudmap:DeleteService')
      .map((a) => `${a.finding.resource.kind === 'cloudmap-service' ? a.finding.resource.name : ''}:${a.decision}`);
  assert.deepEqual(deletions(clean), ['retired:execute']);
  assert.deepEqual(deletions(degraded), deletions(clean));
  // Only the maximum-based findings are missing: the service's desired count is still below warnAt.
  assert.deepEqual(
    degraded.findings.filter((f) => f.rule === 'taskLimit'),
    [],
  );
});

test('more than 50 scalable targets are listed 50 a page, at the lower bound', async () => {
  const big = await startSandbox({
    port: 0,
    tickMs: 60_000,
    scenario: {
      namespaces: [{ name: 'n.local' }],
      clusters: [
        {
          name: 'c',
          services: Array.from({ length: 61 }, (_, i) => ({
            name: `s${i}`,
            desiredCount: 0,
            maxCount: i === 60 ? 1000 : 4,
            registry: { namespace: 'n.local', ttl: 10 },
          })),
        },
      ],
    },
  });
  const bigClients = createAwsClients({
    region: big.region,
    endpoint: big.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const policies = [
      makePolicy({ rules: { cloudMapOrphans: { enabled: false }, serviceConnectRefresh: { enabled: false } } }),
    ];
    big.calls.reset();
    const inventory = await readInventory(bigClients, policies);
    assert.equal(big.calls.snapshot()[SCALING], 2);
    assert.equal(readBudget(inventory, policies)[SCALING], 2);
    assert.equal(inventory.services.filter((s) => s.maxCount !== undefined).length, 61);
    assert.equal(inventory.services.find((s) => s.name === 's60')?.maxCount, 1000);
  } finally {
    bigClients.destroy();
    await big.close();
  }
});

test('one listing per account and region, not one call per 50 services: 120 services across two clusters, 3 scalable targets', async () => {
  const services = (cluster: string) =>
    Array.from({ length: 60 }, (_, i) => ({
      name: `s${i}`,
      desiredCount: 0,
      ...(i < 2 && cluster === 'a' ? { maxCount: 10 + i } : i === 0 ? { maxCount: 99 } : {}),
      registry: { namespace: 'n.local', service: `${cluster}-s${i}`, ttl: 10 },
    }));
  const wide = await startSandbox({
    port: 0,
    tickMs: 60_000,
    scenario: {
      namespaces: [{ name: 'n.local' }],
      clusters: [
        { name: 'a', services: services('a') },
        { name: 'b', services: services('b') },
      ],
    },
  });
  const wideClients = createAwsClients({
    region: wide.region,
    endpoint: wide.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const policies = [
      makePolicy({ rules: { cloudMapOrphans: { enabled: false }, serviceConnectRefresh: { enabled: false } } }),
    ];
    wide.calls.reset();
    const inventory = await readInventory(wideClients, policies);
    // Batches of 50 ResourceIds would have made ceil(120 / 50) = 3 calls.
    assert.equal(wide.calls.snapshot()[SCALING], 1);
    assert.equal(readBudget(inventory, policies)[SCALING], 1);
    assert.deepEqual(
      inventory.services
        .filter((s) => s.maxCount !== undefined)
        .map((s) => `${s.clusterName}/${s.name}=${s.maxCount}`)
        .sort(),
      ['a/s0=10', 'a/s1=11', 'b/s0=99'],
    );
    const log = wide.calls.log().filter((c) => c.operation === SCALING);
    assert.equal(log.length, 1);
  } finally {
    wideClients.destroy();
    await wide.close();
  }
});

test('an event refresh of a service keeps its maximum without a scaling call', async () => {
  const cache = new InventoryCache({ clients, policies: [noGrace()] });
  await cache.full();
  sandbox.calls.reset();
  const refreshed = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'clickstream' }]);

  const calls = sandbox.calls.snapshot();
  assert.equal(calls[SCALING], undefined);
  assert.ok(
    Object.values(calls).reduce((a, b) => a + b, 0) <= 5,
    `at most 5 calls per task event: ${JSON.stringify(calls)}`,
  );
  assert.equal(refreshed.services.find((s) => s.clusterName === 'prod' && s.name === 'clickstream')?.maxCount, 1200);
  const clusterRefresh = await cache.refresh([{ kind: 'cluster', cluster: 'prod' }]);
  assert.equal(
    clusterRefresh.services.find((s) => s.clusterName === 'prod' && s.name === 'clickstream')?.maxCount,
    1200,
  );
});
