/**
 * The EventBridge emulator's routing through @aws-sdk/client-eventbridge: events that AWS services publish and
 * PutEvents entries reach the SQS targets of the enabled rules whose pattern matches, as the event or as the
 * target's Input or InputPath. The rule and PutEvents API checks are in eventbridge-rules.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventBridgeClient,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../sandbox/core/clock.js';
import type { SandboxContext } from '../../sandbox/core/types.js';
import { createEventBridge, type EventBridgeEmulator } from '../../sandbox/eventbridge/index.js';
import { createSqs } from '../../sandbox/sqs/index.js';
import {
  ACCOUNT,
  REGION,
  TASK_PATTERN,
  queueArn,
  startEventBridge,
  taskStateChange,
  type EventBridgeFixture,
} from './eventbridge-fixture.js';

describe('EventBridge emulator through @aws-sdk/client-eventbridge, delivering to SQS', () => {
  let f: EventBridgeFixture;
  let ctx: SandboxContext;
  let eb: EventBridgeEmulator;
  let events: EventBridgeClient;
  let queues: SQSClient;

  before(async () => {
    f = await startEventBridge();
    ({ ctx, eb, events, queues } = f);
  });
  after(() => f.close());

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
