import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventBridgeClient,
  EventBridgeServiceException,
  InvalidEventPatternException,
  ResourceNotFoundException,
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { EventBridgeEvent, SandboxContext } from '../../sandbox/core/types.js';
import { createEventBridge, type EventBridgeEmulator } from '../../sandbox/eventbridge/index.js';
import { createSqs, type SqsEmulator } from '../../sandbox/sqs/index.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const TASK_PATTERN = JSON.stringify({
  source: ['aws.ecs'],
  'detail-type': ['ECS Task State Change'],
  detail: { clusterArn: [{ suffix: ':cluster/prod' }] },
});

function taskStateChange(
  overrides: Partial<EventBridgeEvent> = {},
  detail: Record<string, unknown> = {},
): EventBridgeEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: '2026-11-25T09:00:00Z',
    region: REGION,
    resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef`],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
      taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef`,
      group: 'service:checkout',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      version: 3,
      ...detail,
    },
    ...overrides,
  };
}

describe('EventBridge emulator through @aws-sdk/client-eventbridge, delivering to SQS', () => {
  const clock = new VirtualClock();
  let server: RunningServer;
  let sqs: SqsEmulator;
  let eb: EventBridgeEmulator;
  let ctx: SandboxContext;
  let events: EventBridgeClient;
  let queues: SQSClient;

  before(async () => {
    ctx = { clock, account: ACCOUNT, region: REGION, events: { publish: (event) => eb.publish(event) } };
    sqs = createSqs(ctx, { endpointUrl: () => server.url });
    eb = createEventBridge(ctx, sqs);
    server = await startAwsServer({ services: [sqs.service, eb.service], port: 0 });
    const config = {
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    };
    events = new EventBridgeClient(config);
    queues = new SQSClient(config);
  });

  after(async () => {
    events.destroy();
    queues.destroy();
    sqs.close();
    await server.close();
  });

  const queue = async (name: string) => (await queues.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const depth = async (url: string) =>
    Number(
      (
        await queues.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );
  const ruleToQueue = async (rule: string, pattern: string, queueName: string) => {
    const { RuleArn } = await events.send(new PutRuleCommand({ Name: rule, EventPattern: pattern }));
    const put = await events.send(
      new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'sqs', Arn: queueArn(queueName) }] }),
    );
    assert.equal(put.FailedEntryCount, 0);
    return RuleArn!;
  };

  it('routes a published ECS Task State Change to the SQS target, the body being the whole event', async () => {
    const url = await queue('ecs-events');
    const ruleArn = await ruleToQueue('ecs-tasks', TASK_PATTERN, 'ecs-events');
    assert.equal(ruleArn, `arn:aws:events:${REGION}:${ACCOUNT}:rule/ecs-tasks`);
    const event = taskStateChange();
    ctx.events.publish(event);
    const { Messages } = await queues.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    assert.equal(Messages?.length, 1);
    assert.deepEqual(JSON.parse(Messages![0].Body!), event);
  });

  it('does not route events the pattern excludes', async () => {
    const url = await queue('ecs-prod-only');
    await ruleToQueue('ecs-prod-only', TASK_PATTERN, 'ecs-prod-only');
    ctx.events.publish(taskStateChange({ 'detail-type': 'ECS Service Action' }));
    ctx.events.publish(taskStateChange({ source: 'aws.servicediscovery' }));
    ctx.events.publish(taskStateChange({}, { clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/staging` }));
    assert.equal(await depth(url), 0);
    ctx.events.publish(taskStateChange());
    assert.equal(await depth(url), 1);
  });

  it('skips disabled rules until they are enabled again', async () => {
    const url = await queue('toggled');
    await ruleToQueue('toggled', TASK_PATTERN, 'toggled');
    await events.send(new DisableRuleCommand({ Name: 'toggled' }));
    assert.equal((await events.send(new DescribeRuleCommand({ Name: 'toggled' }))).State, 'DISABLED');
    ctx.events.publish(taskStateChange());
    assert.equal(await depth(url), 0);
    await events.send(new EnableRuleCommand({ Name: 'toggled' }));
    ctx.events.publish(taskStateChange());
    assert.equal(await depth(url), 1);
  });

  it('routes PutEvents entries like service events and reports per-entry failures', async () => {
    const url = await queue('custom');
    await ruleToQueue(
      'custom',
      JSON.stringify({ source: ['com.example.deployer'], detail: { stage: ['prod'] } }),
      'custom',
    );
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'com.example.deployer',
            DetailType: 'Deployment',
            Detail: JSON.stringify({ stage: 'prod' }),
            Resources: ['arn:aws:ecs:eu-west-1:111122223333:service/prod/checkout'],
            Time: new Date('2026-11-25T08:00:00.250Z'),
          },
          { Source: 'com.example.deployer', DetailType: 'Deployment', Detail: JSON.stringify({ stage: 'dev' }) },
          { Source: 'aws.ecs', DetailType: 'ECS Task State Change', Detail: '{}' },
          { Source: 'com.example.deployer', DetailType: 'Deployment', Detail: '{not json' },
        ],
      }),
    );
    assert.equal(result.FailedEntryCount, 2);
    assert.deepEqual(
      result.Entries?.map((e) => e.ErrorCode),
      [undefined, undefined, 'NotAuthorizedForSourceException', 'MalformedDetail'],
    );
    const { Messages } = await queues.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.equal(Messages?.length, 1);
    const delivered = JSON.parse(Messages![0].Body!);
    assert.equal(delivered.id, result.Entries![0].EventId);
    assert.equal(delivered['detail-type'], 'Deployment');
    assert.equal(delivered.time, '2026-11-25T08:00:00Z');
    assert.equal(delivered.account, ACCOUNT);
    assert.deepEqual(delivered.detail, { stage: 'prod' });
    assert.deepEqual(delivered.resources, ['arn:aws:ecs:eu-west-1:111122223333:service/prod/checkout']);
  });

  it('validates PutEvents as the API reference does: 1 to 10 entries, Source/DetailType/Detail required, 256 KB per entry and request', async () => {
    const entry = (overrides: Record<string, unknown> = {}) => ({
      Source: 'com.example.app',
      DetailType: 'Thing',
      Detail: '{"a":1}',
      ...overrides,
    });
    await assert.rejects(
      events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
      (e: unknown) => e instanceof EventBridgeServiceException && e.name === 'ValidationException',
    );
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(),
          entry({ Source: undefined }),
          entry({ DetailType: '' }),
          entry({ Detail: undefined }),
          entry({ Detail: '[1,2]' }),
        ],
      }),
    );
    assert.equal(result.FailedEntryCount, 4);
    assert.match(result.Entries![0].EventId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      result.Entries!.map((e) => e.ErrorCode),
      [undefined, 'InvalidArgument', 'InvalidArgument', 'InvalidArgument', 'MalformedDetail'],
    );
    // Entry size: Source, DetailType, Detail and Resources in UTF-8 bytes, plus 14 for Time (eb-putevent-size.html).
    const detailOf = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) });
    const limit = 256 * 1024 - 'com.example.app'.length - 'Thing'.length;
    const fits = await events.send(new PutEventsCommand({ Entries: [entry({ Detail: detailOf(limit) })] }));
    assert.equal(fits.FailedEntryCount, 0);
    const overLimit = (e: unknown) =>
      e instanceof EventBridgeServiceException && e.name === 'ValidationException' && /Total size/.test(e.message);
    await assert.rejects(
      events.send(new PutEventsCommand({ Entries: [entry({ Detail: detailOf(limit), Time: new Date() })] })),
      overLimit,
    );
    await assert.rejects(
      events.send(
        new PutEventsCommand({ Entries: [entry({ Detail: detailOf(150_000) }), entry({ Detail: detailOf(150_000) })] }),
      ),
      overLimit,
    );
  });

  it('delivers a constant Input or the InputPath selection instead of the event when the target says so', async () => {
    const constantUrl = await queue('constant');
    const pathUrl = await queue('path');
    await events.send(new PutRuleCommand({ Name: 'shaped', EventPattern: TASK_PATTERN }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'shaped',
        Targets: [
          { Id: 'constant', Arn: queueArn('constant'), Input: '{"resync":true}' },
          { Id: 'path', Arn: queueArn('path'), InputPath: '$.detail' },
        ],
      }),
    );
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: 'shaped' }));
    assert.deepEqual(
      Targets?.map((t) => [t.Id, t.Input ?? t.InputPath]),
      [
        ['constant', '{"resync":true}'],
        ['path', '$.detail'],
      ],
    );
    const event = taskStateChange();
    ctx.events.publish(event);
    const constant = (await queues.send(new ReceiveMessageCommand({ QueueUrl: constantUrl }))).Messages?.[0].Body;
    const path = (await queues.send(new ReceiveMessageCommand({ QueueUrl: pathUrl }))).Messages?.[0].Body;
    assert.equal(constant, '{"resync":true}');
    assert.deepEqual(JSON.parse(path!), event.detail);
  });

  it('drops deliveries to unknown targets silently', async () => {
    await events.send(new PutRuleCommand({ Name: 'to-nowhere', EventPattern: TASK_PATTERN }));
    await events.send(
      new PutTargetsCommand({ Rule: 'to-nowhere', Targets: [{ Id: 'gone', Arn: queueArn('deleted-long-ago') }] }),
    );
    const before = eb.stats().dropped;
    ctx.events.publish(taskStateChange());
    assert.equal(eb.stats().dropped, before + 1);
  });

  it('rejects invalid patterns with InvalidEventPatternException', async () => {
    await assert.rejects(
      events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"aws.ecs"}' })),
      (error: unknown) => {
        assert.ok(error instanceof InvalidEventPatternException, `got ${(error as Error).name}`);
        assert.match(error.message, /Event pattern is not valid/);
        return true;
      },
    );
    await assert.rejects(
      events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":[{"numeric":[">"]}]}' })),
      InvalidEventPatternException,
    );
    await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'bad' })), ResourceNotFoundException);
  });

  it('describes, lists with prefix and pagination, and deletes rules only once their targets are removed', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) {
      await events.send(new PutRuleCommand({ Name: name, EventPattern: TASK_PATTERN, Description: `rule ${name}` }));
    }
    const described = await events.send(new DescribeRuleCommand({ Name: 'list-b' }));
    assert.equal(described.Description, 'rule list-b');
    assert.equal(described.EventPattern, TASK_PATTERN);
    assert.equal(described.State, 'ENABLED');
    assert.equal(described.EventBusName, 'default');
    const first = await events.send(new ListRulesCommand({ NamePrefix: 'list-', Limit: 2 }));
    assert.deepEqual(
      first.Rules?.map((r) => r.Name),
      ['list-a', 'list-b'],
    );
    const second = await events.send(
      new ListRulesCommand({ NamePrefix: 'list-', Limit: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      second.Rules?.map((r) => r.Name),
      ['list-c'],
    );
    assert.equal(second.NextToken, undefined);

    await events.send(new PutTargetsCommand({ Rule: 'list-a', Targets: [{ Id: 't', Arn: queueArn('ecs-events') }] }));
    await assert.rejects(
      events.send(new DeleteRuleCommand({ Name: 'list-a' })),
      (error: unknown) =>
        error instanceof EventBridgeServiceException &&
        error.name === 'ValidationException' &&
        /has targets/.test(error.message),
    );
    await events.send(new RemoveTargetsCommand({ Rule: 'list-a', Ids: ['t'] }));
    await events.send(new DeleteRuleCommand({ Name: 'list-a' }));
    await assert.rejects(events.send(new DescribeRuleCommand({ Name: 'list-a' })), ResourceNotFoundException);
    await assert.rejects(
      events.send(new PutTargetsCommand({ Rule: 'list-a', Targets: [{ Id: 't', Arn: queueArn('x') }] })),
      ResourceNotFoundException,
    );
  });

  it('refuses event buses that do not exist and more than five targets per rule', async () => {
    await assert.rejects(
      events.send(new PutRuleCommand({ Name: 'other-bus', EventPattern: TASK_PATTERN, EventBusName: 'custom-bus' })),
      ResourceNotFoundException,
    );
    await events.send(new PutRuleCommand({ Name: 'crowded', EventPattern: TASK_PATTERN }));
    const targets = Array.from({ length: 6 }, (_, i) => ({ Id: `t${i}`, Arn: queueArn(`q${i}`) }));
    await assert.rejects(
      events.send(new PutTargetsCommand({ Rule: 'crowded', Targets: targets })),
      (error: unknown) => (error as Error).name === 'LimitExceededException',
    );
  });

  it('answers TestEventPattern as routing would', async () => {
    const event = JSON.stringify(taskStateChange());
    const yes = await events.send(new TestEventPatternCommand({ EventPattern: TASK_PATTERN, Event: event }));
    assert.equal(yes.Result, true);
    const no = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({ detail: { lastStatus: [{ 'anything-but': 'STOPPED' }] } }),
        Event: event,
      }),
    );
    assert.equal(no.Result, false);
    await assert.rejects(
      events.send(new TestEventPatternCommand({ EventPattern: '[]', Event: event })),
      InvalidEventPatternException,
    );
  });
});

describe('EventBridge emulator direct rule creation (scenario loading)', () => {
  it('routes through a rule created with putRule() exactly like one created over the API', () => {
    const clock = new VirtualClock();
    let eb: EventBridgeEmulator | undefined;
    const ctx: SandboxContext = {
      clock,
      account: ACCOUNT,
      region: REGION,
      events: { publish: (event) => eb?.publish(event) },
    };
    const sqs = createSqs(ctx, { endpointUrl: () => 'http://127.0.0.1:1' });
    eb = createEventBridge(ctx, sqs);
    const { arn } = sqs.createQueue('direct');
    const ruleArn = eb.putRule({ name: 'direct', eventPattern: TASK_PATTERN, targets: [{ id: 'q', arn }] });
    assert.equal(ruleArn, `arn:aws:events:${REGION}:${ACCOUNT}:rule/direct`);
    ctx.events.publish(taskStateChange({ 'detail-type': 'ECS Service Action' }));
    ctx.events.publish(taskStateChange());
    const queue = sqs.queueByName('direct')!;
    assert.equal(queue.counts().visible, 1);
    assert.throws(
      () => eb!.putRule({ name: 'broken', eventPattern: '{"source":"x"}', targets: [] }),
      /Event pattern is not valid/,
    );
    sqs.close();
  });
});
