import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  InvalidParameterException,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  ServiceNotActiveException,
  ServiceNotFoundException,
  TagResourceCommand,
  UpdateServiceCommand,
  paginateListServices,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  GetServiceCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-servicediscovery';
import { registerApp, startEcsFixture, type EcsFixture } from './ecs-fixture.js';
import { waitFor } from '../support/wait.js';

let f: EcsFixture;
let namespaceId: string;
before(async () => {
  f = await startEcsFixture();
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod', tags: [{ key: 'env', value: 'prod' }] }));
  await registerApp(f.ecs);
  namespaceId = f.sandbox.cloudMap.createNamespace({ name: 'internal.test', type: 'DNS_PRIVATE' }).id;
});
after(() => f.close());

async function registryArn(name: string): Promise<{ arn: string; id: string }> {
  const { Service } = await f.cloudMap.send(
    new CreateCloudMapServiceCommand({
      Name: name,
      NamespaceId: namespaceId,
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
    }),
  );
  return { arn: Service!.Arn!, id: Service!.Id! };
}

describe('clusters and task definitions', () => {
  test('CreateCluster is idempotent; ListClusters and DescribeClusters report it, unknown ones as MISSING', async () => {
    await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
    const { clusterArns } = await f.ecs.send(new ListClustersCommand({}));
    assert.deepEqual(clusterArns, [`arn:aws:ecs:us-east-1:123456789012:cluster/prod`]);
    const described = await f.ecs.send(new DescribeClustersCommand({ clusters: ['prod', 'ghost'], include: ['TAGS'] }));
    assert.equal(described.clusters![0].clusterName, 'prod');
    assert.deepEqual(described.clusters![0].tags, [{ key: 'env', value: 'prod' }]);
    assert.equal(described.failures![0].reason, 'MISSING');
  });

  test('DescribeTaskDefinition resolves family, family:revision and ARN; unknown is ClientException', async () => {
    const arn = await registerApp(f.ecs, 'worker');
    const second = await registerApp(f.ecs, 'worker');
    assert.match(second, /task-definition\/worker:2$/);
    const byFamily = await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker' }));
    assert.equal(byFamily.taskDefinition!.revision, 2);
    const byRevision = await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker:1' }));
    assert.equal(byRevision.taskDefinition!.taskDefinitionArn, arn);
    await assert.rejects(f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' })), ClientException);
  });
});

describe('services', () => {
  test('CreateService starts tasks PENDING, then RUNNING and COMPLETED as virtual time passes; tasks register in Cloud Map', async () => {
    const registry = await registryArn('payments');
    const { service } = await f.ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'payments',
        taskDefinition: 'app',
        desiredCount: 2,
        serviceRegistries: [{ registryArn: registry.arn }],
        tags: [{ key: 'team', value: 'pay' }],
      }),
    );
    assert.equal(service!.status, 'ACTIVE');
    assert.equal(service!.deployments![0].rolloutState, 'IN_PROGRESS');
    assert.equal(service!.deployments![0].pendingCount, 2);
    assert.match(service!.deployments![0].id!, /^ecs-svc\/\d{19}$/);

    f.sandbox.advance(5_000);
    const { services } = await f.ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['payments'], include: ['TAGS'] }),
    );
    const deployment = services![0].deployments![0];
    assert.equal(deployment.rolloutState, 'COMPLETED');
    assert.equal(deployment.runningCount, 2);
    assert.equal(services![0].runningCount, 2);
    assert.deepEqual(services![0].tags, [{ key: 'team', value: 'pay' }]);
    assert.ok(services![0].createdAt instanceof Date);

    const { taskArns } = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'payments' }));
    assert.equal(taskArns!.length, 2);
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registry.id }));
    const taskIds = taskArns!.map((arn) => arn.split('/').pop()).sort();
    assert.deepEqual(Instances!.map((i) => i.Id).sort(), taskIds);
    const attributes = Instances![0].Attributes!;
    assert.equal(attributes.ECS_CLUSTER_NAME, 'prod');
    assert.equal(attributes.ECS_SERVICE_NAME, 'payments');
    assert.equal(attributes.ECS_TASK_DEFINITION_FAMILY, 'app');
    assert.equal(attributes.AWS_INSTANCE_PORT, '8080');
    assert.match(attributes.AWS_INSTANCE_IPV4, /^10\.\d+\.\d+\.\d+$/);
  });

  test('CreateService rejects bad input with InvalidParameterException, unknown cluster with ClusterNotFoundException', async () => {
    await assert.rejects(
      f.ecs.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'bad name!', taskDefinition: 'app' })),
      InvalidParameterException,
    );
    await assert.rejects(
      f.ecs.send(
        new CreateServiceCommand({ cluster: 'prod', serviceName: 'x', taskDefinition: 'app', desiredCount: -1 }),
      ),
      InvalidParameterException,
    );
    await assert.rejects(
      f.ecs.send(
        new CreateServiceCommand({
          cluster: 'prod',
          serviceName: 'x',
          taskDefinition: 'app',
          serviceRegistries: [{ registryArn: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-nope' }],
        }),
      ),
      InvalidParameterException,
    );
    await assert.rejects(
      f.ecs.send(new CreateServiceCommand({ cluster: 'nowhere', serviceName: 'x', taskDefinition: 'app' })),
      ClusterNotFoundException,
    );
    await assert.rejects(
      f.ecs.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'payments', taskDefinition: 'app' })),
      /not idempotent/,
    );
  });

  test('DescribeServices takes at most 10 services and reports unknown ones in failures', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await assert.rejects(
      f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: eleven })),
      InvalidParameterException,
    );
    const { services, failures } = await f.ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['payments', 'ghost'] }),
    );
    assert.equal(services!.length, 1);
    assert.equal(services![0].tags, undefined);
    assert.deepEqual(failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/ghost', reason: 'MISSING' }]);
  });

  test('ListServices pages 10 at a time by default, up to maxResults 100, with nextToken', async () => {
    await f.ecs.send(new CreateClusterCommand({ clusterName: 'many' }));
    for (let i = 0; i < 23; i++) {
      await f.ecs.send(
        new CreateServiceCommand({
          cluster: 'many',
          serviceName: `svc-${String(i).padStart(2, '0')}`,
          taskDefinition: 'app',
          desiredCount: 0,
        }),
      );
    }
    const first = await f.ecs.send(new ListServicesCommand({ cluster: 'many' }));
    assert.equal(first.serviceArns!.length, 10);
    assert.ok(first.nextToken);
    const all: string[] = [];
    for await (const page of paginateListServices({ client: f.ecs }, { cluster: 'many' }))
      all.push(...page.serviceArns!);
    assert.equal(all.length, 23);
    assert.equal(new Set(all).size, 23);
    const big = await f.ecs.send(new ListServicesCommand({ cluster: 'many', maxResults: 100 }));
    assert.equal(big.serviceArns!.length, 23);
    assert.equal(big.nextToken, undefined);
    await assert.rejects(
      f.ecs.send(new ListServicesCommand({ cluster: 'many', maxResults: 101 })),
      InvalidParameterException,
    );
    await assert.rejects(
      f.ecs.send(new ListServicesCommand({ cluster: 'many', nextToken: 'garbage!' })),
      InvalidParameterException,
    );
  });

  test('UpdateService forceNewDeployment rolls new tasks in and old ones out, then completes', async () => {
    const before = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'payments' }));
    const { service } = await f.ecs.send(
      new UpdateServiceCommand({ cluster: 'prod', service: 'payments', forceNewDeployment: true }),
    );
    assert.equal(service!.deployments!.length, 2);
    assert.equal(service!.deployments![0].status, 'PRIMARY');
    assert.equal(service!.deployments![0].rolloutState, 'IN_PROGRESS');
    assert.equal(service!.deployments![1].status, 'ACTIVE');
    // Old tasks keep running until their replacements are up.
    const during = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'payments' }));
    assert.equal(during.taskArns!.length, 4);

    f.sandbox.advance(5_000);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['payments'] }));
    assert.equal(services![0].deployments!.length, 1);
    assert.equal(services![0].deployments![0].rolloutState, 'COMPLETED');
    assert.equal(services![0].deployments![0].id, service!.deployments![0].id);
    const afterList = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'payments' }));
    assert.equal(afterList.taskArns!.length, 2);
    assert.equal(afterList.taskArns!.filter((arn) => before.taskArns!.includes(arn)).length, 0);
    const stopped = await f.ecs.send(
      new ListTasksCommand({ cluster: 'prod', serviceName: 'payments', desiredStatus: 'STOPPED' }),
    );
    assert.deepEqual([...stopped.taskArns!].sort(), [...before.taskArns!].sort());
  });

  test('UpdateService desiredCount scales; unknown service is ServiceNotFoundException', async () => {
    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'payments', desiredCount: 3 }));
    f.sandbox.advance(5_000);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['payments'] }));
    assert.equal(services![0].runningCount, 3);
    assert.equal(services![0].deployments!.length, 1);
    await assert.rejects(
      f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'ghost', desiredCount: 1 })),
      ServiceNotFoundException,
    );
  });

  test('DeleteService drains, stops tasks, deregisters them, and leaves the Cloud Map service behind', async () => {
    const registry = await registryArn('reports');
    await f.ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'reports',
        taskDefinition: 'app',
        desiredCount: 2,
        serviceRegistries: [{ registryArn: registry.arn }],
      }),
    );
    f.sandbox.advance(5_000);
    await assert.rejects(
      f.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'reports' })),
      InvalidParameterException,
    );
    const { service } = await f.ecs.send(
      new DeleteServiceCommand({ cluster: 'prod', service: 'reports', force: true }),
    );
    assert.equal(service!.status, 'DRAINING');
    const listed = await f.ecs.send(new ListServicesCommand({ cluster: 'prod', maxResults: 100 }));
    assert.ok(!listed.serviceArns!.some((arn) => arn.endsWith('/reports')));
    const tasks = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'reports' }));
    assert.equal(tasks.taskArns!.length, 0);
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registry.id }));
    assert.equal(Instances!.length, 0);
    const kept = await f.cloudMap.send(new GetServiceCommand({ Id: registry.id }));
    assert.equal(kept.Service!.Name, 'reports');

    f.sandbox.advance(60_000);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['reports'] }));
    assert.equal(services![0].status, 'INACTIVE');
    await assert.rejects(
      f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'reports', desiredCount: 1 })),
      ServiceNotActiveException,
    );
  });

  test('TagResource and ListTagsForResource work on services; unknown ARNs fail', async () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:service/prod/payments';
    await f.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'discovery', value: 'managed' }] }));
    const { tags } = await f.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.deepEqual(tags, [
      { key: 'team', value: 'pay' },
      { key: 'discovery', value: 'managed' },
    ]);
    await assert.rejects(
      f.ecs.send(
        new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/ghost' }),
      ),
      /could not be found/,
    );
    await assert.rejects(
      f.ecs.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })),
      InvalidParameterException,
    );
  });
});

describe('real-time progress', () => {
  test('without clock moves, a deployment still completes within seconds (the scheduler ticks on its own)', async () => {
    const live = await startEcsFixture({ tickMs: 100, taskStartDelayMs: 300 });
    try {
      await live.ecs.send(new CreateClusterCommand({ clusterName: 'live' }));
      await registerApp(live.ecs);
      await live.ecs.send(
        new CreateServiceCommand({ cluster: 'live', serviceName: 'web', taskDefinition: 'app', desiredCount: 2 }),
      );
      // Reads the emulator state directly, so no ECS request is what moves the scheduler.
      const rolloutState = () =>
        live.sandbox.ecs.state.clusters.get('live')!.services.get('web')!.deployments[0].rolloutState;
      await waitFor(() => rolloutState() === 'COMPLETED', {
        what: 'the deployment to complete on the scheduler tick alone',
        intervalMs: 100,
      });
    } finally {
      await live.close();
    }
  });
});
