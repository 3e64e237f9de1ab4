import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateServiceCommand,
  paginateListTasks,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-servicediscovery';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { registerApp, startEcsFixture, type EcsFixture } from './ecs-fixture.js';

let f: EcsFixture;
let registryId: string;
before(async () => {
  f = await startEcsFixture();
  await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  await registerApp(f.ecs);
  const namespaceId = f.sandbox.cloudMap.createNamespace({ name: 'internal.test', type: 'DNS_PRIVATE' }).id;
  const { Service } = await f.cloudMap.send(
    new CreateCloudMapServiceCommand({
      Name: 'api',
      NamespaceId: namespaceId,
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
    }),
  );
  registryId = Service!.Id!;
  await f.ecs.send(
    new CreateServiceCommand({
      cluster: 'prod',
      serviceName: 'api',
      taskDefinition: 'app',
      desiredCount: 3,
      serviceRegistries: [{ registryArn: Service!.Arn! }],
    }),
  );
  await f.ecs.send(
    new CreateServiceCommand({ cluster: 'prod', serviceName: 'bulk', taskDefinition: 'app', desiredCount: 130 }),
  );
  f.sandbox.advance(5_000);
});
after(() => f.close());

async function taskIds(serviceName: string, desiredStatus?: 'RUNNING' | 'STOPPED'): Promise<string[]> {
  const { taskArns } = await f.ecs.send(
    new ListTasksCommand({ cluster: 'prod', serviceName, desiredStatus, maxResults: 100 }),
  );
  return taskArns!.map((arn) => arn.split('/').pop()!);
}

describe('ListTasks and DescribeTasks', () => {
  test('ListTasks returns 100 per page by default and pages the rest with nextToken', async () => {
    const first = await f.ecs.send(new ListTasksCommand({ cluster: 'prod' }));
    assert.equal(first.taskArns!.length, 100);
    assert.ok(first.nextToken);
    const all: string[] = [];
    for await (const page of paginateListTasks({ client: f.ecs }, { cluster: 'prod', maxResults: 40 }))
      all.push(...page.taskArns!);
    assert.equal(all.length, 133);
    assert.equal(new Set(all).size, 133);
    const byService = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }));
    assert.equal(byService.taskArns!.length, 3);
    const pending = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'PENDING' }));
    assert.deepEqual(pending.taskArns, []);
    await assert.rejects(
      f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'ghost' })),
      ServiceNotFoundException,
    );
    await assert.rejects(
      f.ecs.send(new ListTasksCommand({ cluster: 'prod', maxResults: 0 })),
      InvalidParameterException,
    );
  });

  test('DescribeTasks shows service tasks as ECS does and reports unknown ones as MISSING', async () => {
    const [id] = await taskIds('api');
    const { tasks, failures } = await f.ecs.send(
      new DescribeTasksCommand({ cluster: 'prod', tasks: [id, 'ffffffffffffffffffffffffffffffff'] }),
    );
    const task = tasks![0];
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(task.taskArn, `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`);
    assert.equal(task.group, 'service:api');
    assert.equal(task.lastStatus, 'RUNNING');
    assert.equal(task.desiredStatus, 'RUNNING');
    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    assert.equal(task.startedBy, services![0].deployments![0].id);
    assert.ok(task.startedAt instanceof Date && task.createdAt instanceof Date);
    assert.ok(task.startedAt.getTime() >= task.createdAt.getTime());
    assert.equal(failures![0].reason, 'MISSING');
    const tooMany = Array.from({ length: 101 }, (_, i) => String(i));
    await assert.rejects(
      f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: tooMany })),
      InvalidParameterException,
    );
  });
});

describe('StopTask', () => {
  test('a stopped service task is deregistered and replaced; it stays visible as STOPPED for an hour', async () => {
    const before = await taskIds('api');
    const { task } = await f.ecs.send(new StopTaskCommand({ cluster: 'prod', task: before[0], reason: 'testing' }));
    assert.equal(task!.lastStatus, 'STOPPED');
    assert.equal(task!.stoppedReason, 'testing');
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registryId }));
    assert.ok(!Instances!.some((i) => i.Id === before[0]));

    f.sandbox.advance(5_000);
    const now = await taskIds('api');
    assert.equal(now.length, 3);
    assert.ok(!now.includes(before[0]));
    const registered = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registryId }));
    assert.deepEqual(registered.Instances!.map((i) => i.Id).sort(), [...now].sort());
    assert.deepEqual(await taskIds('api', 'STOPPED'), [before[0]]);

    f.sandbox.advance(59 * 60_000);
    const described = await f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [before[0]] }));
    assert.equal(described.tasks![0].lastStatus, 'STOPPED');
    f.sandbox.advance(2 * 60_000);
    const gone = await f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [before[0]] }));
    assert.equal(gone.failures![0].reason, 'MISSING');
    assert.deepEqual(await taskIds('api', 'STOPPED'), []);
  });

  test('StopTask of an unknown task is InvalidParameterException', async () => {
    await assert.rejects(
      f.ecs.send(new StopTaskCommand({ cluster: 'prod', task: '0123456789abcdef0123456789abcdef' })),
      InvalidParameterException,
    );
  });
});

describe('events', () => {
  test('task, deployment and service events reach an EventBridge rule target queue in the real envelope', async () => {
    const config = {
      endpoint: f.sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    };
    const sqs = new SQSClient(config);
    const events = new EventBridgeClient(config);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ecs-events' }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await events.send(new PutRuleCommand({ Name: 'ecs', EventPattern: JSON.stringify({ source: ['aws.ecs'] }) }));
      await events.send(new PutTargetsCommand({ Rule: 'ecs', Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }] }));

      await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'api', forceNewDeployment: true }));
      f.sandbox.advance(5_000);
      await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));

      const bodies: any[] = [];
      for (let i = 0; i < 5; i++) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!Messages?.length) break;
        bodies.push(...Messages.map((m) => JSON.parse(m.Body!)));
      }
      const types = bodies.map((b) => `${b['detail-type']}/${b.detail.eventName ?? b.detail.lastStatus}`);
      assert.ok(types.includes('ECS Deployment State Change/SERVICE_DEPLOYMENT_IN_PROGRESS'), types.join());
      assert.ok(types.includes('ECS Deployment State Change/SERVICE_DEPLOYMENT_COMPLETED'), types.join());
      assert.ok(types.includes('ECS Service Action/SERVICE_STEADY_STATE'), types.join());
      assert.ok(types.includes('ECS Task State Change/RUNNING'), types.join());
      assert.ok(types.includes('ECS Task State Change/STOPPED'), types.join());
      const apiCall = bodies.find((b) => b['detail-type'] === 'AWS API Call via CloudTrail');
      assert.equal(apiCall.detail.eventSource, 'ecs.amazonaws.com');
      assert.equal(apiCall.detail.eventName, 'UpdateService');
      assert.equal(apiCall.detail.responseElements.service.serviceName, 'api');
      assert.deepEqual(apiCall.resources, []);
      const deployment = bodies.find((b) => b['detail-type'] === 'ECS Deployment State Change');
      assert.equal(deployment.source, 'aws.ecs');
      assert.equal(deployment.account, '123456789012');
      assert.deepEqual(deployment.resources, ['arn:aws:ecs:us-east-1:123456789012:service/prod/api']);
      assert.match(deployment.detail.deploymentId, /^ecs-svc\/\d+$/);
      // One task's events carry increasing versions.
      const taskEvents = bodies.filter((b) => b['detail-type'] === 'ECS Task State Change');
      const byTask = new Map<string, number[]>();
      for (const e of taskEvents)
        byTask.set(e.detail.taskArn, [...(byTask.get(e.detail.taskArn) ?? []), e.detail.version]);
      const versions = [...byTask.values()].find((v) => v.length > 1)!;
      assert.ok(versions[1] > versions[0]);
      assert.equal(taskEvents[0].detail.group, 'service:api');
      assert.match(taskEvents[0].time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    } finally {
      sqs.destroy();
      events.destroy();
    }
  });
});
