/** Indexes carried across patches answer exactly as indexes built from scratch, and the old snapshot's stay intact. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, withOwnership } from '../../controller/inventory/patch.js';
import { taskIndex } from '../../controller/inventory/indexes.js';
import { cloudMapServiceByArn, findTask, liveTasksOf } from '../../controller/inventory/facts.js';
import type { CloudMapService, EcsService, EcsTask, Inventory } from '../../controller/inventory/model.js';

const clusterArn = 'arn:aws:ecs:us-east-1:1:cluster/prod';
const task = (id: string, service: string, lastStatus: EcsTask['lastStatus'] = 'RUNNING'): EcsTask => ({
  arn: `arn:aws:ecs:us-east-1:1:task/prod/${id}`,
  id,
  clusterArn,
  clusterName: 'prod',
  serviceName: service,
  lastStatus,
  desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
  taskDefinitionArn: 'td',
  createdAt: 0,
});
const service = (name: string): EcsService => ({
  arn: `arn:aws:ecs:us-east-1:1:service/prod/${name}`,
  name,
  clusterArn,
  clusterName: 'prod',
  status: 'ACTIVE',
  desiredCount: 2,
  runningCount: 2,
  createdAt: 0,
  tags: {},
  serviceRegistries: [],
  deployments: [],
});
const cloudMap = (id: string, instances: string[]): CloudMapService => ({
  id,
  arn: `arn:aws:servicediscovery:us-east-1:1:service/${id}`,
  name: id,
  namespaceId: 'ns',
  dnsRecords: [],
  instanceCount: instances.length,
  createdAt: 0,
  tags: {},
  instances: instances.map((i) => ({ id: i, attributes: {} })),
});

test('a patched snapshot finds tasks and Cloud Map services as a fresh one does, over many patches', () => {
  const services = ['a', 'b', 'c'].map(service);
  let inventory: Inventory = {
    observedAt: 0,
    account: '1',
    region: 'us-east-1',
    clusters: [{ name: 'prod', arn: clusterArn }],
    services,
    tasks: services.flatMap((s) => [task(`${s.name}1`, s.name), task(`${s.name}2`, s.name)]),
    namespaces: [],
    cloudMapServices: [cloudMap('srv-a', ['a1', 'a2'])],
    readErrors: [],
  };
  // Build the indexes of the first snapshot, as a plan would.
  assert.equal(findTask(inventory, 'a1', 'prod')?.lastStatus, 'RUNNING');
  assert.ok(cloudMapServiceByArn(inventory, 'srv-a'));
  const first = inventory;
  for (let round = 0; round < 40; round++) {
    const name = ['a', 'b', 'c'][round % 3];
    const victim = inventory.tasks.find((t) => t.serviceName === name && t.lastStatus === 'RUNNING')!;
    const replacement = task(`${name}-r${round}`, name);
    inventory = applyPatch(
      inventory,
      {
        tasks: {
          remove: (t) => t.id === victim.id,
          add: [{ ...victim, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }, replacement],
        },
        cloudMapServices: { remove: (s) => s.id === 'srv-a', add: [cloudMap('srv-a', [`r${round}`])] },
        clearErrors: () => false,
        errors: [],
      },
      round,
    );
    const fresh: Inventory = { ...inventory };
    for (const t of inventory.tasks) assert.equal(findTask(inventory, t.id, 'prod'), findTask(fresh, t.id, 'prod'));
    for (const s of services) assert.deepEqual(liveTasksOf(inventory, s), liveTasksOf(fresh, s));
    assert.deepEqual(cloudMapServiceByArn(inventory, 'srv-a')?.instances, [{ id: `r${round}`, attributes: {} }]);
  }
  // The first snapshot still answers from its own data.
  assert.equal(findTask(first, 'a1', 'prod')?.lastStatus, 'RUNNING');
  assert.equal(liveTasksOf(first, services[0]).length, 2);
  assert.deepEqual(
    cloudMapServiceByArn(first, 'srv-a')?.instances?.map((i) => i.id),
    ['a1', 'a2'],
  );
});

test('a snapshot with other ownership evidence shares the task index instead of rebuilding it', () => {
  const inventory: Inventory = {
    observedAt: 0,
    account: '1',
    region: 'us-east-1',
    clusters: [{ name: 'prod', arn: clusterArn }],
    services: [service('a')],
    tasks: [task('a1', 'a')],
    namespaces: [],
    cloudMapServices: [cloudMap('srv-a', ['a1'])],
    readErrors: [],
  };
  const index = taskIndex(inventory);
  const next = withOwnership(inventory, {
    'srv-a': { serviceId: 'srv-a', source: 'instances-seen', at: 0, ecsServices: [] },
  });
  assert.equal(taskIndex(next), index);
  assert.equal(findTask(next, 'a1', 'prod')?.id, 'a1');
  assert.ok(next.ownership?.['srv-a']);
});
