import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTasksCommand,
  paginateListServices,
} from '@aws-sdk/client-ecs';
import {
  ListInstancesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  GetServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { startEcsFixture, type EcsFixture } from './ecs-fixture.js';
import { ScenarioError, startSandbox } from '../../sandbox/index.js';

const DEMO = fileURLToPath(new URL('../../sandbox/scenarios/demo.yaml', import.meta.url));
const HOUR = 3_600_000;

describe('the demo scenario', () => {
  let f: EcsFixture;
  before(async () => {
    f = await startEcsFixture({ scenario: DEMO });
  });
  after(() => f.close());

  test('truth shows every drift kind and leaves out what must not be touched', () => {
    const truth = f.sandbox.truth();
    assert.deepEqual(
      truth.brokenPairs.map((p) => `${p.client}->${p.endpoint}`),
      ['checkout->recommendations', 'orders->recommendations', 'web->recommendations'],
    );
    const names = (ids: { id?: string; serviceId?: string }[]) =>
      ids.map((s) => f.sandbox.cloudMap.serviceById(s.id ?? s.serviceId!)!.name).sort();
    // ECS registered into the deleted services (CloudTrail holds it); old-batch was made by hand and never used.
    assert.deepEqual(names(truth.orphanServices), ['notifications', 'reports']);
    assert.deepEqual(names(truth.unprovenServices), ['old-batch']);
    assert.deepEqual(names(truth.orphanInstances), ['ledger', 'notifications']);
    assert.deepEqual(names(truth.protectedServices), ['partner-gateway']);
    const ttl = Object.entries(truth.ttlByService)
      .filter(([, v]) => v > 10)
      .map(([id]) => f.sandbox.cloudMap.serviceById(id)!.name)
      .sort();
    assert.deepEqual(ttl, ['billing-legacy', 'notifications', 'old-batch', 'partner-gateway', 'reports', 'search']);
    assert.equal(truth.ttlByService[f.sandbox.cloudMap.services().find((s) => s.name === 'search')!.id], 300);
    // clickstream runs 12 tasks; its autoscaling maximum (1,200) puts it on the list.
    assert.deepEqual(truth.nearTaskLimit.map((s) => `${s.service} ${s.desiredCount}/${s.maxCount}`).sort(), [
      'clickstream 12/1200',
      'events-ingest 920/1200',
    ]);
    assert.deepEqual(truth.wronglyDeleted, []);
    // The Service Connect service of deleted `promo` is unreferenced but ECS's own: never an orphan.
    assert.ok(!truth.orphanServices.some((s) => s.name === 'promo'));
  });

  test('the fleet reads through the real SDKs like a live account', async () => {
    const arns: string[] = [];
    for await (const page of paginateListServices({ client: f.ecs }, { cluster: 'prod' }))
      arns.push(...page.serviceArns!);
    const names = arns.map((a) => a.split('/').pop()).sort();
    assert.deepEqual(names, [
      'cart',
      'checkout',
      'clickstream',
      'events-ingest',
      'ledger',
      'orders',
      'payments-api',
      'recommendations',
      'search',
      'web',
    ]);
    const { services } = await f.ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['reports', 'cart', 'web'], include: ['TAGS'] }),
    );
    assert.equal(services![0].status, 'INACTIVE');
    const cart = services![1];
    assert.equal(cart.deployments![0].rolloutState, 'COMPLETED');
    assert.ok(Date.now() - cart.deployments![0].createdAt!.getTime() > 0.9 * HOUR);
    assert.ok(Date.now() - cart.createdAt!.getTime() > 8.9 * HOUR);
    assert.deepEqual(services![2].tags, [{ key: 'team', value: 'storefront' }]);

    const { taskArns } = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web' }));
    const { tasks } = await f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: taskArns! }));
    assert.equal(tasks!.length, 3);
    for (const task of tasks!) assert.ok(Date.now() - task.startedAt!.getTime() > 8.9 * HOUR);

    const { Services } = await f.cloudMap.send(new ListCloudMapServicesCommand({}));
    const billing = Services!.find((s) => s.Name === 'billing-legacy')!;
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: billing.Id! }));
    assert.deepEqual(
      Instances!.map((i) => i.Id),
      ['i-0a1b2c3d4e5f60718'],
    );
    const search = Services!.find((s) => s.Name === 'search')!;
    const { Service } = await f.cloudMap.send(new GetServiceCommand({ Id: search.Id! }));
    assert.equal(Service!.DnsConfig!.DnsRecords![0].TTL, 300);
  });
});

describe('scenario options', () => {
  const fleet = (resolveGrace: string) => ({
    resolveGrace,
    namespaces: [{ name: 'mesh.local', type: 'HTTP' }],
    clusters: [
      {
        name: 'c1',
        services: [
          { name: 'client', desiredCount: 2, created: '-7h', serviceConnect: { namespace: 'mesh.local' } },
          {
            name: 'server',
            desiredCount: 1,
            created: '-3h',
            serviceConnect: { namespace: 'mesh.local', endpoints: ['server'] },
          },
          // Deployed 4 h ago, two tasks replaced an hour ago: replacements keep their deployment's endpoint list.
          {
            name: 'mixed',
            desiredCount: 3,
            created: '-4h',
            taskStartedAt: ['-1h', '-1h', '-4h'],
            serviceConnect: { namespace: 'mesh.local' },
          },
        ],
      },
    ],
  });

  test('resolveGrace models the folk five-hour rule: a 4 h gap is broken at 0s, not at 5h', async () => {
    const strict = await startSandbox({ port: 0, scenario: fleet('0s') });
    const folk = await startSandbox({ port: 0, scenario: fleet('5h') });
    try {
      assert.deepEqual(
        strict.truth().brokenPairs.map((p) => `${p.client}->${p.endpoint}`),
        ['client->server', 'mixed->server'],
      );
      assert.deepEqual(folk.truth().brokenPairs, []);
    } finally {
      await strict.close();
      await folk.close();
    }
  });

  test('a registry-backed service is capped at 1,000 tasks; without maxCount it has no autoscaling maximum', async () => {
    const sandbox = await startSandbox({
      port: 0,
      scenario: {
        namespaces: [{ name: 'big.local' }],
        clusters: [
          { name: 'c', services: [{ name: 'huge', desiredCount: 1200, registry: { namespace: 'big.local' } }] },
        ],
      },
    });
    try {
      const service = sandbox.ecs.state.clusters.get('c')!.services.get('huge')!;
      assert.equal(service.runningTaskIds.size, 1000);
      assert.equal(sandbox.cloudMap.instances(service.serviceRegistries[0].cloudMapServiceId).length, 1000);
      assert.deepEqual(sandbox.truth().nearTaskLimit, [
        { cluster: 'c', service: 'huge', desiredCount: 1200, maxCount: undefined },
      ]);
    } finally {
      await sandbox.close();
    }
  });

  test('generate builds a bulk fleet: registries one to one, extra Cloud Map services are orphans', async () => {
    const f = await startEcsFixture({
      scenario: { generate: { clusters: 2, servicesPerCluster: 15, tasksPerService: 3, cloudMapServices: 35 } },
    });
    try {
      const page = await f.ecs.send(new ListServicesCommand({ cluster: 'bench-002', maxResults: 100 }));
      assert.equal(page.serviceArns!.length, 15);
      const tasks = await f.ecs.send(new ListTasksCommand({ cluster: 'bench-001' }));
      assert.equal(tasks.taskArns!.length, 45);
      const truth = f.sandbox.truth();
      // Nothing ever registered into the extra ones: unreferenced, but not proven ECS's.
      assert.equal(truth.unprovenServices.length, 5);
      assert.equal(truth.orphanServices.length, 0);
      assert.equal(truth.orphanInstances.length, 0);
      assert.equal(Object.keys(truth.ttlByService).length, 35);
    } finally {
      await f.close();
    }
  });

  test('mistakes in a scenario name the path and the problem', async () => {
    const cases: [object, RegExp][] = [
      [
        { clusters: [{ name: 'c', services: [{ name: 's', desiredCount: 'two' }] }] },
        /clusters\[0\]\.services\[0\]\.desiredCount: must be a whole number/,
      ],
      [{ clusters: [{ name: 'c', servics: [] }] }, /clusters\[0\]\.servics: is not a known field/],
      [
        { clusters: [{ name: 'c', services: [{ name: 's', created: 'yesterday' }] }] },
        /services\[0\]\.created: must be a relative time/,
      ],
      [
        { clusters: [{ name: 'c', services: [{ name: 's', registry: { namespace: 'ghost.local' } }] }] },
        /registry\.namespace: namespace ghost\.local is not declared/,
      ],
      [{ resolveGrace: 'forever' }, /resolveGrace: "forever" is not a duration/],
      [
        { drift: [{ kind: 'ttl', cloudMapService: 'nope', ttl: 5 }] },
        /drift\[0\]: InvalidInput: Cloud Map service nope was not found/,
      ],
    ];
    for (const [scenario, message] of cases) {
      await assert.rejects(
        startSandbox({ port: 0, scenario }),
        (error: unknown) => error instanceof ScenarioError && message.test(error.message),
      );
    }
    await assert.rejects(
      startSandbox({ port: 0, scenario: '/nonexistent/scenario.yaml' }),
      /cannot read scenario file/,
    );
  });
});
