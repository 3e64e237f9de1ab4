/**
 * Custom event buses (CreateEventBus, DescribeEventBus, ListEventBuses, DeleteEventBus in the EventBridge API
 * reference): rules live on the bus they were put on, and a PutEvents entry reaches the rules of the bus it names
 * only. What the controller's `--events-bus NAME` publishes to. Real SDK over HTTP, delivery to the sandbox's SQS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  EventBridgeServiceException,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ACCOUNT, REGION, startEventBridge, type EventBridgeFixture } from './eventbridge-fixture.js';

const PATTERN = JSON.stringify({ source: ['ecs-discovery-controller'] });

describe('EventBridge custom event buses', () => {
  let f: EventBridgeFixture;
  let events: EventBridgeClient;
  let queues: SQSClient;

  before(async () => {
    f = await startEventBridge();
    ({ events, queues } = f);
  });
  after(() => f.close());

  const subscribe = async (queueName: string, rule: string, bus?: string) => {
    const url = (await queues.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
    await events.send(new PutRuleCommand({ Name: rule, EventPattern: PATTERN, ...(bus ? { EventBusName: bus } : {}) }));
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        ...(bus ? { EventBusName: bus } : {}),
        Targets: [{ Id: 'q', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueName}` }],
      }),
    );
    return url;
  };
  const received = async (url: string) =>
    (await queues.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];

  it('creates, describes and lists buses; names are unique and the default bus stays', async () => {
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'discovery' }));
    assert.equal(EventBusArn, `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/discovery`);
    assert.equal((await events.send(new DescribeEventBusCommand({ Name: EventBusArn }))).Name, 'discovery');
    assert.deepEqual(
      (await events.send(new ListEventBusesCommand({}))).EventBuses!.map((b) => b.Name),
      ['default', 'discovery'],
    );
    assert.deepEqual(
      (await events.send(new ListEventBusesCommand({ NamePrefix: 'disc' }))).EventBuses!.map((b) => b.Name),
      ['discovery'],
    );
    await assert.rejects(events.send(new CreateEventBusCommand({ Name: 'discovery' })), ResourceAlreadyExistsException);
    await assert.rejects(
      events.send(new CreateEventBusCommand({ Name: 'bad name' })),
      (e: unknown) => e instanceof EventBridgeServiceException && e.name === 'ValidationException',
    );
    await assert.rejects(
      events.send(new DeleteEventBusCommand({ Name: 'default' })),
      (e: unknown) => e instanceof EventBridgeServiceException && e.name === 'ValidationException',
    );
  });

  it('routes a PutEvents entry to the rules of the bus it names only', async () => {
    const onCustom = await subscribe('custom-subscriber', 'controller-events', 'discovery');
    const onDefault = await subscribe('default-subscriber', 'controller-events');
    const rule = await events.send(new DescribeRuleCommand({ Name: 'controller-events', EventBusName: 'discovery' }));
    assert.deepEqual(
      [rule.EventBusName, rule.Arn],
      ['discovery', `arn:aws:events:${REGION}:${ACCOUNT}:rule/discovery/controller-events`],
    );
    assert.deepEqual(
      (await events.send(new ListRulesCommand({ EventBusName: 'discovery' }))).Rules!.map((r) => r.Name),
      ['controller-events'],
    );

    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'discovery',
            Source: 'ecs-discovery-controller',
            DetailType: 'Discovery Drift',
            Detail: JSON.stringify({ kind: 'ttl' }),
          },
          {
            EventBusName: 'no-such-bus',
            Source: 'ecs-discovery-controller',
            DetailType: 'Discovery Drift',
            Detail: '{}',
          },
        ],
      }),
    );
    assert.deepEqual(
      result.Entries!.map((e) => e.ErrorCode),
      [undefined, 'InvalidArgument'],
    );
    const custom = await received(onCustom);
    assert.equal(custom.length, 1);
    assert.equal(JSON.parse(custom[0].Body!).id, result.Entries![0].EventId);
    assert.deepEqual(await received(onDefault), [], 'the default bus rule sees none of the custom bus events');
  });

  it('a deleted bus takes its rules with it', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'short-lived' }));
    await events.send(new PutRuleCommand({ Name: 'gone', EventPattern: PATTERN, EventBusName: 'short-lived' }));
    await events.send(new DeleteEventBusCommand({ Name: 'short-lived' }));
    await assert.rejects(events.send(new DescribeEventBusCommand({ Name: 'short-lived' })), ResourceNotFoundException);
    await assert.rejects(events.send(new ListRulesCommand({ EventBusName: 'short-lived' })), ResourceNotFoundException);
  });
});
