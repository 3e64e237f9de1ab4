import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AccessDeniedException,
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  ListServicesCommand,
  ServerException,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-servicediscovery';
import { registerApp, startEcsFixture, type EcsFixture } from './ecs-fixture.js';

let f: EcsFixture;
let apiRegistry: { id: string; arn: string };
let namespaceId: string;
before(async () => {
  f = await startEcsFixture();
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  await registerApp(f.ecs);
  namespaceId = f.sandbox.cloudMap.createNamespace({ name: 'internal.test', type: 'DNS_PRIVATE' }).id;
  apiRegistry = await cloudMapService('api');
  await f.ecs.send(
    new CreateServiceCommand({
      cluster: 'prod',
      serviceName: 'api',
      taskDefinition: 'app',
      desiredCount: 2,
      serviceRegistries: [{ registryArn: apiRegistry.arn }],
    }),
  );
  f.sandbox.advance(5_000);
});
after(() => f.close());

async function cloudMapService(name: string): Promise<{ id: string; arn: string }> {
  const { Service } = await f.cloudMap.send(
    new CreateCloudMapServiceCommand({
      Name: name,
      NamespaceId: namespaceId,
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
    }),
  );
  return { id: Service!.Id!, arn: Service!.Arn! };
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${f.sandbox.url}/_sandbox/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('clock', () => {
  test('GET returns the virtual time; POST advance moves it and timestamps follow', async () => {
    const before = Date.parse((await control('GET', 'clock')).json.now);
    const moved = await control('POST', 'clock', { advance: '6h' });
    assert.equal(moved.status, 200);
    assert.ok(Date.parse(moved.json.now) - before >= 6 * 3_600_000);
    await f.ecs.send(new CreateClusterCommand({ clusterName: 'later' }));
    const bad = await control('POST', 'clock', { advance: 'soon' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /advance/);
  });
});

describe('faults', () => {
  test('throttling comes back as ThrottlingException and the SDK retries it (every attempt is counted)', async () => {
    await control('DELETE', 'calls');
    assert.equal((await control('POST', 'faults', { operation: 'ecs:ListServices', throttleRate: 1 })).status, 200);
    const client = new ECSClient({
      endpoint: f.sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 3,
    });
    try {
      await assert.rejects(client.send(new ListServicesCommand({ cluster: 'prod' })), (error: any) => {
        assert.equal(error.name, 'ThrottlingException');
        assert.equal(error.$metadata.attempts, 3);
        return true;
      });
    } finally {
      client.destroy();
    }
    assert.equal((await control('GET', 'calls')).json['ecs:ListServices'], 3);
    await control('DELETE', 'faults');
    const ok = await f.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    assert.equal(ok.serviceArns!.length, 1);
  });

  test('errorRate gives ServerException, errorCode a fixed modeled error, match narrows to matching requests', async () => {
    await control('POST', 'faults', { operation: 'ecs:*', errorRate: 1 });
    await assert.rejects(f.ecs.send(new ListServicesCommand({ cluster: 'prod' })), ServerException);
    await control('DELETE', 'faults');
    await control('POST', 'faults', {
      operation: 'ecs:ListServices',
      errorCode: 'AccessDeniedException',
      match: '"later"',
    });
    await assert.rejects(f.ecs.send(new ListServicesCommand({ cluster: 'later' })), AccessDeniedException);
    await f.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    assert.equal((await control('GET', 'faults')).json.faults.length, 1);
    await control('DELETE', 'faults');
    assert.equal((await control('POST', 'faults', { operation: 'ListServices' })).status, 400);
  });
});

describe('drift and truth', () => {
  test('stale-instance leaves an ECS instance after its task stopped; truth lists it as an orphan instance', async () => {
    const { json } = await control('POST', 'drift', { kind: 'stale-instance', serviceId: apiRegistry.id });
    assert.equal(json.serviceId, apiRegistry.id);
    const truth = (await control('GET', 'truth')).json;
    assert.deepEqual(truth.orphanInstances, [{ serviceId: apiRegistry.id, instanceId: json.instanceId }]);
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: apiRegistry.id }));
    assert.ok(Instances!.some((i) => i.Id === json.instanceId));
  });

  test('ttl drift raises the record TTL; truth reports the maximum per service', async () => {
    const before = (await control('GET', 'truth')).json.ttlByService[apiRegistry.id];
    assert.equal(before, 10);
    await control('POST', 'drift', { kind: 'ttl', serviceId: apiRegistry.id, ttl: 300 });
    assert.equal((await control('GET', 'truth')).json.ttlByService[apiRegistry.id], 300);
    const bad = await control('POST', 'drift', { kind: 'ttl', serviceId: apiRegistry.id });
    assert.equal(bad.status, 400);
  });

  test("failed-registration drops a running task's instance", async () => {
    const { json } = await control('POST', 'drift', {
      kind: 'failed-registration',
      cluster: 'prod',
      ecsService: 'api',
    });
    const truth = (await control('GET', 'truth')).json;
    assert.deepEqual(truth.missingInstances, [{ serviceId: apiRegistry.id, taskId: json.taskId }]);
    assert.equal((await control('POST', 'drift', { kind: 'meteor' })).status, 400);
  });

  test('orphan services are unreferenced and hold only ECS registrations; deleting one is fine, deleting a used one is wrong', async () => {
    const orphan = await cloudMapService('old-batch');
    const manual = await cloudMapService('billing');
    f.sandbox.cloudMap.registerInstance(manual.id, 'i-0123456789abcdef0', { AWS_INSTANCE_IPV4: '10.9.9.9' }, 'other');
    const protectedOne = f.sandbox.cloudMap.createService({
      namespaceId,
      name: 'partner',
      dnsRecords: [{ Type: 'A', TTL: 10 }],
      tags: { 'discovery-controller/protect': 'true' },
    });
    const truth = (await control('GET', 'truth')).json;
    // Created by hand and never used by ECS: unreferenced, yet nothing proves it is ECS's.
    assert.deepEqual(
      truth.orphanServices.map((s: any) => s.name),
      [],
    );
    assert.deepEqual(
      truth.unprovenServices.map((s: any) => s.name),
      ['old-batch'],
    );
    assert.deepEqual(
      truth.protectedServices.map((s: any) => s.id),
      [protectedOne.id],
    );
    assert.deepEqual(truth.wronglyDeleted, []);

    await f.cloudMap.send(new DeleteServiceCommand({ Id: orphan.id }));
    f.sandbox.advance(5_000);
    const [running] = f.sandbox.cloudMap
      .instances(apiRegistry.id)
      .filter((i) => f.sandbox.ecs.state.tasks.get(i.id)?.lastStatus === 'RUNNING');
    await f.cloudMap.send(new DeregisterInstanceCommand({ ServiceId: apiRegistry.id, InstanceId: running.id }));
    await f.cloudMap.send(new DeregisterInstanceCommand({ ServiceId: manual.id, InstanceId: 'i-0123456789abcdef0' }));
    f.sandbox.advance(1_000); // the deregistrations happen when their operations succeed
    // An ECS service scaled to zero still refers to its registry: deleting it is wrong although it is empty.
    const idle = await cloudMapService('idle');
    await f.ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'idle',
        taskDefinition: 'app',
        desiredCount: 0,
        serviceRegistries: [{ registryArn: idle.arn }],
      }),
    );
    await f.cloudMap.send(new DeleteServiceCommand({ Id: idle.id }));
    const wrong = (await control('GET', 'truth')).json.wronglyDeleted;
    assert.deepEqual(
      wrong.map((w: any) => [w.kind, w.serviceId, w.instanceId]),
      [
        ['instance', apiRegistry.id, running.id],
        ['instance', manual.id, 'i-0123456789abcdef0'],
        ['service', idle.id, undefined],
      ],
    );
    assert.match(wrong[0].why, /RUNNING/);
    assert.match(wrong[1].why, /not ECS/);
    assert.match(wrong[2].why, /referenced by ECS service .*service\/prod\/idle/);
  });

  test('GET /_sandbox/calls counts requests per operation; DELETE resets; unknown routes are 404', async () => {
    await control('DELETE', 'calls');
    await f.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    await f.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    assert.deepEqual((await control('GET', 'calls')).json, { 'ecs:ListServices': 2 });
    assert.equal((await control('GET', 'nothing')).status, 404);
    const info = (await control('GET', 'info')).json;
    assert.equal(info.url, f.sandbox.url);
  });
});
