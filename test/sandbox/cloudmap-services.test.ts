/** Cloud Map services in the sandbox through @aws-sdk/client-servicediscovery: create, list, update. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  InvalidInput,
  ListNamespacesCommand,
  ListServicesCommand,
  NamespaceNotFound,
  paginateListServices,
  ServiceAlreadyExists,
  ServiceNotFound,
  type ServiceSummary,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import {
  ACCOUNT,
  REGION,
  dnsNamespace,
  httpNamespace,
  startCloudMap,
  type CloudMapFixture,
} from './cloudmap-fixture.js';

let f: CloudMapFixture;
before(async () => {
  f = await startCloudMap();
});
after(() => f.close());

describe('Cloud Map services', () => {
  test('CreateService derives the type from the namespace and DnsConfig', async () => {
    const httpNs = await httpNamespace(f.client, 'types.http');
    const dnsNs = await dnsNamespace(f.client, 'types.local');
    const http = await f.client.send(new CreateServiceCommand({ Name: 'sc-api', NamespaceId: httpNs }));
    assert.equal(http.Service!.Type, 'HTTP');
    assert.equal(http.Service!.DnsConfig, undefined);
    assert.match(http.Service!.Id!, /^srv-[a-z0-9]{16}$/);
    assert.equal(http.Service!.Arn, `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${http.Service!.Id}`);

    const dns = await f.client.send(
      new CreateServiceCommand({
        Name: 'web',
        NamespaceId: dnsNs,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 60 },
            { Type: 'SRV', TTL: 60 },
          ],
        },
        HealthCheckCustomConfig: { FailureThreshold: 3 },
      }),
    );
    assert.equal(dns.Service!.Type, 'DNS_HTTP');
    assert.equal(dns.Service!.DnsConfig!.RoutingPolicy, 'MULTIVALUE');
    assert.deepEqual(dns.Service!.DnsConfig!.DnsRecords, [
      { Type: 'A', TTL: 60 },
      { Type: 'SRV', TTL: 60 },
    ]);
    assert.equal(dns.Service!.HealthCheckCustomConfig!.FailureThreshold, 1);

    const apiOnly = await f.client.send(new CreateServiceCommand({ Name: 'api-only', NamespaceId: dnsNs }));
    assert.equal(apiOnly.Service!.Type, 'HTTP');

    const got = await f.client.send(new GetServiceCommand({ Id: dns.Service!.Arn }));
    assert.equal(got.Service!.Id, dns.Service!.Id);
    assert.equal(got.Service!.InstanceCount, 0);
    assert.equal((await f.client.send(new GetNamespaceCommand({ Id: dnsNs }))).Namespace!.ServiceCount, 2);
  });

  test('CreateService refuses bad input with the modeled errors', async () => {
    const httpNs = await httpNamespace(f.client, 'refusals.http');
    const dnsNs = await dnsNamespace(f.client, 'refusals.local');
    const send = (input: any) => f.client.send(new CreateServiceCommand(input));
    await assert.rejects(
      send({ Name: 'x', NamespaceId: httpNs, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } }),
      InvalidInput,
    );
    await assert.rejects(
      send({ Name: 'x', NamespaceId: dnsNs, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: -1 }] } }),
      InvalidInput,
    );
    await assert.rejects(
      send({
        Name: 'x',
        NamespaceId: dnsNs,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 10 },
            { Type: 'CNAME', TTL: 10 },
          ],
        },
      }),
      InvalidInput,
    );
    await assert.rejects(send({ Name: 'bad name', NamespaceId: dnsNs }), InvalidInput);
    await assert.rejects(send({ Name: 'x', NamespaceId: 'ns-doesnotexist0000' }), NamespaceNotFound);
    await send({ Name: 'taken', NamespaceId: httpNs });
    await assert.rejects(
      send({ Name: 'taken', NamespaceId: httpNs }),
      (e) => e instanceof ServiceAlreadyExists && /^srv-/.test(e.ServiceId ?? ''),
    );
    await assert.rejects(f.client.send(new GetServiceCommand({ Id: 'srv-doesnotexist000' })), ServiceNotFound);
  });

  test('ListServices pages like AWS: MaxResults are fetched, then filtered, so a page can be empty while NextToken is set', async () => {
    const fresh = await startCloudMap();
    try {
      const a = fresh.cm.createNamespace({ name: 'a.http', type: 'HTTP' });
      const b = fresh.cm.createNamespace({ name: 'b.http', type: 'HTTP' });
      for (let i = 0; i < 5; i++) fresh.cm.createService({ namespaceId: a.id, name: `a${i}` });
      for (let i = 0; i < 5; i++) fresh.cm.createService({ namespaceId: b.id, name: `b${i}` });
      fresh.cm.createService({ namespaceId: a.id, name: 'a-last' });

      const filter = [{ Name: 'NAMESPACE_ID' as const, Values: [b.id], Condition: 'EQ' as const }];
      const first = await fresh.client.send(new ListServicesCommand({ MaxResults: 5, Filters: filter }));
      assert.deepEqual(first.Services, []);
      assert.ok(first.NextToken, 'an empty filtered page still carries NextToken');
      const second = await fresh.client.send(
        new ListServicesCommand({ MaxResults: 5, Filters: filter, NextToken: first.NextToken }),
      );
      assert.deepEqual(
        second.Services!.map((s) => s.Name),
        ['b0', 'b1', 'b2', 'b3', 'b4'],
      );
      assert.ok(second.NextToken);
      const third = await fresh.client.send(
        new ListServicesCommand({ MaxResults: 5, Filters: filter, NextToken: second.NextToken }),
      );
      assert.deepEqual(third.Services, []);
      assert.equal(third.NextToken, undefined);

      // A namespace ARN works as the filter value too; the SDK paginator follows tokens across empty pages.
      const viaArn: ServiceSummary[] = [];
      for await (const page of paginateListServices(
        { client: fresh.client, pageSize: 2 },
        { Filters: [{ Name: 'NAMESPACE_ID', Values: [a.arn], Condition: 'EQ' }] },
      )) {
        viaArn.push(...page.Services!);
      }
      assert.deepEqual(
        viaArn.map((s) => s.Name),
        ['a0', 'a1', 'a2', 'a3', 'a4', 'a-last'],
      );
      assert.equal((await fresh.client.send(new ListServicesCommand({}))).Services!.length, 11);
    } finally {
      await fresh.close();
    }
  });

  test('ListServices refuses bad MaxResults and foreign or corrupt NextTokens', async () => {
    await assert.rejects(f.client.send(new ListServicesCommand({ MaxResults: 101 })), InvalidInput);
    await assert.rejects(f.client.send(new ListServicesCommand({ MaxResults: 0 })), InvalidInput);
    await assert.rejects(f.client.send(new ListServicesCommand({ NextToken: 'not-a-token' })), InvalidInput);
    const page = await f.client.send(new ListServicesCommand({ MaxResults: 1 }));
    assert.ok(page.NextToken);
    const otherFilter = [{ Name: 'NAMESPACE_ID' as const, Values: ['ns-whatever00000000'] }];
    await assert.rejects(
      f.client.send(new ListServicesCommand({ MaxResults: 1, NextToken: page.NextToken, Filters: otherFilter })),
      InvalidInput,
    );
    await assert.rejects(f.client.send(new ListNamespacesCommand({ NextToken: page.NextToken })), InvalidInput);
  });

  test('UpdateService replaces the record list: omitted records are deleted, types cannot change', async () => {
    const nsId = await dnsNamespace(f.client, 'update.local');
    const { Service } = await f.client.send(
      new CreateServiceCommand({
        Name: 'svc',
        NamespaceId: nsId,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 300 },
            { Type: 'SRV', TTL: 300 },
          ],
        },
      }),
    );
    const id = Service!.Id!;
    const { OperationId } = await f.client.send(
      new UpdateServiceCommand({ Id: id, Service: { DnsConfig: { DnsRecords: [{ Type: 'SRV', TTL: 30 }] } } }),
    );
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.Type, 'UPDATE_SERVICE');
    assert.equal(Operation!.Targets!.SERVICE, id);
    assert.deepEqual(
      (await f.client.send(new GetServiceCommand({ Id: id }))).Service!.DnsConfig!.DnsRecords!.length,
      2,
      'unchanged until the operation succeeds',
    );
    f.clock.advance(1000);
    const after = await f.client.send(new GetServiceCommand({ Id: id }));
    assert.deepEqual(after.Service!.DnsConfig!.DnsRecords, [{ Type: 'SRV', TTL: 30 }]);

    const update = (records: any[]) =>
      f.client.send(new UpdateServiceCommand({ Id: id, Service: { DnsConfig: { DnsRecords: records } } }));
    await assert.rejects(
      update([{ Type: 'AAAA', TTL: 30 }]),
      (e) => e instanceof InvalidInput && /record types cannot change/.test(e.message),
    );
    await assert.rejects(update([{ Type: 'SRV', TTL: 2147483648 }]), InvalidInput);
    await update([{ Type: 'SRV', TTL: 2147483647 }]);
    f.clock.advance(1000);
    assert.equal(
      (await f.client.send(new GetServiceCommand({ Id: id }))).Service!.DnsConfig!.DnsRecords![0].TTL,
      2147483647,
    );
    await assert.rejects(
      f.client.send(new UpdateServiceCommand({ Id: 'srv-doesnotexist000', Service: { Description: 'x' } })),
      ServiceNotFound,
    );
  });

  test('UpdateService is refused for services in HTTP namespaces', async () => {
    const nsId = await httpNamespace(f.client, 'update.http');
    const { Service } = await f.client.send(new CreateServiceCommand({ Name: 'sc', NamespaceId: nsId }));
    await assert.rejects(
      f.client.send(
        new UpdateServiceCommand({ Id: Service!.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } } }),
      ),
      (e) => e instanceof InvalidInput && /HTTP namespace/.test(e.message),
    );
  });
});
