import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  CustomHealthNotFound,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  GetInstanceCommand,
  GetInstancesHealthStatusCommand,
  GetOperationCommand,
  GetServiceCommand,
  InstanceNotFound,
  InvalidInput,
  ListInstancesCommand,
  ListServicesCommand,
  NamespaceNotFound,
  RegisterInstanceCommand,
  ResourceInUse,
  ServiceNotFound,
  UpdateInstanceCustomHealthStatusCommand,
} from '@aws-sdk/client-servicediscovery';
import { ACCOUNT, startCloudMap, type CloudMapFixture } from './cloudmap-fixture.js';

let f: CloudMapFixture;
let dnsNsId: string;
before(async () => {
  f = await startCloudMap();
  dnsNsId = f.cm.createNamespace({ name: 'apps.local', type: 'DNS_PRIVATE' }).id;
});
after(() => f.close());

async function dnsService(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { Service } = await f.client.send(
    new CreateServiceCommand({
      Name: name,
      NamespaceId: dnsNsId,
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] },
      ...extra,
    }),
  );
  return Service!.Id!;
}

function register(serviceId: string, instanceId: string, attributes: Record<string, string> = {}) {
  return f.client.send(
    new RegisterInstanceCommand({
      ServiceId: serviceId,
      InstanceId: instanceId,
      Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', ...attributes },
    }),
  );
}

describe('Cloud Map instances', () => {
  test('RegisterInstance is asynchronous, upserts, and instances page through ListInstances', async () => {
    const serviceId = await dnsService('paged');
    const { OperationId } = await register(serviceId, 'task-0', { ECS_CLUSTER_NAME: 'prod' });
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.Type, 'REGISTER_INSTANCE');
    assert.deepEqual(Operation!.Targets, { INSTANCE: 'task-0', SERVICE: serviceId });
    for (let i = 1; i < 250; i++) await register(serviceId, `task-${i}`);
    await register(serviceId, 'task-0', { ECS_CLUSTER_NAME: 'staging' });

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await f.client.send(
        new ListInstancesCommand({ ServiceId: serviceId, MaxResults: 100, NextToken: token }),
      );
      assert.equal(page.ResourceOwner, ACCOUNT);
      seen.push(...page.Instances!.map((i) => i.Id!));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen).size, 250);

    const { Instance } = await f.client.send(new GetInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-0' }));
    assert.deepEqual(Instance!.Attributes, { AWS_INSTANCE_IPV4: '10.0.0.1', ECS_CLUSTER_NAME: 'staging' });
    assert.equal((await f.client.send(new GetServiceCommand({ Id: serviceId }))).Service!.InstanceCount, 250);
    const listed = await f.client.send(
      new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [dnsNsId] }] }),
    );
    assert.equal(listed.Services!.find((s) => s.Id === serviceId)!.InstanceCount, 250);
    await assert.rejects(
      f.client.send(new ListInstancesCommand({ ServiceId: serviceId, MaxResults: 101 })),
      InvalidInput,
    );
  });

  test('RegisterInstance checks attributes against the DNS records and the instance id', async () => {
    const serviceId = await dnsService('strict');
    await assert.rejects(
      f.client.send(
        new RegisterInstanceCommand({
          ServiceId: serviceId,
          InstanceId: 'i-1',
          Attributes: { AWS_INSTANCE_PORT: '80' },
        }),
      ),
      (e) => e instanceof InvalidInput && /AWS_INSTANCE_IPV4/.test(e.message),
    );
    await assert.rejects(register(serviceId, 'has space'), InvalidInput);
    const tooMany = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
    await assert.rejects(register(serviceId, 'i-2', tooMany), InvalidInput);
    await assert.rejects(register('srv-doesnotexist000', 'i-3'), ServiceNotFound);

    const { Service: srv } = await f.client.send(
      new CreateServiceCommand({
        Name: 'srv-and-aaaa',
        NamespaceId: dnsNsId,
        DnsConfig: {
          DnsRecords: [
            { Type: 'AAAA', TTL: 60 },
            { Type: 'SRV', TTL: 60 },
          ],
        },
      }),
    );
    const registerRaw = (attributes: Record<string, string>) =>
      f.client.send(new RegisterInstanceCommand({ ServiceId: srv!.Id, InstanceId: 'i-4', Attributes: attributes }));
    await assert.rejects(
      registerRaw({ AWS_INSTANCE_IPV6: '2001:db8::1' }),
      (e) => e instanceof InvalidInput && /AWS_INSTANCE_PORT/.test(e.message),
    );
    await assert.rejects(
      registerRaw({ AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '80' }),
      (e) => e instanceof InvalidInput && /AWS_INSTANCE_IPV6/.test(e.message),
    );
    await assert.rejects(
      registerRaw({ AWS_ALIAS_DNS_NAME: 'lb.example.com' }),
      (e) => e instanceof InvalidInput && /WEIGHTED/.test(e.message),
    );
    await registerRaw({ AWS_INSTANCE_IPV6: '2001:db8::1', AWS_INSTANCE_PORT: '80' });
  });

  test('DeregisterInstance returns an operation, removes the instance when it succeeds, and refuses unknown instances', async () => {
    const serviceId = await dnsService('leaving');
    await register(serviceId, 'task-a');
    await assert.rejects(f.client.send(new DeleteServiceCommand({ Id: serviceId })), ResourceInUse);
    const { OperationId } = await f.client.send(
      new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-a' }),
    );
    const { Operation } = await f.client.send(new GetOperationCommand({ OperationId }));
    assert.equal(Operation!.Type, 'DEREGISTER_INSTANCE');
    assert.deepEqual(Operation!.Targets, { INSTANCE: 'task-a', SERVICE: serviceId });
    // Until the operation succeeds the instance is still there, and the service cannot be deleted yet.
    await f.client.send(new GetInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-a' }));
    await assert.rejects(f.client.send(new DeleteServiceCommand({ Id: serviceId })), ResourceInUse);
    f.clock.advance(1000);
    await assert.rejects(
      f.client.send(new GetInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-a' })),
      InstanceNotFound,
    );
    await assert.rejects(
      f.client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-a' })),
      InstanceNotFound,
    );
    await assert.rejects(
      f.client.send(new DeregisterInstanceCommand({ ServiceId: 'srv-doesnotexist000', InstanceId: 'task-a' })),
      ServiceNotFound,
    );
    await f.client.send(new DeleteServiceCommand({ Id: serviceId }));
    await assert.rejects(f.client.send(new GetServiceCommand({ Id: serviceId })), ServiceNotFound);
  });
});

describe('Cloud Map DiscoverInstances', () => {
  test('filters by health (custom health checks), query and optional parameters, and reports InstancesRevision', async () => {
    const serviceId = await dnsService('checked', { HealthCheckCustomConfig: {} });
    await register(serviceId, 'blue-1', { COLOR: 'blue' });
    await register(serviceId, 'green-1', { COLOR: 'green', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' });
    await register(serviceId, 'green-2', { COLOR: 'green' });
    const discover = async (input: Record<string, unknown> = {}) =>
      f.client.send(new DiscoverInstancesCommand({ NamespaceName: 'apps.local', ServiceName: 'checked', ...input }));
    const ids = async (input: Record<string, unknown> = {}) =>
      (await discover(input)).Instances!.map((i) => i.InstanceId).sort();

    assert.deepEqual(await ids(), ['blue-1', 'green-2']);
    assert.deepEqual(await ids({ HealthStatus: 'ALL' }), ['blue-1', 'green-1', 'green-2']);
    assert.deepEqual(await ids({ HealthStatus: 'UNHEALTHY' }), ['green-1']);
    assert.deepEqual(await ids({ HealthStatus: 'ALL', QueryParameters: { COLOR: 'green' } }), ['green-1', 'green-2']);
    assert.deepEqual(await ids({ OptionalParameters: { COLOR: 'green' } }), ['green-2']);
    assert.deepEqual(await ids({ OptionalParameters: { COLOR: 'purple' } }), ['blue-1', 'green-2']);
    assert.deepEqual(await ids({ MaxResults: 1, HealthStatus: 'ALL' }).then((r) => r.length), 1);

    const before = (await discover()).InstancesRevision!;
    await f.client.send(
      new UpdateInstanceCustomHealthStatusCommand({ ServiceId: serviceId, InstanceId: 'green-1', Status: 'HEALTHY' }),
    );
    assert.deepEqual(await ids(), ['blue-1', 'green-1', 'green-2']);
    assert.equal((await discover()).InstancesRevision, before, 'health changes do not move the revision');
    const health = await f.client.send(new GetInstancesHealthStatusCommand({ ServiceId: serviceId }));
    assert.deepEqual(health.Status, { 'blue-1': 'HEALTHY', 'green-1': 'HEALTHY', 'green-2': 'HEALTHY' });

    await f.client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'blue-1' }));
    f.clock.advance(1000);
    const revision = await f.client.send(
      new DiscoverInstancesRevisionCommand({ NamespaceName: 'apps.local', ServiceName: 'checked' }),
    );
    assert.ok(revision.InstancesRevision! > before);

    // Re-registering replaces the health check: the status starts again from AWS_INIT_HEALTH_STATUS.
    await register(serviceId, 'green-1', { COLOR: 'green', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' });
    assert.deepEqual(await ids({ HealthStatus: 'UNHEALTHY' }), ['green-1']);
  });

  test('without a health check every instance is returned with HealthStatus UNKNOWN', async () => {
    const serviceId = await dnsService('unchecked');
    await register(serviceId, 'only', { AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' });
    const { Instances } = await f.client.send(
      new DiscoverInstancesCommand({ NamespaceName: 'apps.local', ServiceName: 'unchecked', HealthStatus: 'HEALTHY' }),
    );
    assert.deepEqual(Instances, [
      {
        InstanceId: 'only',
        NamespaceName: 'apps.local',
        ServiceName: 'unchecked',
        HealthStatus: 'UNKNOWN',
        Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' },
      },
    ]);
    await assert.rejects(
      f.client.send(
        new UpdateInstanceCustomHealthStatusCommand({ ServiceId: serviceId, InstanceId: 'only', Status: 'HEALTHY' }),
      ),
      CustomHealthNotFound,
    );
  });

  test('unknown namespace or service names are NamespaceNotFound / ServiceNotFound', async () => {
    await assert.rejects(
      f.client.send(new DiscoverInstancesCommand({ NamespaceName: 'nope.local', ServiceName: 'x' })),
      NamespaceNotFound,
    );
    await assert.rejects(
      f.client.send(new DiscoverInstancesCommand({ NamespaceName: 'apps.local', ServiceName: 'nope' })),
      ServiceNotFound,
    );
  });
});
