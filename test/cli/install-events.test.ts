import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EVENT_RULES } from '../../controller/install/event-rules.js';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { SandboxContext } from '../../sandbox/core/types.js';
import { createEventBridge, type EventBridgeEmulator } from '../../sandbox/eventbridge/index.js';
import { createSqs, type SqsEmulator } from '../../sandbox/sqs/index.js';
import { startSandbox } from '../../sandbox/index.js';
import { awsEnv, runCli } from './run-cli.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
let server: RunningServer;
let sqsEmulator: SqsEmulator;
let eventBridge: EventBridgeEmulator;
let sqs: SQSClient;
let events: EventBridgeClient;

before(async () => {
  const ctx: SandboxContext = {
    clock: new VirtualClock(),
    account: ACCOUNT,
    region: REGION,
    events: { publish: (e) => eventBridge.publish(e) },
  };
  sqsEmulator = createSqs(ctx, { endpointUrl: () => server.url });
  eventBridge = createEventBridge(ctx, sqsEmulator);
  server = await startAwsServer({ services: [sqsEmulator.service, eventBridge.service], port: 0 });
  const common = {
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  sqs = new SQSClient(common);
  events = new EventBridgeClient(common);
});

after(async () => {
  sqs.destroy();
  events.destroy();
  sqsEmulator.close();
  await server.close();
});

function taskEvent(source = 'aws.ecs') {
  return {
    version: '0' as const,
    id: crypto.randomUUID(),
    'detail-type': 'ECS Task State Change',
    source,
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef0123456789abcdef`],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
      group: 'service:orders',
      lastStatus: 'STOPPED',
      version: 3,
    },
  };
}

test('install-events creates the rules, the target and the queue policy; ECS events then reach the queue', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'controller-events' }));
  // Someone else's statement in the queue policy must survive.
  const foreign = {
    Sid: 'OpsReadsQueue',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ops` },
    Action: 'sqs:ReceiveMessage',
    Resource: '*',
  };
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl,
      Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }) },
    }),
  );
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:controller-events`;

  const first = await runCli(['install-events', '--queue-arn', queueArn], awsEnv(server.url));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /rule ecs-discovery-controller-ecs-state: created/);
  assert.match(first.stdout, /rule ecs-discovery-controller-api-calls: created/);
  assert.match(first.stdout, /queue policy of controller-events: created/);
  assert.match(first.stdout, /5 change\(s\) made/);

  for (const rule of EVENT_RULES) {
    const name = `ecs-discovery-controller-${rule.suffix}`;
    const described = await events.send(new DescribeRuleCommand({ Name: name }));
    assert.deepEqual(JSON.parse(described.EventPattern!), rule.pattern);
    assert.equal(described.State, 'ENABLED');
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: name }));
    assert.deepEqual(
      Targets?.map((t) => [t.Id, t.Arn]),
      [['controller-queue', queueArn]],
    );
  }
  const policy = JSON.parse(
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes!.Policy!,
  );
  assert.deepEqual(
    policy.Statement.map((s: { Sid: string }) => s.Sid),
    ['OpsReadsQueue', 'EventBridgeSendsEcsEvents'],
  );

  eventBridge.publish(taskEvent());
  eventBridge.publish(taskEvent('aws.ec2'));
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  assert.equal(Messages?.length, 1, 'only the ECS event is routed');
  assert.equal(JSON.parse(Messages![0].Body!).source, 'aws.ecs');

  const second = await runCli(['install-events', '--queue-arn', queueArn], awsEnv(server.url));
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /created|updated/);
  assert.match(second.stdout, /Everything is up to date/);
});

test('install-events --dry-run reports the changes and makes none', async () => {
  await sqs.send(new CreateQueueCommand({ QueueName: 'dry-run-events' }));
  const result = await runCli(
    [
      'install-events',
      '--queue-arn',
      `arn:aws:sqs:${REGION}:${ACCOUNT}:dry-run-events`,
      '--name-prefix',
      'dry',
      '--dry-run',
    ],
    awsEnv(server.url),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /rule dry-ecs-state: would be created/);
  assert.match(result.stdout, /would be made \(dry run\)/);
  await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'dry-ecs-state' })), {
    name: 'ResourceNotFoundException',
  });
});

test('install-events refuses a malformed queue ARN with a usage error', async () => {
  const result = await runCli(['install-events', '--queue-arn', 'my-queue'], awsEnv(server.url));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /not an SQS queue ARN/);
});

test('a misspelt queue ARN fails the checks before anything changes: the existing rules keep their target', async () => {
  await sqs.send(new CreateQueueCommand({ QueueName: 'live-events' }));
  const good = `arn:aws:sqs:${REGION}:${ACCOUNT}:live-events`;
  const installed = await runCli(['install-events', '--queue-arn', good, '--name-prefix', 'live'], awsEnv(server.url));
  assert.equal(installed.code, 0, installed.stderr);
  const before = await Promise.all(
    EVENT_RULES.map(async (rule) => ({
      rule: await events.send(new DescribeRuleCommand({ Name: `live-${rule.suffix}` })),
      targets: (await events.send(new ListTargetsByRuleCommand({ Rule: `live-${rule.suffix}` }))).Targets,
    })),
  );

  const misspelt = await runCli(
    ['install-events', '--queue-arn', `arn:aws:sqs:${REGION}:${ACCOUNT}:live-evnets`, '--name-prefix', 'live'],
    awsEnv(server.url),
  );
  assert.equal(misspelt.code, 1);
  assert.match(
    misspelt.stderr,
    /queue live-evnets in account 111122223333 \(eu-west-1\) cannot be read: .*; nothing was changed/,
  );
  assert.equal(misspelt.stdout, '');
  const after = await Promise.all(
    EVENT_RULES.map(async (rule) => ({
      rule: await events.send(new DescribeRuleCommand({ Name: `live-${rule.suffix}` })),
      targets: (await events.send(new ListTargetsByRuleCommand({ Rule: `live-${rule.suffix}` }))).Targets,
    })),
  );
  const strip = (xs: typeof before) =>
    xs.map((x) => ({
      pattern: x.rule.EventPattern,
      state: x.rule.State,
      targets: x.targets?.map((t) => [t.Id, t.Arn]),
    }));
  assert.deepEqual(strip(after), strip(before));
  assert.ok(after.every((x) => x.targets?.[0]?.Arn === good));
});

test('with --no-queue-policy, a queue policy that does not let the rules deliver fails the checks before anything changes', async () => {
  await sqs.send(new CreateQueueCommand({ QueueName: 'closed-events' }));
  const result = await runCli(
    [
      'install-events',
      '--queue-arn',
      `arn:aws:sqs:${REGION}:${ACCOUNT}:closed-events`,
      '--name-prefix',
      'closed',
      '--no-queue-policy',
    ],
    awsEnv(server.url),
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /must already let events\.amazonaws\.com send from .*closed-ecs-state.*; nothing was changed/,
  );
  await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'closed-ecs-state' })), {
    name: 'ResourceNotFoundException',
  });
});

test('a write that fails after others succeeded is undone, and the error says what was restored', async () => {
  const sandbox = await startSandbox({ port: 0 });
  const client = new EventBridgeClient({
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const queueUrl = (
      await new SQSClient({
        endpoint: sandbox.url,
        region: sandbox.region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }).send(new CreateQueueCommand({ QueueName: 'rollback-events' }))
    ).QueueUrl!;
    assert.ok(queueUrl);
    sandbox.faults.add({ operation: 'events:PutTargets', errorCode: 'AccessDeniedException' });
    const result = await runCli(
      [
        'install-events',
        '--queue-arn',
        `arn:aws:sqs:${sandbox.region}:${sandbox.account}:rollback-events`,
        '--name-prefix',
        'rb',
      ],
      awsEnv(sandbox.url, sandbox.region),
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /creating target rb-ecs-state\/controller-queue failed: AccessDeniedException: .*; restored: rule rb-ecs-state\n/,
    );
    assert.doesNotMatch(result.stderr, /LEFT CHANGED/);
    await assert.rejects(
      client.send(new DescribeRuleCommand({ Name: 'rb-ecs-state' })),
      { name: 'ResourceNotFoundException' },
      'the created rule was deleted again',
    );
  } finally {
    client.destroy();
    await sandbox.close();
  }
});
