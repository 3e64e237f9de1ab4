/**
 * The EventBridge emulator's API checks, as the EventBridge API reference states them: PutEvents entry and size
 * limits, invalid patterns, rule listing and deletion, unknown buses and the five-target limit, TestEventPattern.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventBridgeClient,
  EventBridgeServiceException,
  InvalidEventPatternException,
  ResourceNotFoundException,
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  TASK_PATTERN,
  queueArn,
  startEventBridge,
  taskStateChange,
  type EventBridgeFixture,
} from './eventbridge-fixture.js';

describe('EventBridge emulator API checks through @aws-sdk/client-eventbridge', () => {
  let f: EventBridgeFixture;
  let events: EventBridgeClient;

  before(async () => {
    f = await startEventBridge();
    ({ events } = f);
  });
  after(() => f.close());

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
