/**
 * Task lifecycle: a task in DEACTIVATING, STOPPING or DEPROVISIONING is still going away, not gone: ECS
 * deregisters its instance while DEACTIVATING. Only STOPPED (or absent) makes an instance stale. The sandbox
 * moves stopping tasks through those states on its virtual clock, and keeps a deleted service DRAINING while
 * any of its tasks is still DEACTIVATING. Real SDK against the sandbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { makePolicy } from '../fixtures/policy.js';
import { reconcileOnce, seeded } from './harness.js';

const STOP_MS = 30_000;
const START_MS = 3_000;
const scenario = {
  name: 'lifecycle',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        { name: 'api', desiredCount: 3, created: '-2d', registry: { namespace: 'internal.local', ttl: 10 } },
        { name: 'batch', desiredCount: 1, created: '-2d', registry: { namespace: 'internal.local', ttl: 10 } },
      ],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({
    port: 0,
    scenario,
    random: seeded(29),
    taskStopDelayMs: STOP_MS,
    taskStartDelayMs: START_MS,
    drainMs: 1_000,
  });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 3,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

const policy = () =>
  makePolicy({
    rules: {
      serviceConnectRefresh: { enabled: false },
      dnsTtl: { enabled: false },
      taskLimit: { enabled: false },
      cloudMapOrphans: { gracePeriodMs: 0 },
    },
  });
const status = async (id: string) =>
  (await clients.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [id] }))).tasks?.[0]?.lastStatus;
const registered = (id: string) =>
  sandbox.cloudMap.services().some((s) => sandbox.cloudMap.instances(s.id).some((i) => i.id === id));

test('a stopping task keeps its instance until ECS deregisters it; the controller leaves it to ECS', async () => {
  const { taskArns } = await clients.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }));
  const id = taskArns![0].split('/').pop()!;
  await clients.ecs.send(new StopTaskCommand({ cluster: 'prod', task: id, reason: 'test' }));
  assert.equal(await status(id), 'DEACTIVATING');
  assert.ok(registered(id), 'still registered while DEACTIVATING');

  const { plan } = await reconcileOnce(sandbox, clients, [policy()]);
  assert.deepEqual(
    plan.actions.filter((a) => a.action.type === 'cloudmap:DeregisterInstance').map((a) => a.finding.key),
    [],
  );
  assert.ok(registered(id));
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);

  sandbox.advance(STOP_MS / 3 + 1);
  assert.equal(await status(id), 'STOPPING');
  assert.ok(!registered(id), 'ECS deregistered it at the end of DEACTIVATING');
  sandbox.advance(STOP_MS / 3);
  assert.equal(await status(id), 'DEPROVISIONING');
  sandbox.advance(STOP_MS / 3);
  assert.equal(await status(id), 'STOPPED');
});

test('a deleted service stays DRAINING while a task is DEACTIVATING, then becomes INACTIVE', async () => {
  await clients.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'batch', force: true }));
  sandbox.advance(5_000);
  const describe = async () =>
    (await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['batch'] }))).services?.[0]
      ?.status;
  assert.equal(await describe(), 'DRAINING');
  sandbox.advance(STOP_MS / 3);
  assert.equal(await describe(), 'INACTIVE');
});

test('a starting task goes PROVISIONING, PENDING, ACTIVATING (registered there) and RUNNING', async () => {
  const before = new Set(
    (await clients.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }))).taskArns,
  );
  await clients.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'api', desiredCount: 4 }));
  const arns = (await clients.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }))).taskArns!.filter(
    (a) => !before.has(a),
  );
  assert.ok(arns.length >= 1);
  const id = arns[0].split('/').pop()!;
  assert.equal(await status(id), 'PROVISIONING');
  sandbox.advance(START_MS / 3 + 1);
  assert.equal(await status(id), 'PENDING');
  assert.ok(!registered(id));
  sandbox.advance(START_MS / 3);
  assert.equal(await status(id), 'ACTIVATING');
  assert.ok(registered(id), 'ECS registers the instance while ACTIVATING');
  sandbox.advance(START_MS / 3);
  assert.equal(await status(id), 'RUNNING');
});
