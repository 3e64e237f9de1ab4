/** What the inventory reader reads for a set of policies: only what they reach (scope), with the SDK clients stubbed. */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeServicesCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  GetServiceCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
} from '@aws-sdk/client-servicediscovery';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { makePolicy, ttlOnlyPolicy } from '../fixtures/policy.js';
import { ACCOUNT, clusterArn, serviceArn, setup, teardown } from './inventory-reader-stubs.js';

afterEach(teardown);

test('only clusters and namespaces a policy reaches are read; suspended policies read nothing', async () => {
  const { clients, ecs, sd } = setup();
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod-a'), clusterArn('staging')] });
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [
      { Id: 'ns-1', Arn: 'arn:ns-1', Name: 'a.local', Type: 'HTTP' },
      { Id: 'ns-2', Arn: 'arn:ns-2', Name: 'b.local', Type: 'HTTP' },
    ],
  });

  await readInventory(clients, [
    ttlOnlyPolicy({ clusters: ['prod-*'], namespaces: ['ns-2'] }),
    makePolicy({ suspend: true }),
  ]);

  assert.deepEqual(
    ecs.commandCalls(ListServicesCommand).map((c) => c.args[0].input.cluster),
    [clusterArn('prod-a')],
  );
  // TTL and task-limit rules need no tasks.
  assert.equal(ecs.commandCalls(ListTasksCommand).length, 0);
  assert.deepEqual(
    sd.commandCalls(ListCloudMapServicesCommand).map((c) => c.args[0].input.Filters?.[0]?.Values?.[0]),
    ['ns-2'],
  );
});

test('with no active policy nothing is read at all', async () => {
  const { clients, ecs, sd } = setup();
  const inventory = await readInventory(clients, [makePolicy({ suspend: true })]);
  assert.equal(ecs.calls().length + sd.calls().length, 0);
  assert.deepEqual(inventory.readErrors, []);
});

test("a Cloud Map service a covered ECS service refers to is read even outside the policy's namespaces", async () => {
  const { clients, ecs, sd } = setup();
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod')] });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [serviceArn('prod', 'orders')] });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: serviceArn('prod', 'orders'),
        serviceName: 'orders',
        clusterArn: clusterArn('prod'),
        status: 'ACTIVE',
        serviceRegistries: [{ registryArn: `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:service/srv-far` }],
      },
    ],
  });
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-far', Arn: 'arn:ns-far', Name: 'far.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(GetServiceCommand, { Id: 'srv-far' }).resolves({
    Service: {
      Id: 'srv-far',
      Arn: 'arn:srv-far',
      Name: 'orders',
      NamespaceId: 'ns-far',
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 600 }] },
    },
  });

  const inventory = await readInventory(clients, [ttlOnlyPolicy({ clusters: ['prod'], namespaces: [] })]);

  assert.deepEqual(
    inventory.cloudMapServices.map((s) => [s.id, s.namespaceId, s.dnsRecords[0]?.ttl]),
    [['srv-far', 'ns-far', 600]],
  );
  // Namespaces are all kept (names resolve), but none of their service lists was read.
  assert.deepEqual(
    inventory.namespaces.map((n) => n.name),
    ['far.local'],
  );
  assert.equal(sd.commandCalls(ListCloudMapServicesCommand).length, 0);
});
