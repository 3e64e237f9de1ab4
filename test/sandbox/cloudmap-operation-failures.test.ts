/**
 * Cloud Map writes are asynchronous (aws-facts §4, botocore servicediscovery Operation): the call returns an
 * OperationId, GetOperation reports SUBMITTED, PENDING, then SUCCESS or FAIL with an ErrorCode, and the change
 * happens only on SUCCESS. The sandbox's operationFailRate fault makes operations FAIL, as missing Route 53
 * permissions do in AWS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DeregisterInstanceCommand,
  DuplicateRequest,
  GetOperationCommand,
  GetServiceCommand,
  ListInstancesCommand,
  RegisterInstanceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { FaultInjector } from '../../sandbox/core/faults.js';
import { startSandbox } from '../../sandbox/index.js';
import { startCloudMap, type CloudMapFixture } from './cloudmap-fixture.js';

const faults = new FaultInjector(() => 0);
let f: CloudMapFixture;
before(async () => {
  f = await startCloudMap({ operationFailure: (operation, body) => faults.operationFailure(operation, body) });
});
after(() => f.close());

async function serviceWithInstance(name: string, instanceId: string) {
  const ns = f.cm.namespaceByRef('fail.local') ?? f.cm.createNamespace({ name: 'fail.local', type: 'DNS_PRIVATE' });
  const { Service } = await f.client.send(
    new CreateServiceCommand({ Name: name, NamespaceId: ns.id, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] } }),
  );
  await f.client.send(
    new RegisterInstanceCommand({
      ServiceId: Service!.Id,
      InstanceId: instanceId,
      Attributes: { AWS_INSTANCE_IPV4: '10.1.0.1' },
    }),
  );
  return Service!;
}

async function statuses(operationId: string, polls: number) {
  const seen: { status: string; code?: string; message?: string }[] = [];
  for (let i = 0; i < polls; i++) {
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId: operationId }));
    seen.push({
      status: Operation!.Status!,
      ...(Operation!.ErrorCode ? { code: Operation!.ErrorCode, message: Operation!.ErrorMessage } : {}),
    });
  }
  return seen;
}

async function instanceIds(serviceId: string) {
  return (await f.client.send(new ListInstancesCommand({ ServiceId: serviceId }))).Instances!.map((i) => i.Id);
}

describe('Cloud Map operations that fail', () => {
  test('a deregistration stays listed while its operation runs; a second request is a DuplicateRequest naming it', async () => {
    const service = await serviceWithInstance('slow', 'task-1');
    const { OperationId } = await f.client.send(
      new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-1' }),
    );
    assert.deepEqual(await instanceIds(service.Id!), ['task-1']);
    const duplicate = await f.client
      .send(new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-1' }))
      .catch((e) => e);
    assert.ok(duplicate instanceof DuplicateRequest, String(duplicate));
    assert.equal(duplicate.DuplicateOperationId, OperationId);
    assert.deepEqual(
      (await statuses(OperationId!, 3)).map((s) => s.status),
      ['SUBMITTED', 'PENDING', 'SUCCESS'],
    );
    assert.deepEqual(await instanceIds(service.Id!), []);
  });

  test('with operationFailRate 1 a deregistration is accepted, ends in FAIL with the ErrorCode, and the instance stays', async () => {
    const service = await serviceWithInstance('denied', 'task-2');
    faults.add({ operation: 'servicediscovery:DeregisterInstance', operationFailRate: 1, errorCode: 'ACCESS_DENIED' });
    try {
      const { OperationId } = await f.client.send(
        new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-2' }),
      );
      const seen = await statuses(OperationId!, 4);
      assert.deepEqual(
        seen.map((s) => s.status),
        ['SUBMITTED', 'PENDING', 'FAIL', 'FAIL'],
      );
      assert.equal(seen[2].code, 'ACCESS_DENIED');
      assert.match(seen[2].message ?? '', /ACCESS_DENIED/);
      f.clock.advance(60_000);
      assert.deepEqual(await instanceIds(service.Id!), ['task-2'], 'a failed deregistration removes nothing');
    } finally {
      faults.clear();
    }
    // Once the cause is gone, asking again works.
    const { OperationId } = await f.client.send(
      new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-2' }),
    );
    assert.equal((await statuses(OperationId!, 3))[2].status, 'SUCCESS');
    assert.deepEqual(await instanceIds(service.Id!), []);
  });

  test('a failed UpdateService changes no record', async () => {
    const service = await serviceWithInstance('ttl', 'task-3');
    faults.add({
      operation: 'servicediscovery:UpdateService',
      operationFailRate: 1,
      errorCode: 'INVALID_CHANGE_BATCH',
    });
    try {
      const { OperationId } = await f.client.send(
        new UpdateServiceCommand({ Id: service.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } } }),
      );
      f.clock.advance(1000);
      const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
      assert.deepEqual([Operation!.Status, Operation!.ErrorCode], ['FAIL', 'INVALID_CHANGE_BATCH']);
      const { Service } = await f.client.send(new GetServiceCommand({ Id: service.Id }));
      assert.deepEqual(Service!.DnsConfig!.DnsRecords, [{ Type: 'A', TTL: 60 }]);
    } finally {
      faults.clear();
    }
  });

  test('the fault is set through POST /_sandbox/faults, and only with a Cloud Map operation ErrorCode', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const post = (body: object) =>
        fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(body) });
      const ok = await post({
        operation: 'servicediscovery:DeregisterInstance',
        operationFailRate: 1,
        errorCode: 'ACCESS_DENIED',
      });
      assert.equal(ok.status, 200, await ok.text());
      const bad = await post({
        operation: 'servicediscovery:DeregisterInstance',
        operationFailRate: 1,
        errorCode: 'AccessDeniedException',
      });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /ACCESS_DENIED/);
    } finally {
      await sandbox.close();
    }
  });
});
