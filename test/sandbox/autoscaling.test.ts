/** The Application Auto Scaling emulator through the real SDK client: targets, paging, validation, scenarios. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  paginateDescribeScalableTargets,
} from '@aws-sdk/client-application-auto-scaling';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const DIMENSION = 'ecs:service:DesiredCount';

function clientFor(sandbox: Sandbox): ApplicationAutoScalingClient {
  return new ApplicationAutoScalingClient({
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
}

const SCENARIO = {
  name: 'scaling',
  namespaces: [{ name: 'internal.example.com' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'clickstream',
          desiredCount: 10,
          maxCount: 1200,
          registry: { namespace: 'internal.example.com', ttl: 10 },
        },
        { name: 'api', desiredCount: 2, maxCount: 8, registry: { namespace: 'internal.example.com', ttl: 10 } },
        { name: 'plain', desiredCount: 1 },
        ...Array.from({ length: 60 }, (_, i) => ({ name: `worker-${String(i).padStart(2, '0')}`, desiredCount: 0 })),
      ],
    },
  ],
};

describe('Application Auto Scaling emulator', () => {
  let sandbox: Sandbox;
  let client: ApplicationAutoScalingClient;

  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: SCENARIO, tickMs: 60_000 });
    client = clientFor(sandbox);
  });
  after(async () => {
    client.destroy();
    await sandbox.close();
  });

  test('a scenario service with maxCount has a scalable target with that MaxCapacity', async () => {
    const out = await client.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: ['service/prod/clickstream', 'service/prod/plain'],
      }),
    );
    assert.equal(out.ScalableTargets?.length, 1);
    const target = out.ScalableTargets![0];
    assert.equal(target.ResourceId, 'service/prod/clickstream');
    assert.equal(target.ScalableDimension, DIMENSION);
    assert.equal(target.MinCapacity, 10);
    assert.equal(target.MaxCapacity, 1200);
    assert.ok(target.CreationTime instanceof Date && !Number.isNaN(target.CreationTime.getTime()));
    assert.match(
      target.ScalableTargetARN ?? '',
      /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\//,
    );
    assert.equal(out.NextToken, undefined);
  });

  test('the ground truth counts the autoscaling maximum towards the task limit', () => {
    assert.deepEqual(sandbox.truth().nearTaskLimit, [
      { cluster: 'prod', service: 'clickstream', desiredCount: 10, maxCount: 1200 },
    ]);
  });

  test('register, update, page through and deregister targets', async () => {
    sandbox.calls.reset();
    for (let i = 0; i < 60; i++) {
      await client.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: `service/prod/worker-${String(i).padStart(2, '0')}`,
          ScalableDimension: DIMENSION,
          MinCapacity: 0,
          MaxCapacity: 4,
        }),
      );
    }
    // An update may leave out the capacities it does not change.
    await client.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/prod/api',
        ScalableDimension: DIMENSION,
        MaxCapacity: 950,
      }),
    );

    const pages = [];
    for await (const page of paginateDescribeScalableTargets({ client, pageSize: 50 }, { ServiceNamespace: 'ecs' }))
      pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.ScalableTargets?.length),
      [50, 12],
    );
    const all = pages.flatMap((p) => p.ScalableTargets ?? []);
    assert.equal(new Set(all.map((t) => t.ResourceId)).size, 62, 'no target twice, none skipped');
    const api = all.find((t) => t.ResourceId === 'service/prod/api');
    assert.deepEqual([api?.MinCapacity, api?.MaxCapacity], [2, 950]);
    assert.equal(sandbox.truth().nearTaskLimit.length, 2, 'the raised maximum shows in the truth');

    await client.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/prod/api',
        ScalableDimension: DIMENSION,
      }),
    );
    const after = await client.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/prod/api'] }),
    );
    assert.deepEqual(after.ScalableTargets, []);
    assert.deepEqual(
      sandbox.truth().nearTaskLimit.map((n) => n.service),
      ['clickstream'],
    );
    assert.equal(sandbox.calls.snapshot()['application-autoscaling:DescribeScalableTargets'], 3);
  });

  test('other service namespaces list nothing', async () => {
    const out = await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }));
    assert.deepEqual(out.ScalableTargets, []);
  });

  const rejects = (name: string, input: unknown, code: string, message?: RegExp) =>
    test(`rejects ${name} with ${code}`, async () => {
      const command =
        (input as { op?: string }).op === 'register'
          ? new RegisterScalableTargetCommand((input as { body: any }).body)
          : (input as { op?: string }).op === 'deregister'
            ? new DeregisterScalableTargetCommand((input as { body: any }).body)
            : new DescribeScalableTargetsCommand((input as { body: any }).body);
      await assert.rejects(client.send(command as any), (e: Error) => {
        assert.equal(e.name, code);
        if (message) assert.match(e.message, message);
        return true;
      });
    });

  rejects(
    'MaxResults above 50',
    { body: { ServiceNamespace: 'ecs', MaxResults: 51 } },
    'ValidationException',
    /maxResults/,
  );
  rejects('MaxResults of 0', { body: { ServiceNamespace: 'ecs', MaxResults: 0 } }, 'ValidationException');
  rejects(
    'an unknown service namespace',
    { body: { ServiceNamespace: 'nope' } },
    'ValidationException',
    /serviceNamespace/,
  );
  rejects(
    'a scalable dimension without resource ids',
    { body: { ServiceNamespace: 'ecs', ScalableDimension: DIMENSION } },
    'ValidationException',
  );
  rejects(
    'a NextToken that was never issued',
    { body: { ServiceNamespace: 'ecs', NextToken: 'bm9wZQ' } },
    'InvalidNextTokenException',
  );
  rejects(
    'a target for an ECS service that does not exist',
    {
      op: 'register',
      body: {
        ServiceNamespace: 'ecs',
        ResourceId: 'service/prod/ghost',
        ScalableDimension: DIMENSION,
        MinCapacity: 1,
        MaxCapacity: 2,
      },
    },
    'ValidationException',
    /doesn't exist/,
  );
  rejects(
    'a resource id that is not service/<cluster>/<service>',
    {
      op: 'register',
      body: {
        ServiceNamespace: 'ecs',
        ResourceId: 'prod/plain',
        ScalableDimension: DIMENSION,
        MinCapacity: 1,
        MaxCapacity: 2,
      },
    },
    'ValidationException',
  );
  rejects(
    'a minimum above the maximum',
    {
      op: 'register',
      body: {
        ServiceNamespace: 'ecs',
        ResourceId: 'service/prod/plain',
        ScalableDimension: DIMENSION,
        MinCapacity: 5,
        MaxCapacity: 2,
      },
    },
    'ValidationException',
    /cannot be greater/,
  );
  rejects(
    'a new target without capacities',
    {
      op: 'register',
      body: { ServiceNamespace: 'ecs', ResourceId: 'service/prod/plain', ScalableDimension: DIMENSION },
    },
    'ValidationException',
    /required/,
  );
  rejects(
    'deregistering a target that does not exist',
    {
      op: 'deregister',
      body: { ServiceNamespace: 'ecs', ResourceId: 'service/prod/plain', ScalableDimension: DIMENSION },
    },
    'ObjectNotFoundException',
  );

  test('injected faults reach the client under the service name application-autoscaling', async () => {
    sandbox.faults.add({
      operation: 'application-autoscaling:DescribeScalableTargets',
      errorCode: 'AccessDeniedException',
    });
    try {
      await assert.rejects(client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' })), {
        name: 'AccessDeniedException',
      });
    } finally {
      sandbox.faults.clear();
    }
  });
});

test('a scenario with maxCount on a deleted service still loads (the target outlives the service)', async () => {
  const sandbox = await startSandbox({
    port: 0,
    tickMs: 60_000,
    scenario: {
      namespaces: [{ name: 'n.local' }],
      clusters: [
        {
          name: 'c',
          services: [
            { name: 'gone', desiredCount: 1, maxCount: 2000, registry: { namespace: 'n.local' }, deleted: true },
          ],
        },
      ],
    },
  });
  const client = clientFor(sandbox);
  try {
    const out = await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    assert.deepEqual(
      out.ScalableTargets?.map((t) => t.ResourceId),
      ['service/c/gone'],
    );
    assert.deepEqual(sandbox.truth().nearTaskLimit, [], 'only ACTIVE services count');
  } finally {
    client.destroy();
    await sandbox.close();
  }
});
