/** The inventory cache against the sandbox: a task-state event costs at most 5 calls and lands in the model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { startSandbox } from '../../sandbox/index.js';
import { createAwsClients } from '../../controller/aws/clients.js';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import { makePolicy } from '../fixtures/policy.js';
import { control, SMALL_FLEET } from '../aws/small-fleet.js';

test('a stopped task is seen after an ecs-service refresh of at most 5 calls', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const cache = new InventoryCache({ clients, policies: [makePolicy()] });
    const before = await cache.full();
    const victim = before.tasks.find((t) => t.serviceName === 'orders' && t.lastStatus === 'RUNNING')!;
    await clients.ecs.send(new StopTaskCommand({ cluster: 'prod-a', task: victim.arn, reason: 'test' }));
    sandbox.advance(60_000);
    await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });

    const after = await cache.refresh([{ kind: 'ecs-service', cluster: 'prod-a', service: 'orders' }]);

    const calls = await control<Record<string, number>>(sandbox.url, '/_sandbox/calls');
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    assert.ok(total <= 5, `at most 5 calls, made ${total}: ${JSON.stringify(calls)}`);
    assert.equal(after.tasks.find((t) => t.arn === victim.arn)?.desiredStatus, 'STOPPED');
    const registry = after.cloudMapServices.find((s) => s.name === 'orders');
    assert.ok(
      !registry?.instances?.some((i) => i.id === victim.id),
      'ECS deregistered the stopped task and the cache shows it',
    );
    // Everything the key did not name is untouched.
    assert.deepEqual(
      after.tasks.filter((t) => t.serviceName === 'web'),
      before.tasks.filter((t) => t.serviceName === 'web'),
    );
    assert.deepEqual(after.readErrors, []);
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});

test('a stopped task costs one ListInstances, whether ECS deregistered it or not; the event proves it STOPPED', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const callsSince = async () => {
    const calls = await control<Record<string, number>>(sandbox.url, '/_sandbox/calls');
    await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });
    return calls;
  };
  try {
    const cache = new InventoryCache({ clients, policies: [makePolicy()] });
    const before = await cache.full();
    const [clean, stale] = before.tasks.filter((t) => t.serviceName === 'orders' && t.lastStatus === 'RUNNING');
    await clients.ecs.send(new StopTaskCommand({ cluster: 'prod-a', task: clean.arn, reason: 'test' }));
    sandbox.advance(60_000);
    await callsSince();
    let after = await cache.refresh([{ kind: 'ecs-task', cluster: 'prod-a', service: 'orders', task: clean.id }]);
    assert.deepEqual(await callsSince(), { 'servicediscovery:ListInstances': 1 });
    assert.ok(!after.cloudMapServices.find((s) => s.name === 'orders')?.instances?.some((i) => i.id === clean.id));

    // ECS fails to deregister the next one: its instance stays; the cache held the task, which the STOPPED event
    // (an ecs-task key is made only from one) marks STOPPED without describing it again.
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod-a', ecsService: 'orders' }) as {
      instanceId: string;
    };
    assert.equal(drift.instanceId, stale.id);
    await callsSince();
    after = await cache.refresh([{ kind: 'ecs-task', cluster: 'prod-a', service: 'orders', task: stale.id }]);
    assert.deepEqual(await callsSince(), { 'servicediscovery:ListInstances': 1 });
    assert.equal(after.tasks.find((t) => t.id === stale.id)?.lastStatus, 'STOPPED');
    assert.equal(after.tasks.filter((t) => t.id === stale.id).length, 1, 'the cached task is replaced, not doubled');
    assert.ok(after.cloudMapServices.find((s) => s.name === 'orders')?.instances?.some((i) => i.id === stale.id));
    assert.deepEqual(after.readErrors, []);
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});

test('a stopped task the cache never held (started after the last read) is described after the listing', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const cache = new InventoryCache({ clients, policies: [makePolicy()] });
    const before = await cache.full();
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod-a', ecsService: 'orders' }) as {
      instanceId: string;
    };
    // The cache as if its last read predated the task: no record of it.
    const forgotten = { ...before, tasks: before.tasks.filter((t) => t.id !== drift.instanceId) };
    (cache as unknown as { current: typeof before }).current = forgotten;
    await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });
    const after = await cache.refresh([
      { kind: 'ecs-task', cluster: 'prod-a', service: 'orders', task: drift.instanceId },
    ]);
    const calls = await control<Record<string, number>>(sandbox.url, '/_sandbox/calls');
    assert.equal(calls['ecs:DescribeTasks'], 1);
    assert.equal(after.tasks.find((t) => t.id === drift.instanceId)?.lastStatus, 'STOPPED');
    assert.ok(after.taskRechecks?.[`prod-a/${drift.instanceId}`] !== undefined);
    assert.deepEqual(after.readErrors, []);
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});

test('a refresh that leaves a Cloud Map service with a finding reads its tags, which the full read had no reason to read', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: SMALL_FLEET });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const policy = makePolicy({
      rules: { dnsTtl: { enabled: false }, taskLimit: { enabled: false }, serviceConnectRefresh: { enabled: false } },
    });
    const cache = new InventoryCache({ clients, policies: [policy] });
    const before = await cache.full();
    assert.equal(
      before.cloudMapServices.find((s) => s.name === 'orders')?.tagsRead,
      false,
      'no finding acts on the orders registry yet',
    );

    // ECS fails to deregister a task that stops: its instance stays behind, a finding the refresh brings.
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod-a', ecsService: 'orders' }) as {
      instanceId: string;
    };
    await control(sandbox.url, '/_sandbox/calls', { method: 'DELETE' });
    const after = await cache.refresh([
      { kind: 'ecs-task', cluster: 'prod-a', service: 'orders', task: drift.instanceId },
    ]);

    const calls = await control<Record<string, number>>(sandbox.url, '/_sandbox/calls');
    assert.equal(calls['servicediscovery:ListTagsForResource'], 1);
    assert.equal(after.cloudMapServices.find((s) => s.name === 'orders')?.tagsRead, true);
    assert.deepEqual(after.readErrors, []);
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});

test('refreshes of two services at once both keep the tags they read (one landing during the other tag read)', async () => {
  const scenario = {
    ...SMALL_FLEET,
    clusters: [
      {
        name: 'prod-a',
        services: [
          { name: 'orders', desiredCount: 2, registry: { namespace: 'internal.local' } },
          { name: 'payments', desiredCount: 2, registry: { namespace: 'internal.local' } },
        ],
      },
    ],
    cloudMap: { services: [] },
  };
  const sandbox = await startSandbox({ port: 0, scenario });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const policy = makePolicy({
      rules: { dnsTtl: { enabled: false }, taskLimit: { enabled: false }, serviceConnectRefresh: { enabled: false } },
    });
    const cache = new InventoryCache({ clients, policies: [policy] });
    await cache.full();
    const keys = ['orders', 'payments'].map((service) => {
      const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod-a', ecsService: service }) as {
        instanceId: string;
      };
      return { kind: 'ecs-task' as const, cluster: 'prod-a', service, task: drift.instanceId };
    });
    await Promise.all(keys.map((key) => cache.refresh([key])));
    const after = cache.inventory!;
    for (const name of ['orders', 'payments'])
      assert.equal(after.cloudMapServices.find((s) => s.name === name)?.tagsRead, true, `${name}: tags kept`);
    const instances = (name: string) => after.cloudMapServices.find((s) => s.name === name)?.instances?.length;
    assert.deepEqual([instances('orders'), instances('payments')], [2, 2], 'and the listings of both refreshes');
  } finally {
    clients.destroy();
    await sandbox.close();
  }
});
