import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { GetServiceCommand, ListInstancesCommand } from '@aws-sdk/client-servicediscovery';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import type { Clock } from '../../controller/util/clock.js';
import { planned, planOf } from './fixtures.js';

const WRITE_OPERATIONS = [
  'ecs:UpdateService',
  'servicediscovery:UpdateService',
  'servicediscovery:DeregisterInstance',
  'servicediscovery:DeleteService',
];

const scenario = {
  name: 'actuator',
  namespaces: [
    { name: 'shop.local', type: 'HTTP', created: '-30d' },
    { name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-30d' },
  ],
  clusters: [
    {
      name: 'prod',
      services: [
        { name: 'web', desiredCount: 1, created: '-9h', serviceConnect: { namespace: 'shop.local' } },
        {
          name: 'reports',
          desiredCount: 1,
          created: '-60d',
          registry: { namespace: 'internal.example.com', ttl: 60 },
          deleted: true,
        },
      ],
    },
  ],
  cloudMap: {
    services: [
      {
        namespace: 'internal.example.com',
        name: 'search',
        records: [
          { Type: 'A', TTL: 300 },
          { Type: 'SRV', TTL: 300 },
        ],
        created: '-10d',
      },
    ],
  },
  drift: [
    {
      kind: 'stale-instance',
      namespace: 'internal.example.com',
      cloudMapService: 'reports',
      cluster: 'prod',
      ecsService: 'reports',
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;
let clock: Clock;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(7) });
  clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url, maxAttempts: 2 });
  // The controller's clock is the sandbox's virtual clock, as in `ecs-discovery-controller sandbox`.
  clock = { now: () => sandbox.clock.now() };
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function actuator(options: { dryRun?: boolean; metrics?: ControllerMetrics } = {}): Actuator {
  return new Actuator({
    clients,
    logger: silentLogger(),
    clock,
    dryRun: options.dryRun ?? false,
    metrics: options.metrics,
    operationPollMs: 5,
  });
}

function cloudMapService(name: string) {
  const service = sandbox.cloudMap.services().find((s) => s.name === name);
  assert.ok(service, `scenario has Cloud Map service ${name}`);
  return service;
}

function writesSoFar(): Record<string, number> {
  const calls = sandbox.calls.snapshot();
  return Object.fromEntries(WRITE_OPERATIONS.filter((op) => calls[op]).map((op) => [op, calls[op]]));
}

async function webService() {
  const { services } = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
  return services![0];
}

test('dry run sends no write at all, whatever the plan says', async () => {
  const web = await webService();
  const reports = cloudMapService('reports');
  const instanceId = sandbox.cloudMap.instances(reports.id)[0].id;
  sandbox.calls.reset();
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const outcomes = await actuator({ dryRun: true, metrics }).apply(
    planOf(
      [
        planned({ type: 'ecs:ForceNewDeployment', cluster: 'prod', service: 'web', serviceArn: web.serviceArn! }),
        planned({ type: 'cloudmap:DeregisterInstance', serviceId: reports.id, instanceId }),
        planned({ type: 'cloudmap:DeleteService', serviceId: reports.id }),
        planned({
          type: 'cloudmap:UpdateDnsTtl',
          serviceId: cloudMapService('search').id,
          records: [{ type: 'A', ttl: 10 }],
        }),
      ],
      clock.now(),
    ),
  );
  assert.deepEqual(
    outcomes.map((o) => o.result),
    ['dry-run', 'dry-run', 'dry-run', 'dry-run'],
  );
  assert.deepEqual(writesSoFar(), {}, 'the sandbox saw no write');
  assert.equal(sandbox.cloudMap.instances(reports.id).length, 1);
  assert.match(
    (await metrics.exposition()).body,
    /ecs_discovery_actions_total\{policy="payments",rule="cloudMapOrphans",action="cloudmap:DeleteService",result="skipped"\} 1/,
  );
});

test('a TTL update resends every DNS record, changing only the TTL', async () => {
  const search = cloudMapService('search');
  // The finding names only the A record; leaving SRV out of UpdateService would delete it.
  const writer = actuator();
  const [submitted] = await writer.apply(
    planOf(
      [planned({ type: 'cloudmap:UpdateDnsTtl', serviceId: search.id, records: [{ type: 'A', ttl: 10 }] })],
      clock.now(),
    ),
  );
  assert.equal(submitted.result, 'pending', JSON.stringify(submitted.error));
  sandbox.advance(1_000); // Cloud Map finishes the operation
  const [outcome] = await writer.settle();
  assert.equal(outcome.result, 'success', JSON.stringify(outcome.error));
  const { Service } = await clients.serviceDiscovery.send(new GetServiceCommand({ Id: search.id }));
  assert.deepEqual(
    Service?.DnsConfig?.DnsRecords?.map((r) => [r.Type, r.TTL]),
    [
      ['A', 10],
      ['SRV', 300],
    ],
  );

  const [again] = await actuator().apply(
    planOf(
      [planned({ type: 'cloudmap:UpdateDnsTtl', serviceId: search.id, records: [{ type: 'A', ttl: 10 }] })],
      clock.now(),
    ),
  );
  assert.deepEqual([again.result, again.reason], ['skipped', 'already-applied']);
});

test('a redeploy happens once: applying the same plan again, during or after the rollout, sends nothing', async () => {
  const web = await webService();
  const plan = planOf(
    [planned({ type: 'ecs:ForceNewDeployment', cluster: 'prod', service: 'web', serviceArn: web.serviceArn! })],
    clock.now(),
  );
  sandbox.calls.reset();
  const [first] = await actuator().apply(plan);
  assert.equal(first.result, 'success', JSON.stringify(first.error));

  const [during] = await actuator().apply(plan);
  assert.deepEqual([during.result, during.reason], ['skipped', 'deployment-in-progress']);

  sandbox.advance(10 * 60_000);
  const rolledOut = await webService();
  assert.equal(rolledOut.deployments?.length, 1, 'the new deployment finished');
  const [afterRollout] = await actuator().apply(plan);
  assert.deepEqual([afterRollout.result, afterRollout.reason], ['skipped', 'already-redeployed']);
  assert.deepEqual(writesSoFar(), { 'ecs:UpdateService': 1 });
});

test('instances are deregistered before their empty service is deleted, and a second run finds nothing to do', async () => {
  const reports = cloudMapService('reports');
  const { Instances } = await clients.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: reports.id }));
  assert.equal(Instances?.length, 1);
  const plan = planOf(
    [
      planned({ type: 'cloudmap:DeregisterInstance', serviceId: reports.id, instanceId: Instances![0].Id! }),
      planned({ type: 'cloudmap:DeleteService', serviceId: reports.id }),
    ],
    clock.now(),
  );

  const writer = actuator();
  const outcomes = await writer.apply(plan);
  assert.deepEqual(
    outcomes.map((o) => [o.action.type, o.result, o.reason]),
    [
      ['cloudmap:DeregisterInstance', 'pending', 'operation-submitted'],
      ['cloudmap:DeleteService', 'skipped', 'deregistration-pending'],
    ],
  );
  assert.equal(sandbox.cloudMap.instances(reports.id).length, 1, 'listed until the operation succeeds');
  sandbox.advance(1_000);
  assert.deepEqual(
    (await writer.settle()).map((o) => [o.action.type, o.result]),
    [['cloudmap:DeregisterInstance', 'success']],
  );
  const next = await writer.apply(plan);
  assert.deepEqual(
    next.map((o) => [o.action.type, o.result, o.reason]),
    [
      ['cloudmap:DeregisterInstance', 'success', 'already-deregistered'],
      ['cloudmap:DeleteService', 'success', undefined],
    ],
  );
  assert.equal(sandbox.cloudMap.serviceById(reports.id), undefined, 'the service is gone');
  assert.deepEqual(sandbox.cloudMap.wronglyDeleted(), [], 'the sandbox judged no deletion wrong');

  const again = await actuator().apply(plan);
  assert.deepEqual(
    again.map((o) => [o.result, o.reason]),
    [
      ['success', 'service-already-deleted'],
      ['success', 'already-deleted'],
    ],
  );
});

test('deregistering an instance that is already gone (InstanceNotFound) counts as done', async () => {
  const search = cloudMapService('search');
  const [outcome] = await actuator().apply(
    planOf(
      [
        planned({
          type: 'cloudmap:DeregisterInstance',
          serviceId: search.id,
          instanceId: 'task-that-never-registered',
        }),
      ],
      clock.now(),
    ),
  );
  assert.deepEqual([outcome.result, outcome.reason], ['success', 'already-deregistered']);
});

test('a write throttled past the SDK retries fails with ThrottlingException, and every attempt is counted', async () => {
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const counted = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 2,
    onApiCall: metrics.onApiCall,
  });
  sandbox.faults.add({ operation: 'servicediscovery:UpdateService', throttleRate: 1 });
  try {
    const search = cloudMapService('search');
    const [outcome] = await new Actuator({
      clients: counted,
      logger: silentLogger(),
      clock,
      dryRun: false,
      metrics,
      operationPollMs: 5,
    }).apply(
      planOf(
        [planned({ type: 'cloudmap:UpdateDnsTtl', serviceId: search.id, records: [{ type: 'SRV', ttl: 10 }] })],
        clock.now(),
      ),
    );
    assert.deepEqual([outcome.result, outcome.error?.code], ['failed', 'ThrottlingException']);
    const body = (await metrics.exposition()).body;
    assert.match(
      body,
      /ecs_discovery_aws_api_calls_total\{service="servicediscovery",operation="UpdateService",result="throttled"\} 2/,
    );
    assert.match(
      body,
      /ecs_discovery_actions_total\{policy="payments",rule="dnsTtl",action="cloudmap:UpdateDnsTtl",result="failed"\} 1/,
    );
  } finally {
    sandbox.faults.clear();
    counted.destroy();
  }
});
