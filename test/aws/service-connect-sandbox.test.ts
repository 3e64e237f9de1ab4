/**
 * Service Connect staleness through the real SDK against the sandbox: the controller's findings and the sandbox's
 * ground truth follow AWS's rule (aws-facts §1): a task resolves the client aliases that existed when its
 * *deployment* was created, replacement and scale-out tasks included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ServiceConnectService,
} from '@aws-sdk/client-ecs';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { evaluate } from '../../controller/rules/service-connect-refresh.js';
import type { Finding } from '../../controller/model/findings.js';
import { makePolicy } from '../fixtures/policy.js';
import { registerApp, startEcsFixture, type EcsFixture } from '../sandbox/ecs-fixture.js';

const HOUR = 3_600_000;
const SETTLE = 5_000;

let f: EcsFixture;
let clients: AwsClients;

async function setUp(): Promise<void> {
  f = await startEcsFixture();
  clients = createAwsClients({
    region: f.sandbox.region,
    endpoint: f.sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  await registerApp(f.ecs);
}

async function tearDown(): Promise<void> {
  clients.destroy();
  await f.close();
}

function service(name: string, namespace: string, endpoints: ServiceConnectService[] = []) {
  return new CreateServiceCommand({
    cluster: 'prod',
    serviceName: name,
    taskDefinition: 'app',
    desiredCount: 2,
    serviceConnectConfiguration: { enabled: true, namespace, ...(endpoints.length ? { services: endpoints } : {}) },
  });
}

const alias = (discoveryName: string, dnsName: string, port: number): ServiceConnectService => ({
  portName: 'http',
  discoveryName,
  clientAliases: [{ dnsName, port }],
});

/** The controller's serviceConnectRefresh findings, read through the SDK. */
async function findings(): Promise<Finding[]> {
  const policy = makePolicy({
    rules: { cloudMapOrphans: { enabled: false }, dnsTtl: { enabled: false }, taskLimit: { enabled: false } },
  });
  const inventory = await readInventory(clients, [policy]);
  assert.deepEqual(inventory.readErrors, []);
  return evaluate(policy, inventory, inventory.observedAt);
}

/** "client->alias" pairs the controller reports (from the finding's reason) and the sandbox's truth. */
async function compare(): Promise<{ controller: string[]; truth: string[] }> {
  const controller = (await findings()).flatMap((finding) => {
    const name = finding.resource.kind === 'ecs-service' ? finding.resource.name : '';
    const aliases = /cannot reach (.*) until/.exec(finding.reason)?.[1].split(', ') ?? [];
    return aliases.map((a) => `${name}->${a}`);
  });
  const truth = f.sandbox.truth().brokenPairs.map((p) => `${p.client}->${p.alias}`);
  return { controller: controller.sort(), truth: truth.sort() };
}

describe('a client deployment keeps its endpoint list for every task it starts', () => {
  before(setUp);
  after(tearDown);

  test('replacement and scale-out tasks of an old deployment are as stale as its first tasks', async () => {
    f.sandbox.cloudMap.createNamespace({ name: 'shop.local', type: 'HTTP' });
    await f.ecs.send(service('web', 'shop.local'));
    f.sandbox.advance(HOUR);
    await f.ecs.send(service('orders', 'shop.local', [alias('orders', 'orders', 80)]));
    f.sandbox.advance(SETTLE);
    assert.deepEqual(await compare(), { controller: ['web->orders:80'], truth: ['web->orders:80'] });

    // Every task web runs now started after orders appeared, but by web's old deployment.
    const { taskArns } = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web' }));
    for (const task of taskArns!)
      await f.ecs.send(new StopTaskCommand({ cluster: 'prod', task, reason: 'health check failed' }));
    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', desiredCount: 3 }));
    f.sandbox.advance(SETTLE);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    assert.equal(services![0].deployments!.length, 1, 'no new deployment: the same one replaced and added tasks');
    assert.deepEqual(await compare(), { controller: ['web->orders:80'], truth: ['web->orders:80'] });
    const [finding] = await findings();
    assert.match(
      finding.observed,
      /^3 of 3 running tasks belong to deployments created before orders:80 appeared \(oldest 1h/,
    );

    // A new deployment takes the current list.
    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', forceNewDeployment: true }));
    f.sandbox.advance(SETTLE);
    assert.deepEqual(await compare(), { controller: [], truth: [] });
  });
});

describe('the namespace of a Service Connect service is resolved by ARN', () => {
  before(setUp);
  after(tearDown);

  test('a name that a DNS and an HTTP namespace share blocks the finding; an ARN or an endpoint resolves it', async () => {
    const dns = f.sandbox.cloudMap.createNamespace({ name: 'shop.local', type: 'DNS_PRIVATE' });
    f.sandbox.cloudMap.createNamespace({ name: 'shop.local', type: 'HTTP' });
    await f.ecs.send(service('web', 'shop.local'));
    await f.ecs.send(service('api', dns.arn));
    f.sandbox.advance(HOUR);
    // orders names the namespace by its shared name too, but its endpoint's Cloud Map service names it by id.
    await f.ecs.send(service('orders', 'shop.local', [alias('orders', 'orders', 80)]));
    f.sandbox.advance(SETTLE);
    const byClient = Object.fromEntries(
      (await findings()).map((x) => [x.resource.kind === 'ecs-service' ? x.resource.name : '', x]),
    );
    assert.deepEqual(Object.keys(byClient).sort(), ['api', 'web']);
    assert.equal(byClient.api.blocked, undefined);
    assert.equal(byClient.api.namespace, 'shop.local');
    assert.equal(byClient.web.blocked?.reason, 'ambiguous-namespace');
    assert.match(byClient.web.blocked?.detail ?? '', /"shop.local" names 2 Cloud Map namespaces/);
  });
});

describe('an endpoint is a client alias, dated by the server deployment that introduced it', () => {
  before(setUp);
  after(tearDown);

  const updateOrders = (port: number) =>
    f.ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'orders',
        serviceConnectConfiguration: {
          enabled: true,
          namespace: 'shop.local',
          services: [alias('orders', 'orders', port)],
        },
      }),
    );

  test('a changed alias is a new endpoint under the same discovery name; a dropped alias that comes back appears anew', async () => {
    f.sandbox.cloudMap.createNamespace({ name: 'shop.local', type: 'HTTP' });
    await f.ecs.send(service('orders', 'shop.local', [alias('orders', 'orders', 80)]));
    f.sandbox.advance(HOUR);
    await f.ecs.send(service('web', 'shop.local'));
    await f.ecs.send(service('api', 'shop.local'));
    f.sandbox.advance(SETTLE);
    assert.deepEqual(await compare(), { controller: [], truth: [] });

    f.sandbox.advance(HOUR);
    await updateOrders(8080);
    f.sandbox.advance(SETTLE);
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['orders'] }));
    assert.equal(services![0].deployments!.length, 1, 'ECS no longer lists the deployment that offered orders:80');
    assert.deepEqual(await compare(), {
      controller: ['api->orders:8080', 'web->orders:8080'],
      truth: ['api->orders:8080', 'web->orders:8080'],
    });

    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', forceNewDeployment: true }));
    f.sandbox.advance(HOUR);
    // orders:80 comes back: api's deployment knew it once, but it is a new endpoint now.
    await updateOrders(80);
    f.sandbox.advance(SETTLE);
    assert.deepEqual(await compare(), {
      controller: ['api->orders:80', 'web->orders:80'],
      truth: ['api->orders:80', 'web->orders:80'],
    });
    const [api] = await findings();
    assert.doesNotMatch(api.observed, /dated by the server's creation/, 'dated exactly, from the service revisions');
  });

  test('a server deleted and recreated appears anew, though its Cloud Map service is reused', async () => {
    for (const name of ['web', 'api'])
      await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: name, forceNewDeployment: true }));
    f.sandbox.advance(SETTLE);
    assert.deepEqual(await compare(), { controller: [], truth: [] });
    const before = (await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['orders'] })))
      .services![0].deployments![0].serviceConnectResources![0].discoveryArn;

    await f.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'orders', force: true }));
    f.sandbox.advance(HOUR);
    await f.ecs.send(service('orders', 'shop.local', [alias('orders', 'orders', 80)]));
    f.sandbox.advance(SETTLE);
    const again = (await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['orders'] })))
      .services![0].deployments![0].serviceConnectResources![0].discoveryArn;
    assert.equal(again, before, 'the same Cloud Map service');
    assert.deepEqual(await compare(), {
      controller: ['api->orders:80', 'web->orders:80'],
      truth: ['api->orders:80', 'web->orders:80'],
    });
  });
});
