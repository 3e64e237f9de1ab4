import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsError } from '../../sandbox/core/errors.js';
import {
  GetServiceCommand,
  ListInstancesCommand,
  paginateListInstances,
  paginateListServices,
  type InstanceSummary,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { startCloudMap, START_MS, type CloudMapFixture } from './cloudmap-fixture.js';

let f: CloudMapFixture;
before(async () => {
  f = await startCloudMap();
});
after(() => f.close());

describe('CloudMapPort (what ECS, scenarios and the truth endpoint use)', () => {
  test('resources created through the port are what the API returns', async () => {
    const ns = f.cm.createNamespace({ name: 'port.local', type: 'DNS_PRIVATE', createdAt: START_MS - 86_400_000 });
    assert.deepEqual(f.cm.namespaceByRef('port.local'), ns);
    assert.deepEqual(f.cm.namespaceByRef(ns.id), ns);
    assert.deepEqual(f.cm.namespaceByRef(ns.arn), ns);
    assert.equal(f.cm.namespaceByRef('missing.local'), undefined);

    const registry = f.cm.createService({
      namespaceId: ns.id,
      name: 'orders',
      dnsRecords: [{ Type: 'A', TTL: 60 }],
      tags: { owner: 'ecs' },
    });
    assert.equal(registry.type, 'DNS_HTTP');
    assert.deepEqual(registry.dnsRecords, [{ Type: 'A', TTL: 60 }]);
    assert.deepEqual(f.cm.serviceByArn(registry.arn), registry);
    assert.deepEqual(f.cm.serviceById(registry.id), registry);
    assert.deepEqual(f.cm.serviceByName(ns.id, 'orders'), registry);

    const scNs = f.cm.createNamespace({ name: 'port-sc', type: 'HTTP' });
    const sc = f.cm.createService({ namespaceId: scNs.id, name: 'orders-sc', dnsRecords: [{ Type: 'A', TTL: 60 }] });
    assert.equal(sc.type, 'HTTP', 'services in HTTP namespaces never have DNS records');
    assert.deepEqual(sc.dnsRecords, []);

    f.cm.registerInstance(registry.id, 'task-1', { AWS_INSTANCE_IPV4: '10.0.0.1', ECS_SERVICE_NAME: 'orders' }, 'ecs');
    f.cm.registerInstance(registry.id, 'manual-1', { AWS_INSTANCE_IPV4: '10.0.0.2' }, 'other');
    assert.deepEqual(
      f.cm.instances(registry.id).map((i) => [i.id, i.registeredBy]),
      [
        ['task-1', 'ecs'],
        ['manual-1', 'other'],
      ],
    );
    const listed = await f.client.send(new ListInstancesCommand({ ServiceId: registry.id }));
    assert.deepEqual(
      listed.Instances!.map((i) => i.Id),
      ['task-1', 'manual-1'],
    );

    f.cm.removeInstance(registry.id, 'task-1');
    f.cm.removeInstance(registry.id, 'task-1'); // absent: a no-op
    f.cm.removeInstance('srv-doesnotexist000', 'task-1');
    assert.deepEqual(
      f.cm.instances(registry.id).map((i) => i.id),
      ['manual-1'],
    );
    assert.deepEqual(f.cm.instances('srv-doesnotexist000'), []);

    f.cm.setTtl(registry.id, 86_400);
    const { Service } = await f.client.send(new GetServiceCommand({ Id: registry.id }));
    assert.deepEqual(Service!.DnsConfig!.DnsRecords, [{ Type: 'A', TTL: 86_400 }]);
    assert.equal(Service!.CreateDate!.getTime(), START_MS);
    assert.equal(f.cm.namespaces().find((n) => n.id === ns.id)?.type, 'DNS_PRIVATE');
  });

  test('port misuse fails loudly with AWS-shaped errors', () => {
    assert.throws(
      () => f.cm.createService({ namespaceId: 'ns-doesnotexist0000', name: 'x' }),
      (e) => e instanceof AwsError && e.code === 'NamespaceNotFound',
    );
    assert.throws(
      () => f.cm.registerInstance('srv-doesnotexist000', 'i', {}, 'ecs'),
      (e) => e instanceof AwsError && e.code === 'ServiceNotFound',
    );
    const ns = f.cm.createNamespace({ name: 'misuse.local', type: 'DNS_PRIVATE' });
    assert.throws(
      () => f.cm.createNamespace({ name: 'misuse.local', type: 'DNS_PRIVATE' }),
      (e) => e instanceof AwsError && e.code === 'NamespaceAlreadyExists',
    );
    // An HTTP namespace may share a DNS namespace's name (issue 10: ECS then names an ambiguous namespace).
    assert.notEqual(f.cm.createNamespace({ name: 'misuse.local', type: 'HTTP' }).id, ns.id);
    assert.equal(f.cm.namespaceByRef('misuse.local')!.id, ns.id, 'a name finds the oldest');
    f.cm.createService({ namespaceId: ns.id, name: 'one' });
    assert.throws(
      () => f.cm.createService({ namespaceId: ns.id, name: 'one' }),
      (e) => e instanceof AwsError && e.code === 'ServiceAlreadyExists',
    );
    assert.throws(
      () => f.cm.createService({ namespaceId: ns.id, name: 'two', dnsRecords: [{ Type: 'MX', TTL: 1 }] }),
      (e) => e instanceof AwsError && e.code === 'InvalidInput',
    );
  });
});

describe('Cloud Map at fleet scale', () => {
  test('2,000 services and 100,000 instances list completely through the paginators', async () => {
    const big = await startCloudMap();
    try {
      const namespaceIds = Array.from(
        { length: 10 },
        (_, i) => big.cm.createNamespace({ name: `scale-${i}.local`, type: 'DNS_PRIVATE' }).id,
      );
      const serviceIds: string[] = [];
      for (let s = 0; s < 2000; s++) {
        const service = big.cm.createService({
          namespaceId: namespaceIds[s % 10],
          name: `svc-${s}`,
          dnsRecords: [{ Type: 'A', TTL: 60 }],
        });
        serviceIds.push(service.id);
        for (let i = 0; i < 50; i++)
          big.cm.registerInstance(
            service.id,
            `task-${s}-${i}`,
            { AWS_INSTANCE_IPV4: '10.0.0.1', ECS_SERVICE_NAME: `svc-${s}` },
            'ecs',
          );
      }
      assert.equal(big.cm.services().length, 2000);

      const inThird: ServiceSummary[] = [];
      let pages = 0;
      for await (const page of paginateListServices(
        { client: big.client },
        { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceIds[3]] }] },
      )) {
        inThird.push(...page.Services!);
        pages++;
      }
      assert.equal(pages, 20, 'the filter applies per fetched page of 100, so every page of all services is visited');
      assert.equal(inThird.length, 200);
      assert.ok(inThird.every((s) => s.InstanceCount === 50));

      const instances: InstanceSummary[] = [];
      for await (const page of paginateListInstances(
        { client: big.client, pageSize: 20 },
        { ServiceId: serviceIds[1999] },
      ))
        instances.push(...page.Instances!);
      assert.deepEqual(
        instances.map((i) => i.Id),
        Array.from({ length: 50 }, (_, i) => `task-1999-${i}`),
      );
    } finally {
      await big.close();
    }
  });
});
