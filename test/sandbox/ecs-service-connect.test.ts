import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListServicesByNamespaceCommand,
  NamespaceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetServiceCommand, ListTagsForResourceCommand } from '@aws-sdk/client-servicediscovery';
import { registerApp, startEcsFixture, type EcsFixture } from './ecs-fixture.js';

let f: EcsFixture;
before(async () => {
  f = await startEcsFixture();
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'edge' }));
  await registerApp(f.ecs);
  f.sandbox.cloudMap.createNamespace({ name: 'shop.local', type: 'HTTP' });
});
after(() => f.close());

const HOUR = 3_600_000;

function scService(cluster: string, name: string, endpoint?: string) {
  return new CreateServiceCommand({
    cluster,
    serviceName: name,
    taskDefinition: 'app',
    desiredCount: 2,
    serviceConnectConfiguration: {
      enabled: true,
      namespace: 'shop.local',
      services: endpoint
        ? [{ portName: 'http', discoveryName: endpoint, clientAliases: [{ port: 80, dnsName: endpoint }] }]
        : undefined,
    },
  });
}

async function brokenPairs(): Promise<string[]> {
  const truth = (await (await fetch(`${f.sandbox.url}/_sandbox/truth`)).json()) as {
    brokenPairs: { namespace: string; client: string; endpoint: string }[];
  };
  return truth.brokenPairs.map((p) => `${p.namespace}:${p.client}->${p.endpoint}`);
}

describe('Service Connect', () => {
  test('CreateService makes an ECS-managed Cloud Map service per endpoint and reports it in serviceConnectResources', async () => {
    const { service } = await f.ecs.send(scService('prod', 'orders', 'orders'));
    const deployment = service!.deployments![0];
    assert.equal(deployment.serviceConnectConfiguration!.enabled, true);
    assert.equal(deployment.serviceConnectResources!.length, 1);
    const [resource] = deployment.serviceConnectResources!;
    assert.equal(resource.discoveryName, 'orders');
    const id = resource.discoveryArn!.split('/').pop()!;
    const { Service } = await f.cloudMap.send(new GetServiceCommand({ Id: id }));
    assert.equal(Service!.Name, 'orders');
    const { Tags } = await f.cloudMap.send(new ListTagsForResourceCommand({ ResourceARN: resource.discoveryArn! }));
    assert.deepEqual(Tags, [{ Key: 'AmazonECSManaged', Value: 'true' }]);
  });

  test('a discovery name is unique in its namespace; an unknown namespace is NamespaceNotFoundException', async () => {
    await assert.rejects(f.ecs.send(scService('edge', 'orders-copy', 'orders')), InvalidParameterException);
    await assert.rejects(
      f.ecs.send(
        new CreateServiceCommand({
          cluster: 'prod',
          serviceName: 'x',
          taskDefinition: 'app',
          serviceConnectConfiguration: { enabled: true, namespace: 'nope.local' },
        }),
      ),
      NamespaceNotFoundException,
    );
  });

  test('ListServicesByNamespace lists Service Connect services across clusters, 10 per page by default', async () => {
    for (let i = 0; i < 11; i++) await f.ecs.send(scService(i % 2 ? 'edge' : 'prod', `client-${i}`));
    const first = await f.ecs.send(new ListServicesByNamespaceCommand({ namespace: 'shop.local' }));
    assert.equal(first.serviceArns!.length, 10);
    const second = await f.ecs.send(
      new ListServicesByNamespaceCommand({ namespace: 'shop.local', nextToken: first.nextToken }),
    );
    assert.equal(second.serviceArns!.length, 2);
    assert.equal(second.nextToken, undefined);
    const all = [...first.serviceArns!, ...second.serviceArns!];
    assert.ok(all.some((arn) => arn.includes(':service/edge/')) && all.some((arn) => arn.includes(':service/prod/')));
    await assert.rejects(
      f.ecs.send(new ListServicesByNamespaceCommand({ namespace: 'nope.local' })),
      NamespaceNotFoundException,
    );
  });

  test('tasks that started before an endpoint appeared cannot resolve it until their service is redeployed', async () => {
    f.sandbox.advance(HOUR);
    assert.deepEqual(await brokenPairs(), [], 'everybody started after "orders" appeared');
    await f.ecs.send(scService('prod', 'payments', 'payments'));
    f.sandbox.advance(5_000);
    const broken = await brokenPairs();
    assert.equal(broken.length, 12, broken.join());
    assert.ok(broken.includes('shop.local:orders->payments'));
    assert.ok(broken.includes('shop.local:client-0->payments'));
    assert.ok(!broken.some((p) => p.startsWith('shop.local:payments->')), 'the newcomer resolves everything older');

    // Redeploying one client fixes that client only, once its new tasks run and the old ones are gone.
    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'orders', forceNewDeployment: true }));
    assert.ok((await brokenPairs()).includes('shop.local:orders->payments'), 'old tasks still run');
    f.sandbox.advance(5_000);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['orders'] }));
    assert.equal(services![0].deployments![0].rolloutState, 'COMPLETED');
    const after = await brokenPairs();
    assert.ok(!after.includes('shop.local:orders->payments'));
    assert.equal(after.length, 11);
  });

  test('a redeployment keeps the Service Connect configuration and its resources', async () => {
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['orders'] }));
    const deployment = services![0].deployments![0];
    assert.equal(deployment.serviceConnectResources![0].discoveryName, 'orders');
    assert.equal(deployment.serviceConnectConfiguration!.services![0].discoveryName, 'orders');
    assert.equal(
      deployment.serviceConnectConfiguration!.namespace,
      'shop.local',
      'the namespace as the caller named it',
    );
  });
});
