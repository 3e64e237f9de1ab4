/** Error paths and call shapes of the inventory reader, with the SDK clients stubbed (aws-sdk-client-mock). */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { makePolicy, ttlOnlyPolicy } from '../fixtures/policy.js';
import { ACCOUNT, CANDIDATE_TAGS, clusterArn, serviceArn, setup, teardown } from './inventory-reader-stubs.js';

afterEach(teardown);

test("AccessDenied listing one cluster's services is a read error for that cluster; the other cluster is still read", async () => {
  const { clients, ecs } = setup();
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod-a'), clusterArn('prod-b')] });
  ecs
    .on(ListServicesCommand, { cluster: clusterArn('prod-a') })
    .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
  ecs
    .on(ListServicesCommand, { cluster: clusterArn('prod-b') })
    .resolves({ serviceArns: [serviceArn('prod-b', 'orders')] });

  const inventory = await readInventory(clients, [makePolicy()]);

  assert.deepEqual(
    inventory.services.map((s) => s.name),
    ['orders'],
  );
  assert.equal(inventory.readErrors.length, 1);
  const [error] = inventory.readErrors;
  assert.deepEqual(error.scope, { kind: 'cluster', cluster: 'prod-a' });
  assert.equal(error.operation, 'ecs:ListServices');
  assert.equal(error.code, 'AccessDeniedException');
  assert.equal(inventory.account, ACCOUNT);
});

test('services are listed 100 at a time and described 10 at a time with tags', async () => {
  const { clients, ecs } = setup();
  const names = Array.from({ length: 25 }, (_, i) => `svc-${i}`);
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod')] });
  ecs.on(ListServicesCommand).resolves({ serviceArns: names.map((n) => serviceArn('prod', n)) });

  const inventory = await readInventory(clients, [makePolicy()]);

  assert.equal(inventory.services.length, 25);
  const lists = ecs.commandCalls(ListServicesCommand);
  assert.equal(lists.length, 1);
  assert.equal(lists[0].args[0].input.maxResults, 100);
  const describes = ecs.commandCalls(DescribeServicesCommand);
  assert.deepEqual(describes.map((c) => c.args[0].input.services?.length).sort(), [10, 10, 5]);
  assert.ok(describes.every((c) => c.args[0].input.include?.includes('TAGS')));
});

test('an empty Cloud Map page that still carries a NextToken does not end the listing', async () => {
  const { clients, sd } = setup();
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [
      {
        Id: 'ns-1',
        Arn: `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:namespace/ns-1`,
        Name: 'internal.local',
        Type: 'DNS_PRIVATE',
      },
    ],
  });
  sd.on(ListCloudMapServicesCommand)
    .resolvesOnce({ Services: [], NextToken: 'page-2' })
    .resolvesOnce({ Services: [], NextToken: 'page-3' })
    .resolvesOnce({
      Services: [
        {
          Id: 'srv-1',
          Arn: 'arn:srv-1',
          Name: 'orders',
          Type: 'DNS_HTTP',
          InstanceCount: 0,
          DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] },
          CreateDate: new Date(1_000),
        },
      ],
    });

  const inventory = await readInventory(clients, [ttlOnlyPolicy({ namespaces: ['internal.local'] })]);

  assert.deepEqual(
    inventory.cloudMapServices.map((s) => [s.name, s.namespaceId, s.dnsRecords[0]?.ttl]),
    [['orders', 'ns-1', 300]],
  );
  const calls = sd.commandCalls(ListCloudMapServicesCommand).map((c) => c.args[0].input);
  assert.deepEqual(
    calls.map((i) => i.NextToken),
    [undefined, 'page-2', 'page-3'],
  );
  assert.ok(
    calls.every(
      (i) => i.MaxResults === 100 && i.Filters?.[0]?.Name === 'NAMESPACE_ID' && i.Filters[0].Values?.[0] === 'ns-1',
    ),
  );
  // A TTL-only policy needs no instances: they stay "not read", never "empty".
  assert.equal(inventory.cloudMapServices[0].instances, undefined);
  assert.equal(sd.commandCalls(ListInstancesCommand).length, 0);
});

test("a failed ListInstances leaves that service's instances unknown and records the error against it", async () => {
  const { clients, sd } = setup();
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-1', Arn: 'arn:ns-1', Name: 'internal.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(ListCloudMapServicesCommand).resolves({
    Services: [
      { Id: 'srv-1', Arn: 'arn:srv-1', Name: 'orders', InstanceCount: 1 },
      { Id: 'srv-2', Arn: 'arn:srv-2', Name: 'billing', InstanceCount: 0 },
    ],
  });
  // Gone by id and by ARN (the reader tries the ARN after ServiceNotFound, for shared namespaces).
  sd.on(ListInstancesCommand, { ServiceId: 'srv-1' }).rejects(
    Object.assign(new Error('boom'), { name: 'ServiceNotFound' }),
  );
  sd.on(ListInstancesCommand, { ServiceId: 'arn:srv-1' }).rejects(
    Object.assign(new Error('boom'), { name: 'ServiceNotFound' }),
  );
  sd.on(ListInstancesCommand, { ServiceId: 'srv-2' }).resolves({
    Instances: [{ Id: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } }],
  });
  sd.on(ListTagsForResourceCommand, { ResourceARN: 'arn:srv-2' }).resolves({
    Tags: [{ Key: 'team', Value: 'payments' }],
  });

  const inventory = await readInventory(clients, [makePolicy()], CANDIDATE_TAGS);

  const byName = new Map(inventory.cloudMapServices.map((s) => [s.name, s]));
  assert.equal(byName.get('orders')?.instances, undefined);
  // InstanceCount said 0 and no ECS service refers to billing: ListInstances is what counts, and it found one.
  assert.deepEqual(
    byName.get('billing')?.instances?.map((i) => i.id),
    ['i-1'],
  );
  // No finding acts on billing (its one instance is not ECS's), so its tags are not read: "not read", never "none".
  assert.equal(byName.get('billing')?.tagsRead, false);
  // orders has a (blocked) deletion finding, so its tags are read.
  assert.deepEqual(
    sd.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input.ResourceARN),
    ['arn:srv-1'],
  );
  assert.deepEqual(
    inventory.readErrors.map((e) => [e.scope, e.operation]),
    [[{ kind: 'cloudmap-service', serviceId: 'srv-1' }, 'servicediscovery:ListInstances']],
  );
});

test("a draining service named by an instance is described by name; its task is described by the instance's id, no cluster is listed", async () => {
  const { clients, ecs, sd } = setup();
  const taskArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/prod/abc123`;
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod')] });
  ecs.on(DescribeTasksCommand, { tasks: ['abc123'] }).resolves({
    tasks: [
      {
        taskArn,
        clusterArn: clusterArn('prod'),
        group: 'service:old-api',
        startedBy: 'ecs-svc/123',
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        taskDefinitionArn: 'td:1',
        createdAt: new Date(5_000),
        startedAt: new Date(6_000),
      },
    ],
  });
  ecs.on(DescribeServicesCommand, { services: ['old-api'] }).resolves({
    services: [
      {
        serviceArn: serviceArn('prod', 'old-api'),
        serviceName: 'old-api',
        clusterArn: clusterArn('prod'),
        status: 'DRAINING',
        serviceRegistries: [{ registryArn: 'arn:srv-9' }],
      },
    ],
  });
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-1', Arn: 'arn:ns-1', Name: 'internal.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(ListCloudMapServicesCommand).resolves({
    Services: [{ Id: 'srv-9', Arn: 'arn:srv-9', Name: 'old-api', InstanceCount: 1 }],
  });
  sd.on(ListInstancesCommand).resolves({
    Instances: [{ Id: 'abc123', Attributes: { ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'old-api' } }],
  });

  const inventory = await readInventory(clients, [makePolicy()]);

  assert.deepEqual(
    inventory.services.map((s) => [s.name, s.status, s.serviceRegistries[0]?.registryArn]),
    [['old-api', 'DRAINING', 'arn:srv-9']],
  );
  assert.deepEqual(
    inventory.tasks.map((t) => [t.id, t.serviceName, t.deploymentId, t.startedAt]),
    [['abc123', 'old-api', 'ecs-svc/123', 6_000]],
  );
  assert.equal(ecs.commandCalls(ListTasksCommand).length, 0, "no rule needs a cluster's task listing");
  assert.deepEqual(inventory.readErrors, []);
});

test('no more API calls are in flight than the concurrency limit', async () => {
  const { clients, ecs } = setup();
  const names = Array.from({ length: 30 }, (_, i) => `c-${i}`);
  ecs.on(ListClustersCommand).resolves({ clusterArns: names.map(clusterArn) });
  let inFlight = 0;
  let peak = 0;
  ecs.on(ListServicesCommand).callsFake(async () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return { serviceArns: [] };
  });

  const inventory = await readInventory(clients, [ttlOnlyPolicy({ clusters: ['*'], namespaces: [] })], {
    concurrency: 3,
  });

  assert.equal(inventory.clusters.length, 30);
  assert.equal(ecs.commandCalls(ListServicesCommand).length, 30);
  assert.equal(peak, 3);
});

test("scaling targets: one listing of the ecs namespace, every page followed; a failure is scoped to the account's scaling targets", async () => {
  const { clients, ecs, scaling } = setup();
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod')] });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [serviceArn('prod', 'orders'), serviceArn('prod', 'batch')] });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: serviceArn('prod', 'orders'),
        serviceName: 'orders',
        clusterArn: clusterArn('prod'),
        status: 'ACTIVE',
        serviceRegistries: [{ registryArn: 'arn:srv-1' }],
      },
      {
        serviceArn: serviceArn('prod', 'batch'),
        serviceName: 'batch',
        clusterArn: clusterArn('prod'),
        status: 'ACTIVE',
      },
    ],
  });
  const target = (max: number, service = 'orders') => ({
    ServiceNamespace: 'ecs' as const,
    ResourceId: `service/prod/${service}`,
    ScalableDimension: 'ecs:service:DesiredCount' as const,
    MinCapacity: 1,
    MaxCapacity: max,
    RoleARN: 'r',
    CreationTime: new Date(0),
  });
  // batch has a target too, but no service discovery: taskLimit does not need its maximum, so it is not kept.
  scaling
    .on(DescribeScalableTargetsCommand)
    .callsFakeOnce(() => ({ ScalableTargets: [target(7, 'batch')], NextToken: 't1' }))
    .callsFakeOnce(() => ({ ScalableTargets: [target(1500)] }));
  const policy = ttlOnlyPolicy({ clusters: ['prod'], namespaces: [] });

  const inventory = await readInventory(clients, [policy]);

  assert.deepEqual(
    inventory.services.map((s) => [s.name, s.maxCount]),
    [
      ['orders', 1500],
      ['batch', undefined],
    ],
  );
  const sent = scaling.commandCalls(DescribeScalableTargetsCommand).map((c) => c.args[0].input);
  // The namespace's whole listing, at the largest page size (no ResourceIds, so no ScalableDimension either).
  assert.deepEqual(
    sent.map((i) => [i.ServiceNamespace, i.ResourceIds, i.ScalableDimension, i.MaxResults, i.NextToken]),
    [
      ['ecs', undefined, undefined, 50, undefined],
      ['ecs', undefined, undefined, 50, 't1'],
    ],
  );

  scaling.on(DescribeScalableTargetsCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
  const failed = await readInventory(clients, [policy]);
  assert.deepEqual(
    failed.readErrors.map((e) => [e.scope, e.operation, e.code]),
    [[{ kind: 'scaling-targets' }, 'application-autoscaling:DescribeScalableTargets', 'AccessDeniedException']],
  );
  assert.equal(failed.services.find((s) => s.name === 'orders')?.maxCount, undefined);
});
