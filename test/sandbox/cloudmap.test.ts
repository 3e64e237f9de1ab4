/** Cloud Map namespaces in the sandbox through @aws-sdk/client-servicediscovery (services: cloudmap-services.test.ts). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  InvalidInput,
  UpdateHttpNamespaceCommand,
  UpdatePrivateDnsNamespaceCommand,
  ListNamespacesCommand,
  NamespaceAlreadyExists,
  NamespaceNotFound,
  ResourceInUse,
} from '@aws-sdk/client-servicediscovery';
import {
  ACCOUNT,
  REGION,
  START_MS,
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

describe('Cloud Map namespaces', () => {
  test('creating namespaces is asynchronous and GetNamespace describes them as AWS does', async () => {
    const { OperationId } = await f.client.send(
      new CreatePrivateDnsNamespaceCommand({ Name: 'corp.internal', Vpc: 'vpc-0abc', Description: 'private' }),
    );
    assert.match(OperationId!, /^[a-z0-9]{32}-[a-z0-9]{8}$/);
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.Type, 'CREATE_NAMESPACE');
    const id = Operation!.Targets!.NAMESPACE!;
    assert.match(id, /^ns-[a-z0-9]{16}$/);

    const { Namespace } = await f.client.send(new GetNamespaceCommand({ Id: id }));
    assert.equal(Namespace!.Arn, `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}`);
    assert.equal(Namespace!.Type, 'DNS_PRIVATE');
    assert.equal(Namespace!.Description, 'private');
    assert.equal(Namespace!.ServiceCount, 0);
    assert.equal(Namespace!.Properties!.HttpProperties!.HttpName, 'corp.internal');
    assert.match(Namespace!.Properties!.DnsProperties!.HostedZoneId!, /^Z[A-Z0-9]{13}$/);
    assert.equal(Namespace!.CreateDate!.getTime(), START_MS);

    const byArn = await f.client.send(new GetNamespaceCommand({ Id: Namespace!.Arn }));
    assert.equal(byArn.Namespace!.Id, id);
  });

  test('duplicate names, unknown ids and bad names are refused with the modeled errors', async () => {
    await httpNamespace(f.client, 'dup-ns');
    await assert.rejects(
      f.client.send(new CreateHttpNamespaceCommand({ Name: 'dup-ns' })),
      (e) => e instanceof NamespaceAlreadyExists && typeof e.NamespaceId === 'string',
    );
    await assert.rejects(f.client.send(new GetNamespaceCommand({ Id: 'ns-doesnotexist0000' })), NamespaceNotFound);
    await assert.rejects(
      f.client.send(new CreatePrivateDnsNamespaceCommand({ Name: 'bad name.local', Vpc: 'vpc-1' })),
      InvalidInput,
    );
  });

  test('ListNamespaces filters by TYPE, NAME (EQ / BEGINS_WITH) and HTTP_NAME', async () => {
    await httpNamespace(f.client, 'team-a.http');
    await dnsNamespace(f.client, 'team-a.local');
    const names = async (filters: any[]) =>
      (await f.client.send(new ListNamespacesCommand({ Filters: filters }))).Namespaces!.map((n) => n.Name).sort();
    assert.deepEqual(await names([{ Name: 'NAME', Values: ['team-a'], Condition: 'BEGINS_WITH' }]), [
      'team-a.http',
      'team-a.local',
    ]);
    assert.deepEqual(
      await names([
        { Name: 'NAME', Values: ['team-a'], Condition: 'BEGINS_WITH' },
        { Name: 'TYPE', Values: ['HTTP'] },
      ]),
      ['team-a.http'],
    );
    assert.deepEqual(await names([{ Name: 'HTTP_NAME', Values: ['team-a.local'], Condition: 'EQ' }]), ['team-a.local']);
    assert.deepEqual(
      await names([
        { Name: 'NAME', Values: ['team-a'], Condition: 'BEGINS_WITH' },
        { Name: 'TYPE', Values: ['DNS'], Condition: 'BEGINS_WITH' },
      ]),
      ['team-a.local'],
    );
    assert.deepEqual(await names([{ Name: 'TYPE', Values: ['DNS_PUBLIC'] }]), []);
    await assert.rejects(
      f.client.send(new ListNamespacesCommand({ Filters: [{ Name: 'NAME', Values: ['x'], Condition: 'IN' }] })),
      InvalidInput,
    );
    await assert.rejects(
      f.client.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['HTTP'], Condition: 'BETWEEN' }] })),
      InvalidInput,
    );
  });

  test('namespaces can be updated (description, SOA TTL) with the update call of their type', async () => {
    const httpId = await httpNamespace(f.client, 'updatable.http');
    const dnsId = await dnsNamespace(f.client, 'updatable.local');
    const { OperationId } = await f.client.send(
      new UpdateHttpNamespaceCommand({ Id: httpId, Namespace: { Description: 'now described' } }),
    );
    assert.equal((await f.client.send(new GetOperationCommand({ OperationId }))).Operation!.Type, 'UPDATE_NAMESPACE');
    // Updates are asynchronous: the change shows once the operation has succeeded.
    f.cm.completeOperations();
    assert.equal(
      (await f.client.send(new GetNamespaceCommand({ Id: httpId }))).Namespace!.Description,
      'now described',
    );
    await f.client.send(
      new UpdatePrivateDnsNamespaceCommand({
        Id: dnsId,
        Namespace: { Properties: { DnsProperties: { SOA: { TTL: 60 } } } },
      }),
    );
    f.cm.completeOperations();
    assert.equal(
      (await f.client.send(new GetNamespaceCommand({ Id: dnsId }))).Namespace!.Properties!.DnsProperties!.SOA!.TTL,
      60,
    );
    await assert.rejects(
      f.client.send(new UpdatePrivateDnsNamespaceCommand({ Id: httpId, Namespace: { Description: 'x' } })),
      InvalidInput,
    );
  });

  test('a namespace with services cannot be deleted', async () => {
    const nsId = await httpNamespace(f.client, 'short-lived');
    const { Service } = await f.client.send(new CreateServiceCommand({ Name: 'only', NamespaceId: nsId }));
    await assert.rejects(f.client.send(new DeleteNamespaceCommand({ Id: nsId })), ResourceInUse);
    await f.client.send(new DeleteServiceCommand({ Id: Service!.Id }));
    const { OperationId } = await f.client.send(new DeleteNamespaceCommand({ Id: nsId }));
    assert.ok(OperationId);
    await assert.rejects(f.client.send(new GetNamespaceCommand({ Id: nsId })), NamespaceNotFound);
  });
});
