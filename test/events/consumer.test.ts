import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventConsumer, type EventMeta } from '../../controller/events/consumer.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import type { WorkKey } from '../../controller/inventory/work-key.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { waitFor } from '../support/wait.js';

const fixtureDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${fixtureDir}${name}`, 'utf8');

/** A fresh queue of the sandbox's SQS, driven and inspected over its HTTP API like the consumer sees it. */
interface TestQueue {
  url: string;
  send(body: string): Promise<void>;
  /** Messages not deleted yet (visible or in flight), as SQS reports them. */
  pending(): Promise<number>;
  /** Messages a receive would return now. */
  visible(): Promise<number>;
}

function recorder() {
  const enqueued: { keys: WorkKey[]; meta: EventMeta }[] = [];
  const counts = { events: [] as string[], malformed: [] as string[], duplicates: 0 };
  return {
    enqueued,
    counts,
    enqueue: (keys: WorkKey[], meta: EventMeta) => void enqueued.push({ keys, meta }),
    hooks: {
      onEvent: (t: string) => void counts.events.push(t),
      onMalformed: (r: string) => void counts.malformed.push(r),
      onDuplicate: () => void (counts.duplicates += 1),
    },
  };
}

describe('SqsEventConsumer', () => {
  let sandbox: Sandbox;
  let client: SQSClient;
  let queues = 0;
  before(async () => {
    sandbox = await startSandbox({ port: 0, tickMs: 60_000 });
    // One attempt: every receive the consumer makes is one request the sandbox counts (no SDK retries).
    client = new SQSClient({
      region: sandbox.region,
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.faults.clear();
    sandbox.calls.reset();
  });

  async function newQueue(): Promise<TestQueue> {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `controller-events-${queues++}` }));
    const url = QueueUrl!;
    const count = async (...names: ('ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible')[]) => {
      const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
      return names.reduce((sum, name) => sum + Number(Attributes?.[name] ?? 0), 0);
    };
    return {
      url,
      send: async (body) => void (await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))),
      pending: () => count('ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'),
      visible: () => count('ApproximateNumberOfMessages'),
    };
  }

  /** The ReceiveMessage requests that reached the sandbox since this test began, in arrival order. */
  const receives = () => sandbox.calls.log().filter((call) => call.operation === 'sqs:ReceiveMessage');

  it('enqueues keys of usable events, drops duplicates, counts everything and deletes every handled message', async () => {
    const queue = await newQueue();
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      enqueue: rec.enqueue,
      hooks: rec.hooks,
      logger: silentLogger(),
      waitTimeSeconds: 0,
    });
    const task = fixture('task-state-change-service-stopped.json');
    await queue.send(task);
    await queue.send(fixture('service-action-steady-state.aws-doc.json'));
    await queue.send(task); // at-least-once delivery: the same task version again
    await queue.send('{"detail-type": "ECS Service Action", "detail": "truncated');
    await queue.send(fixture('container-instance-state-change.aws-doc.json'));
    const result = await consumer.pollOnce();

    assert.deepEqual(result, { received: 5, enqueued: 2, ignored: 1, malformed: 1, duplicates: 1, deleted: 5 });
    assert.deepEqual(
      rec.enqueued.map((e) => e.keys),
      [
        [
          {
            kind: 'ecs-task',
            cluster: 'FargateCluster',
            service: 'sample-fargate-service',
            task: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
          },
        ],
        [{ kind: 'ecs-service', cluster: 'default', service: 'servicetest' }],
      ],
    );
    assert.equal(rec.enqueued[0].meta.eventTime, Date.parse('2020-01-23T18:30:01Z'));
    assert.deepEqual(rec.counts.malformed, ['invalid-json']);
    assert.equal(rec.counts.duplicates, 1);
    assert.deepEqual(rec.counts.events, [
      'ECS Task State Change',
      'ECS Service Action',
      'ECS Task State Change',
      'ECS Container Instance State Change',
    ]);
    assert.equal(await queue.pending(), 0);
  });

  it('accepts a newer version of a task it has seen', async () => {
    const queue = await newQueue();
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      enqueue: rec.enqueue,
      logger: silentLogger(),
      waitTimeSeconds: 0,
    });
    const stopped = (version: number) =>
      JSON.stringify({
        ...JSON.parse(fixture('task-state-change-service-stopped.json')),
        detail: { ...JSON.parse(fixture('task-state-change-service-stopped.json')).detail, version },
      });
    await queue.send(stopped(5));
    await queue.send(stopped(6));
    await queue.send(stopped(5)); // version 5 again, late
    const result = await consumer.pollOnce();
    assert.equal(result.enqueued, 2);
    assert.equal(result.duplicates, 1);
  });

  it('deletes a message only after its keys were enqueued, and keeps it when enqueueing fails', async () => {
    const queue = await newQueue();
    const body = fixture('deployment-completed.aws-doc.json');
    let pendingWhileEnqueueing: number | undefined;
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      logger: silentLogger(),
      waitTimeSeconds: 0,
      // A round trip to SQS while the keys are being handed on: a delete issued too early would have landed by then.
      enqueue: async () => {
        pendingWhileEnqueueing = await queue.pending();
      },
    });
    await queue.send(body);
    await consumer.pollOnce();
    assert.equal(pendingWhileEnqueueing, 1, 'still in the queue while enqueueing');
    assert.equal(await queue.pending(), 0, 'deleted once enqueued');

    const failing = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      logger: silentLogger(),
      waitTimeSeconds: 0,
      enqueue: () => {
        throw new Error('work queue is shutting down');
      },
    });
    await queue.send(body);
    const result = await failing.pollOnce();
    assert.equal(result.deleted, 0);
    assert.equal(await queue.pending(), 1, 'the message stays for redelivery');
  });

  it('keeps polling through receive errors, backing off, and delivers what arrives afterwards', async () => {
    const queue = await newQueue();
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      enqueue: rec.enqueue,
      logger: silentLogger(),
      waitTimeSeconds: 1,
      baseBackoffMs: 1,
      maxBackoffMs: 4,
    });
    sandbox.faults.add({ operation: 'sqs:ReceiveMessage', errorCode: 'InternalError' });
    consumer.start();
    try {
      await waitFor(() => receives().filter((call) => call.status === 500).length >= 3, {
        what: 'three failed receives',
      });
      sandbox.faults.clear();
      await queue.send(fixture('service-action-steady-state.aws-doc.json'));
      await waitFor(() => rec.enqueued.length === 1, { what: 'the event after the failures' });
      assert.equal(consumer.running, true);
    } finally {
      await consumer.stop();
    }
  });

  it('stop() aborts an in-flight 20-second long poll instead of waiting for it', async () => {
    const queue = await newQueue();
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      enqueue: rec.enqueue,
      logger: silentLogger(),
    });
    consumer.start();
    await waitFor(() => receives().length === 1, { what: 'the long poll to reach the sandbox' });
    await consumer.stop();
    // The sandbox answers a long poll only with a message or after 20 s; a response it never sent proves that
    // stop() abandoned the poll rather than waited for it.
    assert.equal(receives()[0].status, undefined, 'the sandbox never answered the poll');
    assert.equal(consumer.running, false);
    await queue.send(fixture('service-action-steady-state.aws-doc.json'));
    // The abandoned poll may still take it on the sandbox's side (as on AWS); nobody deletes it.
    assert.equal(await queue.pending(), 1, 'the message after stop() stays in the queue');
    assert.equal(receives().length, 1, 'no receive after stop');
    assert.equal(rec.enqueued.length, 0);
  });

  it('drains a flood of malformed messages without enqueueing anything', async () => {
    const queue = await newQueue();
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: client,
      queueUrl: queue.url,
      enqueue: rec.enqueue,
      hooks: rec.hooks,
      logger: silentLogger(),
      waitTimeSeconds: 0,
    });
    for (let i = 0; i < 200; i++)
      await queue.send(
        i % 2 ? 'not json at all' : JSON.stringify({ 'detail-type': 'ECS Task State Change', detail: {} }),
      );
    while ((await queue.visible()) > 0) await consumer.pollOnce();
    assert.equal(rec.counts.malformed.length, 200);
    assert.equal(await queue.pending(), 0, 'all deleted');
    assert.equal(rec.enqueued.length, 0);
  });
});
