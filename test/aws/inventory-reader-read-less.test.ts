/** What the inventory reader leaves unread (tags of non-candidates, empty referenced services' instances), with the SDK clients stubbed. */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand, ListClustersCommand, ListServicesCommand } from '@aws-sdk/client-ecs';
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { makePolicy, ttlOnlyPolicy } from '../fixtures/policy.js';
import { CANDIDATE_TAGS, clusterArn, serviceArn, setup, teardown } from './inventory-reader-stubs.js';

afterEach(teardown);

test('tags are read only for the Cloud Map services a finding would act on', async () => {
  const { clients, sd } = setup();
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-1', Arn: 'arn:ns-1', Name: 'internal.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(ListCloudMapServicesCommand).resolves({
    Services: [
      {
        Id: 'srv-1',
        Arn: 'arn:srv-1',
        Name: 'slow',
        Type: 'DNS_HTTP',
        InstanceCount: 0,
        DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] },
      },
      {
        Id: 'srv-2',
        Arn: 'arn:srv-2',
        Name: 'fine',
        Type: 'DNS_HTTP',
        InstanceCount: 0,
        DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
      },
    ],
  });
  sd.on(ListTagsForResourceCommand, { ResourceARN: 'arn:srv-1' }).resolves({
    Tags: [{ Key: 'team', Value: 'payments' }],
  });

  const inventory = await readInventory(clients, [ttlOnlyPolicy({ namespaces: ['internal.local'] })], CANDIDATE_TAGS);

  assert.deepEqual(
    sd.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input.ResourceARN),
    ['arn:srv-1'],
  );
  const byName = new Map(inventory.cloudMapServices.map((s) => [s.name, s]));
  assert.deepEqual([byName.get('slow')?.tagsRead, byName.get('slow')?.tags], [true, { team: 'payments' }]);
  assert.equal(byName.get('fine')?.tagsRead, false);
});

test('a failed tag read of a candidate leaves tagsRead false and records the error against the service', async () => {
  const { clients, sd } = setup();
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-1', Arn: 'arn:ns-1', Name: 'internal.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(ListCloudMapServicesCommand).resolves({
    Services: [
      {
        Id: 'srv-1',
        Arn: 'arn:srv-1',
        Name: 'slow',
        Type: 'DNS_HTTP',
        DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] },
      },
    ],
  });
  sd.on(ListTagsForResourceCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

  const inventory = await readInventory(clients, [ttlOnlyPolicy({ namespaces: ['internal.local'] })], CANDIDATE_TAGS);

  assert.equal(inventory.cloudMapServices[0].tagsRead, false);
  assert.deepEqual(
    inventory.readErrors.map((e) => [e.scope, e.operation]),
    [[{ kind: 'cloudmap-service', serviceId: 'srv-1' }, 'servicediscovery:ListTagsForResource']],
  );
});

test('ListInstances is skipped for a service reported empty that an ECS service refers to, never for an unreferenced one', async () => {
  const { clients, ecs, sd } = setup();
  ecs.on(ListClustersCommand).resolves({ clusterArns: [clusterArn('prod')] });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [serviceArn('prod', 'api')] });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: serviceArn('prod', 'api'),
        serviceName: 'api',
        clusterArn: clusterArn('prod'),
        status: 'ACTIVE',
        runningCount: 0,
        serviceRegistries: [{ registryArn: 'arn:aws:servicediscovery:us-east-1:111122223333:service/srv-used' }],
      },
    ],
  });
  sd.on(ListNamespacesCommand).resolves({
    Namespaces: [{ Id: 'ns-1', Arn: 'arn:ns-1', Name: 'internal.local', Type: 'DNS_PRIVATE' }],
  });
  sd.on(ListCloudMapServicesCommand).resolves({
    Services: [
      {
        Id: 'srv-used',
        Arn: 'arn:aws:servicediscovery:us-east-1:111122223333:service/srv-used',
        Name: 'api',
        InstanceCount: 0,
      },
      { Id: 'srv-free', Arn: 'arn:srv-free', Name: 'free', InstanceCount: 0 },
      { Id: 'srv-count-unknown', Arn: 'arn:srv-count-unknown', Name: 'unknown' },
    ],
  });

  const inventory = await readInventory(clients, [makePolicy()]);

  assert.deepEqual(
    sd
      .commandCalls(ListInstancesCommand)
      .map((c) => c.args[0].input.ServiceId)
      .sort(),
    ['srv-count-unknown', 'srv-free'],
  );
  const byName = new Map(inventory.cloudMapServices.map((s) => [s.name, s]));
  assert.equal(byName.get('api')?.instances, undefined, 'not listed: "not read", never "empty"');
  assert.deepEqual(byName.get('free')?.instances, []);
});
