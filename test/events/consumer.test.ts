import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SqsEventConsumer, type EventMeta } from '../../controller/events/consumer.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import type { WorkKey } from '../../controller/runtime/keys.js';
import { startFakeSqs, type FakeSqs } from './fake-sqs.js';

const fixtureDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${fixtureDir}${name}`, 'utf8');

/** Waits for a condition the code under test makes true asynchronously; fails rather than hangs. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for: ${what}`);
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
  let sqs: FakeSqs;
  before(async () => {
    sqs = await startFakeSqs();
  });
  after(async () => {
    await sqs.close();
  });

  it('enqueues keys of usable events, drops duplicates, counts everything and deletes every handled message', async () => {
    const rec = recorder();
    const consumer = new SqsEventConsumer({
      sqs: sqs.client, queueUrl: sqs.queueUrl, enqueue: rec.enqueue, hooks: rec.hooks, logger: silentLogger(), waitTimeSeconds: 0,
    });
    const task = fixture('task-state-change-service.json');
    sqs.send(task);
    sqs.send(fixture('service-action-steady-state.aws-doc.json'));
    sqs.send(task); // at-least-once delivery: the same task version again
    sqs.send('{"detail-type": "ECS Service Action", "detail": "truncated');
    sqs.send(fixture('container-instance-state-change.aws-doc.json'));
    const result = await consumer.pollOnce();

    assert.deepEqual(result, { received: 5, enqueued: 2, ignored: 1, malformed: 1, duplicates: 1, deleted: 5 });
    assert.deepEqual(rec.enqueued.map((e) => e.keys), [
      [{ kind: 'ecs-service', cluster: 'FargateCluster', service: 'sample-fargate-service' }],
      [{ kind: 'ecs-service', cluster: 'default', service: 'servicetest' }],
    ]);
    assert.equal(rec.enqueued[0].meta.eventTime, Date.parse('2020-01-23T17:57:58Z'));
    assert.deepEqual(rec.counts.malformed, ['invalid-json']);
    assert.equal(rec.counts.duplicates, 1);
    assert.deepEqual(rec.counts.events, [
      'ECS Task State Change', 'ECS Service Action', 'ECS Task State Change', 'ECS Container Instance State Change',
    ]);
    assert.equal(sqs.pending(), 0);
  });

  it('accepts a newer version of a task it has seen', async () => {
    const rec = recorder();
    const consumer = new SqsEventConsumer({ sqs: sqs.client, queueUrl: sqs.queueUrl, enqueue: rec.enqueue, logger: silentLogger(), waitTimeSeconds: 0 });
    sqs.send(fixture('task-state-change-service.json')); // version 4
    sqs.send(fixture('task-state-change-service-stopped.json')); // version 6
    sqs.send(fixture('task-state-change-service.json')); // version 4 again, late
    const result = await consumer.pollOnce();
    assert.equal(result.enqueued, 2);
    assert.equal(result.duplicates, 1);
  });

  it('deletes a message only after its keys were enqueued, and keeps it when enqueueing fails', async () => {
    const body = fixture('deployment-completed.aws-doc.json');
    let deletedBeforeEnqueueFinished: boolean | undefined;
    const consumer = new SqsEventConsumer({
      sqs: sqs.client,
      queueUrl: sqs.queueUrl,
      logger: silentLogger(),
      waitTimeSeconds: 0,
      enqueue: async () => {
        await new Promise((r) => setTimeout(r, 10));
        deletedBeforeEnqueueFinished = sqs.deleted.includes(body);
      },
    });
    const before = sqs.deleted.length;
    sqs.send(body);
    await consumer.pollOnce();
    assert.equal(deletedBeforeEnqueueFinished, false);
    assert.equal(sqs.deleted.length, before + 1);

    const failing = new SqsEventConsumer({
      sqs: sqs.client, queueUrl: sqs.queueUrl, logger: silentLogger(), waitTimeSeconds: 0,
      enqueue: () => {
        throw new Error('work queue is shutting down');
      },
    });
    sqs.send(body);
    const result = await failing.pollOnce();
    assert.equal(result.deleted, 0);
    assert.equal(sqs.pending(), 1, 'the message stays for redelivery');
  });

  it('keeps polling through receive errors, backing off, and delivers what arrives afterwards', async () => {
    const fresh = await startFakeSqs();
    try {
      const rec = recorder();
      const consumer = new SqsEventConsumer({
        sqs: fresh.client, queueUrl: fresh.queueUrl, enqueue: rec.enqueue, logger: silentLogger(),
        waitTimeSeconds: 1, baseBackoffMs: 1, maxBackoffMs: 4,
      });
      fresh.failNextReceives(3, 'InternalError');
      consumer.start();
      await eventually(() => fresh.receiveCalls() >= 4, 'receives after the failures');
      fresh.send(fixture('service-action-steady-state.aws-doc.json'));
      await eventually(() => rec.enqueued.length === 1, 'the event after the failures');
      assert.equal(consumer.running, true);
      await consumer.stop();
    } finally {
      await fresh.close();
    }
  });

  it('stop() aborts an in-flight 20-second long poll instead of waiting for it', async () => {
    const fresh = await startFakeSqs();
    try {
      const rec = recorder();
      const consumer = new SqsEventConsumer({ sqs: fresh.client, queueUrl: fresh.queueUrl, enqueue: rec.enqueue, logger: silentLogger() });
      consumer.start();
      await eventually(() => fresh.waitingPolls() === 1, 'the long poll to reach the server');
      let stopped = false;
      const stopping = consumer.stop().then(() => (stopped = true));
      // The server is still holding the poll open: stop() must not depend on it answering.
      await stopping;
      assert.equal(stopped, true);
      assert.equal(fresh.waitingPolls(), 1, 'server-side poll still open: the client abandoned it');
      assert.equal(consumer.running, false);
      const calls = fresh.receiveCalls();
      fresh.send(fixture('service-action-steady-state.aws-doc.json'));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(fresh.receiveCalls(), calls, 'no receive after stop');
      assert.equal(rec.enqueued.length, 0);
    } finally {
      await fresh.close();
    }
  });

  it('drains a flood of malformed messages without enqueueing anything', async () => {
    const fresh = await startFakeSqs();
    try {
      const rec = recorder();
      const consumer = new SqsEventConsumer({
        sqs: fresh.client, queueUrl: fresh.queueUrl, enqueue: rec.enqueue, hooks: rec.hooks, logger: silentLogger(), waitTimeSeconds: 0,
      });
      for (let i = 0; i < 200; i++) fresh.send(i % 2 ? 'not json at all' : JSON.stringify({ 'detail-type': 'ECS Task State Change', detail: {} }));
      while (fresh.visible() > 0) await consumer.pollOnce();
      assert.equal(rec.counts.malformed.length, 200);
      assert.equal(fresh.pending(), 0, 'all deleted');
      assert.equal(rec.enqueued.length, 0);
    } finally {
      await fresh.close();
    }
  });
});
