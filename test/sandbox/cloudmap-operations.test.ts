import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  GetOperationCommand,
  InvalidInput,
  ListOperationsCommand,
  ListTagsForResourceCommand,
  OperationNotFound,
  RegisterInstanceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  TooManyTagsException,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { ACCOUNT, REGION, START_MS, startCloudMap, type CloudMapFixture } from './cloudmap-fixture.js';

let f: CloudMapFixture;
before(async () => {
  f = await startCloudMap();
});
after(() => f.close());

async function serviceWithInstance(name: string, instanceId: string) {
  const ns = f.cm.namespaceByRef('ops.local') ?? f.cm.createNamespace({ name: 'ops.local', type: 'DNS_PRIVATE' });
  const { Service } = await f.client.send(
    new CreateServiceCommand({
      Name: name,
      NamespaceId: ns.id,
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] },
      Tags: [{ Key: 'team', Value: 'core' }],
    }),
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

describe('Cloud Map operations', () => {
  test('GetOperation moves SUBMITTED -> PENDING -> SUCCESS, one stage per poll on a frozen clock', async () => {
    const service = await serviceWithInstance('lifecycle', 'task-1');
    const { OperationId } = await f.client.send(
      new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-1' }),
    );
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await f.client.send(new GetOperationCommand({ OperationId }))).Operation!.Status!);
    assert.deepEqual(statuses, ['SUBMITTED', 'PENDING', 'SUCCESS', 'SUCCESS']);
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.OwnerAccount, ACCOUNT);
    assert.equal(Operation!.CreateDate!.getTime(), START_MS);
  });

  test('an operation is SUCCESS once a second of virtual time has passed', async () => {
    const service = await serviceWithInstance('clocked', 'task-2');
    const { OperationId } = await f.client.send(
      new UpdateServiceCommand({ Id: service.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 5 }] } } }),
    );
    f.clock.advance(1000);
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.Status, 'SUCCESS');
    assert.equal(Operation!.UpdateDate!.getTime(), f.clock.now());
  });

  test('unknown operations are OperationNotFound', async () => {
    await assert.rejects(
      f.client.send(new GetOperationCommand({ OperationId: 'abcdefghijklmnopqrstuvwxyz012345-abcdefgh' })),
      OperationNotFound,
    );
  });

  test('ListOperations filters by service, type and status and pages with NextToken', async () => {
    const service = await serviceWithInstance('listed', 'task-3');
    for (let i = 4; i < 9; i++) {
      await f.client.send(
        new RegisterInstanceCommand({
          ServiceId: service.Id,
          InstanceId: `task-${i}`,
          Attributes: { AWS_INSTANCE_IPV4: '10.1.0.2' },
        }),
      );
    }
    const { OperationId: deregister } = await f.client.send(
      new DeregisterInstanceCommand({ ServiceId: service.Id, InstanceId: 'task-3' }),
    );
    const byService = [{ Name: 'SERVICE_ID' as const, Values: [service.Id!], Condition: 'EQ' as const }];

    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await f.client.send(
        new ListOperationsCommand({ Filters: byService, MaxResults: 4, NextToken: token }),
      );
      assert.ok(page.Operations!.length <= 4);
      ids.push(...page.Operations!.map((o) => o.Id!));
      token = page.NextToken;
    } while (token);
    assert.equal(ids.length, 7, '6 registrations and 1 deregistration');

    const deregistrations = await f.client.send(
      new ListOperationsCommand({
        Filters: [...byService, { Name: 'TYPE', Values: ['DEREGISTER_INSTANCE'], Condition: 'IN' }],
      }),
    );
    assert.deepEqual(deregistrations.Operations, [{ Id: deregister, Status: 'SUBMITTED' }]);
    f.cm.completeOperations();
    const pending = await f.client.send(
      new ListOperationsCommand({
        Filters: [...byService, { Name: 'STATUS', Values: ['SUBMITTED', 'PENDING'], Condition: 'IN' }],
      }),
    );
    assert.deepEqual(pending.Operations, []);
    await assert.rejects(
      f.client.send(
        new ListOperationsCommand({ Filters: [{ Name: 'SERVICE_ID', Values: ['a', 'b'], Condition: 'EQ' }] }),
      ),
      InvalidInput,
    );
  });
});

describe('Cloud Map tags', () => {
  test('tags on services and namespaces can be listed, added and removed', async () => {
    const service = await serviceWithInstance('tagged', 'task-t');
    const list = async (arn: string) =>
      (await f.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;
    assert.deepEqual(await list(service.Arn!), [{ Key: 'team', Value: 'core' }]);
    await f.client.send(
      new TagResourceCommand({
        ResourceARN: service.Arn,
        Tags: [
          { Key: 'owner', Value: 'ecs-discovery-controller' },
          { Key: 'team', Value: 'edge' },
        ],
      }),
    );
    assert.deepEqual(await list(service.Arn!), [
      { Key: 'team', Value: 'edge' },
      { Key: 'owner', Value: 'ecs-discovery-controller' },
    ]);
    await f.client.send(new UntagResourceCommand({ ResourceARN: service.Arn, TagKeys: ['team'] }));
    assert.deepEqual(await list(service.Arn!), [{ Key: 'owner', Value: 'ecs-discovery-controller' }]);
    assert.deepEqual(f.cm.serviceById(service.Id!)!.tags, { owner: 'ecs-discovery-controller' });

    const ns = f.cm.namespaceByRef('ops.local')!;
    await f.client.send(new TagResourceCommand({ ResourceARN: ns.arn, Tags: [{ Key: 'env', Value: 'test' }] }));
    assert.deepEqual(await list(ns.arn), [{ Key: 'env', Value: 'test' }]);
  });

  test('unknown ARNs are ResourceNotFoundException and more than 200 tags TooManyTagsException', async () => {
    const missing = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-doesnotexist000`;
    await assert.rejects(
      f.client.send(new ListTagsForResourceCommand({ ResourceARN: missing })),
      ResourceNotFoundException,
    );
    await assert.rejects(
      f.client.send(new TagResourceCommand({ ResourceARN: missing, Tags: [{ Key: 'a', Value: 'b' }] })),
      ResourceNotFoundException,
    );
    const service = await serviceWithInstance('crowded', 'task-c');
    const tags = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: `k${from + i}`, Value: 'v' }));
    await f.client.send(new TagResourceCommand({ ResourceARN: service.Arn, Tags: tags(0, 150) }));
    await assert.rejects(
      f.client.send(new TagResourceCommand({ ResourceARN: service.Arn, Tags: tags(150, 60) })),
      TooManyTagsException,
    );
    await assert.rejects(
      f.client.send(new TagResourceCommand({ ResourceARN: service.Arn, Tags: [{ Key: 'aws:reserved', Value: 'x' }] })),
      InvalidInput,
    );
  });
});

describe('Cloud Map deletion auditor', () => {
  test('API deletions the auditor objects to are recorded, and still happen', async () => {
    const keep = await serviceWithInstance('audited', 'task-live');
    await f.client.send(
      new RegisterInstanceCommand({
        ServiceId: keep.Id,
        InstanceId: 'task-gone',
        Attributes: { AWS_INSTANCE_IPV4: '10.1.0.9' },
      }),
    );
    const asked: unknown[] = [];
    f.cm.setDeletionAuditor((target) => {
      asked.push(target);
      if (target.kind === 'instance' && target.instanceId === 'task-live') return 'task task-live is RUNNING';
      if (target.kind === 'service') return 'ECS service web still uses this registry';
      return undefined;
    });
    try {
      await f.client.send(new DeregisterInstanceCommand({ ServiceId: keep.Id, InstanceId: 'task-gone' }));
      f.clock.advance(60_000);
      await f.client.send(new DeregisterInstanceCommand({ ServiceId: keep.Id, InstanceId: 'task-live' }));
      f.clock.advance(1000); // both deregistrations succeed (and are audited) now
      f.cm.removeInstance(keep.Id!, 'task-port'); // direct port removals are ECS's own and never audited
      await f.client.send(new DeleteServiceCommand({ Id: keep.Id }));

      assert.equal(f.cm.instances(keep.Id!).length, 0);
      assert.equal(f.cm.serviceById(keep.Id!), undefined, 'the deletion happened despite the objection');
      assert.deepEqual(asked, [
        { kind: 'instance', serviceId: keep.Id, instanceId: 'task-gone' },
        { kind: 'instance', serviceId: keep.Id, instanceId: 'task-live' },
        { kind: 'service', serviceId: keep.Id },
      ]);
      const at = new Date(f.clock.now()).toISOString();
      assert.deepEqual(f.cm.wronglyDeleted(), [
        {
          kind: 'instance',
          serviceId: keep.Id,
          instanceId: 'task-live',
          name: 'audited',
          at,
          why: 'task task-live is RUNNING',
        },
        { kind: 'service', serviceId: keep.Id, name: 'audited', at, why: 'ECS service web still uses this registry' },
      ]);
    } finally {
      f.cm.setDeletionAuditor(() => undefined);
    }
  });
});
