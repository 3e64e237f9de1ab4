import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreatePrivateDnsNamespaceCommand,
  CreatePublicDnsNamespaceCommand,
  DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  InvalidInput,
  ListNamespacesCommand,
  UpdateHttpNamespaceCommand,
  UpdatePrivateDnsNamespaceCommand,
  UpdatePublicDnsNamespaceCommand,
} from '@aws-sdk/client-servicediscovery';
import { startCloudMap, type CloudMapFixture } from './cloudmap-fixture.js';

// Properties.DnsProperties.SOA.TTL: the negative-caching TTL of a DNS namespace's hosted zone
// (https://docs.aws.amazon.com/cloud-map/latest/api/API_SOA.html, API_UpdatePrivateDnsNamespace.html,
// API_UpdatePublicDnsNamespace.html). HTTP namespaces have no hosted zone and no SOA.

let f: CloudMapFixture;
before(async () => {
  f = await startCloudMap({
    operationFailure: (operation, body) =>
      operation === 'servicediscovery:UpdatePublicDnsNamespace' && body.includes('"TTL":7')
        ? 'ACCESS_DENIED'
        : undefined,
  });
});
after(() => f.close());

const soaOf = async (id: string) =>
  (await f.client.send(new GetNamespaceCommand({ Id: id }))).Namespace!.Properties!.DnsProperties!.SOA?.TTL;
const soaChange = (ttl: unknown) => ({ Properties: { DnsProperties: { SOA: { TTL: ttl as number } } } });

async function privateNamespace(name: string, ttl?: number): Promise<string> {
  await f.client.send(
    new CreatePrivateDnsNamespaceCommand({
      Name: name,
      Vpc: 'vpc-1',
      ...(ttl === undefined ? {} : { Properties: { DnsProperties: { SOA: { TTL: ttl } } } }),
    }),
  );
  return f.cm.namespaceByRef(name)!.id;
}

/** Polls GetOperation until the operation has ended, as a client follows an asynchronous Cloud Map write. */
async function finalStatus(operationId: string): Promise<{ Status?: string; Type?: string; ErrorCode?: string }> {
  for (let poll = 0; poll < 10; poll++) {
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId: operationId }));
    if (Operation!.Status === 'SUCCESS' || Operation!.Status === 'FAIL') return Operation!;
  }
  throw new Error(`operation ${operationId} did not end`);
}

describe('Cloud Map namespace SOA TTL', () => {
  test('DNS namespaces report their SOA TTL in GetNamespace and ListNamespaces; HTTP namespaces have none', async () => {
    const privateId = await privateNamespace('soa-read.local', 120);
    await f.client.send(
      new CreatePublicDnsNamespaceCommand({
        Name: 'soa-read.example.com',
        Properties: { DnsProperties: { SOA: { TTL: 30 } } },
      }),
    );
    const publicId = f.cm.namespaceByRef('soa-read.example.com')!.id;
    const httpId = f.cm.createNamespace({ name: 'soa-read.http', type: 'HTTP' }).id;
    assert.equal(await soaOf(privateId), 120);
    assert.equal(await soaOf(publicId), 30);
    assert.equal(await soaOf(httpId), undefined);
    const listed = (await f.client.send(new ListNamespacesCommand({}))).Namespaces!.find((ns) => ns.Id === privateId);
    assert.equal(listed!.Properties!.DnsProperties!.SOA!.TTL, 120);
  });

  test('UpdatePrivateDnsNamespace returns an UPDATE_NAMESPACE operation; the new TTL shows once it has succeeded', async () => {
    const id = await privateNamespace('soa-update.local', 900);
    const { OperationId } = await f.client.send(
      new UpdatePrivateDnsNamespaceCommand({ Id: id, UpdaterRequestId: 'soa-1', Namespace: soaChange(15) }),
    );
    assert.equal(await soaOf(id), 900, 'not applied while the operation is SUBMITTED');
    const operation = await finalStatus(OperationId!);
    assert.deepEqual([operation.Type, operation.Status], ['UPDATE_NAMESPACE', 'SUCCESS']);
    assert.equal(await soaOf(id), 15);
  });

  test('UpdatePublicDnsNamespace changes a public namespace; a failed operation changes nothing', async () => {
    await f.client.send(
      new CreatePublicDnsNamespaceCommand({
        Name: 'soa-public.example.com',
        Properties: { DnsProperties: { SOA: { TTL: 300 } } },
      }),
    );
    const id = f.cm.namespaceByRef('soa-public.example.com')!.id;
    const ok = await f.client.send(new UpdatePublicDnsNamespaceCommand({ Id: id, Namespace: soaChange(60) }));
    assert.equal((await finalStatus(ok.OperationId!)).Status, 'SUCCESS');
    assert.equal(await soaOf(id), 60);
    const denied = await f.client.send(new UpdatePublicDnsNamespaceCommand({ Id: id, Namespace: soaChange(7) }));
    assert.deepEqual(await finalStatus(denied.OperationId!).then((op) => [op.Status, op.ErrorCode]), [
      'FAIL',
      'ACCESS_DENIED',
    ]);
    assert.equal(await soaOf(id), 60);
  });

  test('a retry with the same UpdaterRequestId answers the same operation; reusing it for another change is a DuplicateRequest', async () => {
    const id = await privateNamespace('soa-retry.local', 600);
    const first = await f.client.send(
      new UpdatePrivateDnsNamespaceCommand({ Id: id, UpdaterRequestId: 'retry-1', Namespace: soaChange(20) }),
    );
    const retry = await f.client.send(
      new UpdatePrivateDnsNamespaceCommand({ Id: id, UpdaterRequestId: 'retry-1', Namespace: soaChange(20) }),
    );
    assert.equal(retry.OperationId, first.OperationId);
    await assert.rejects(
      f.client.send(
        new UpdatePrivateDnsNamespaceCommand({ Id: id, UpdaterRequestId: 'retry-1', Namespace: soaChange(25) }),
      ),
      (error: unknown) => error instanceof DuplicateRequest && error.DuplicateOperationId === first.OperationId,
    );
  });

  test('TTL outside 0..2147483647, a missing SOA or TTL, or the wrong update call is InvalidInput', async () => {
    const id = await privateNamespace('soa-invalid.local');
    const update = (Namespace: object) =>
      f.client.send(new UpdatePrivateDnsNamespaceCommand({ Id: id, Namespace: Namespace as never }));
    for (const ttl of [-1, 2147483648, 1.5, '60'])
      await assert.rejects(update(soaChange(ttl)), InvalidInput, `TTL ${ttl}`);
    await assert.rejects(update({ Properties: { DnsProperties: {} } }), InvalidInput);
    await assert.rejects(update({ Properties: { DnsProperties: { SOA: {} } } }), InvalidInput);
    await assert.rejects(update({ Properties: {} }), InvalidInput);
    await assert.rejects(
      f.client.send(new UpdatePublicDnsNamespaceCommand({ Id: id, Namespace: soaChange(60) })),
      InvalidInput,
    );
    await assert.rejects(
      f.client.send(new UpdateHttpNamespaceCommand({ Id: id, Namespace: { Description: 'x' } })),
      InvalidInput,
    );
    await assert.rejects(
      f.client.send(
        new CreatePrivateDnsNamespaceCommand({
          Name: 'soa-bad.local',
          Vpc: 'vpc-1',
          Properties: { DnsProperties: { SOA: { TTL: -5 } } },
        }),
      ),
      InvalidInput,
    );
    // Both ends of the range are accepted.
    for (const ttl of [0, 2147483647]) await update(soaChange(ttl));
  });
});
