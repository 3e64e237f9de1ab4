import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type ProcessContext, type WorkQueueOptions } from '../../controller/runtime/workqueue.js';
import { ManualTimers } from '../../controller/util/clock.js';
import { keyString, type WorkKey } from '../../controller/inventory/work-key.js';

const svc = (service: string): WorkKey => ({ kind: 'ecs-service', cluster: 'prod', service });

/** Lets promise callbacks run (the queue settles work in microtasks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Call {
  key: string;
  context: ProcessContext;
  resolve(): void;
  reject(error: Error): void;
  settled: boolean;
}

/** A queue whose process() calls are held until the test settles them, on a manual clock. */
function harness(options: Partial<WorkQueueOptions> = {}) {
  const timers = new ManualTimers();
  const calls: Call[] = [];
  let running = 0;
  let maxRunningSameKey = 0;
  const runningKeys = new Map<string, number>();
  const retries: { key: string; delayMs: number; failures: number }[] = [];
  const queue = new WorkQueue({
    timers,
    random: () => 1,
    process: (key, context) =>
      new Promise<void>((resolve, reject) => {
        const id = keyString(key);
        running += 1;
        runningKeys.set(id, (runningKeys.get(id) ?? 0) + 1);
        maxRunningSameKey = Math.max(maxRunningSameKey, runningKeys.get(id)!);
        const call: Call = {
          key: id,
          context,
          settled: false,
          resolve: () => finish(() => resolve()),
          reject: (error) => finish(() => reject(error)),
        };
        function finish(settle: () => void): void {
          call.settled = true;
          running -= 1;
          runningKeys.set(id, runningKeys.get(id)! - 1);
          settle();
        }
        calls.push(call);
      }),
    onRetry: (key, _error, delayMs, failures) => retries.push({ key: keyString(key), delayMs, failures }),
    ...options,
  });
  return {
    timers,
    queue,
    calls,
    retries,
    running: () => running,
    maxRunningSameKey: () => maxRunningSameKey,
    open: () => calls.filter((c) => !c.settled),
    order: () => calls.map((c) => c.key),
  };
}

describe('WorkQueue: dedup and coalescing', () => {
  it('turns a burst of adds of one key within the debounce window into one reconcile', async () => {
    const h = harness({ debounceMs: 200 });
    for (let i = 0; i < 5; i++) {
      h.queue.add(svc('orders'));
      h.timers.advance(30);
    }
    assert.equal(h.calls.length, 0, 'nothing runs inside the window');
    assert.equal(h.queue.depth(), 1, 'one waiting item');
    h.timers.advance(200);
    await flush();
    assert.deepEqual(h.order(), ['ecs-service/prod/orders']);
    h.calls[0].resolve();
    await flush();
    assert.equal(h.queue.depth(), 0);
    assert.equal(h.calls.length, 1);
  });

  it('never runs one key on two workers: a re-add while processing runs once more, afterwards', async () => {
    const h = harness({ workers: 4, debounceMs: 0 });
    h.queue.add(svc('orders'));
    await flush();
    assert.equal(h.open().length, 1);
    h.queue.add(svc('orders'));
    h.queue.add(svc('orders'));
    await flush();
    assert.equal(h.calls.length, 1, 'not started again while in flight');
    assert.equal(h.queue.depth(), 1, 'the re-add is waiting');
    h.calls[0].resolve();
    await flush();
    assert.equal(h.calls.length, 2, 'processed again after the first finished');
    h.calls[1].resolve();
    await flush();
    assert.equal(h.calls.length, 2, 'several re-adds collapse into one');
    assert.equal(h.maxRunningSameKey(), 1);
  });

  it('keeps the earliest event time of coalesced adds, for event-to-action latency', async () => {
    const h = harness({ debounceMs: 100 });
    h.queue.add(svc('a'), { eventTime: 5_000 });
    h.queue.add(svc('a'), { eventTime: 3_000 });
    h.queue.add(svc('a'), { eventTime: 9_000 });
    h.timers.advance(100);
    await flush();
    assert.equal(h.calls[0].context.eventTime, 3_000);
    h.calls[0].resolve();
    await flush();
  });
});

describe('WorkQueue: workers and priority', () => {
  it('runs at most `workers` distinct keys at once and starts the next as one finishes', async () => {
    const h = harness({ workers: 2, debounceMs: 0 });
    for (const name of ['a', 'b', 'c']) h.queue.add(svc(name));
    await flush();
    assert.equal(h.running(), 2);
    assert.equal(h.queue.active(), 2);
    h.calls[0].resolve();
    await flush();
    assert.deepEqual(h.order(), ['ecs-service/prod/a', 'ecs-service/prod/b', 'ecs-service/prod/c']);
    assert.equal(h.running(), 2);
  });

  it('takes event keys ahead of resync keys, and promotes a resync key when an event names it', async () => {
    const h = harness({ workers: 1, debounceMs: 0 });
    h.queue.add(svc('busy'));
    await flush();
    h.queue.add(svc('r1'), { priority: 'resync' });
    h.queue.add(svc('r2'), { priority: 'resync' });
    h.queue.add(svc('r3'), { priority: 'resync' });
    h.queue.add(svc('e1'), { priority: 'event' });
    h.queue.add(svc('r3'), { priority: 'event' });
    for (let i = 0; i < 5; i++) {
      h.open()[0].resolve();
      await flush();
    }
    assert.deepEqual(
      h.order().map((k) => k.split('/').pop()),
      ['busy', 'e1', 'r3', 'r1', 'r2'],
    );
    assert.equal(h.calls[2].context.priority, 'event');
    assert.equal(h.calls[3].context.priority, 'resync');
  });
});

describe('WorkQueue: retries', () => {
  it('retries a failing key with exponential backoff up to the maximum, then resets on success', async () => {
    const h = harness({ debounceMs: 0, baseRetryMs: 1_000, maxRetryMs: 5_000 });
    h.queue.add(svc('flaky'));
    await flush();
    for (let attempt = 0; attempt < 4; attempt++) {
      h.open()[0].reject(new Error('ThrottlingException'));
      await flush();
      h.timers.advance(h.retries.at(-1)!.delayMs);
      await flush();
    }
    assert.deepEqual(
      h.retries.map((r) => r.delayMs),
      [1_000, 2_000, 4_000, 5_000],
    );
    assert.deepEqual(
      h.calls.map((c) => c.context.failures),
      [0, 1, 2, 3, 4],
    );
    assert.equal(h.queue.failures(svc('flaky')), 4);
    h.open()[0].resolve();
    await flush();
    assert.equal(h.queue.failures(svc('flaky')), 0);
  });

  it('jitters the delay between half and all of the exponential step', async () => {
    const h = harness({ debounceMs: 0, baseRetryMs: 1_000, random: () => 0 });
    h.queue.add(svc('flaky'));
    await flush();
    h.open()[0].reject(new Error('boom'));
    await flush();
    assert.equal(h.retries[0].delayMs, 500);
    assert.deepEqual(h.timers.pendingDelays(), [500]);
    assert.equal(h.queue.depth(), 0, 'a key waiting out its backoff is not queue depth (as in client-go)');
    assert.equal(h.queue.retrying(), 1);
  });

  it('does not cut a backoff short when an event for the key arrives', async () => {
    const h = harness({ debounceMs: 0, baseRetryMs: 1_000 });
    h.queue.add(svc('flaky'), { priority: 'resync' });
    await flush();
    h.open()[0].reject(new Error('boom'));
    await flush();
    h.queue.add(svc('flaky'), { priority: 'event' });
    h.timers.advance(999);
    await flush();
    assert.equal(h.calls.length, 1);
    h.timers.advance(1);
    await flush();
    assert.equal(h.calls.length, 2);
    assert.equal(h.calls[1].context.priority, 'event', 'the event promoted the retry');
  });

  it('retries (with backoff) a key that failed while it was re-added', async () => {
    const h = harness({ debounceMs: 0, baseRetryMs: 100 });
    h.queue.add(svc('a'));
    await flush();
    h.queue.add(svc('a'));
    h.open()[0].reject(new Error('boom'));
    await flush();
    assert.equal(h.calls.length, 1, 'waits for the backoff, not run at once');
    h.timers.advance(100);
    await flush();
    assert.equal(h.calls.length, 2);
  });
});

describe('WorkQueue: shutdown', () => {
  it('stops taking work, drops waiting keys and waits for in-flight work', async () => {
    const h = harness({ debounceMs: 0, workers: 1 });
    h.queue.add(svc('running'));
    h.queue.add(svc('waiting'));
    await flush();
    let result: Awaited<ReturnType<WorkQueue['shutdown']>> | undefined;
    const done = h.queue.shutdown(25_000).then((r) => (result = r));
    assert.equal(h.queue.add(svc('late')), false, 'no new work after shutdown began');
    await flush();
    assert.equal(result, undefined, 'still waiting for the in-flight key');
    h.calls[0].resolve();
    await done;
    assert.deepEqual(result, { completed: true, abandoned: [] });
    assert.deepEqual(h.order(), ['ecs-service/prod/running'], 'the waiting key was dropped');
    assert.equal(h.timers.pending, 0, 'no timers left behind');
  });

  it('gives up after the timeout, aborting the in-flight work', async () => {
    const h = harness({ debounceMs: 0 });
    h.queue.add(svc('stuck'));
    await flush();
    const done = h.queue.shutdown(25_000);
    await flush();
    h.timers.advance(25_000);
    const result = await done;
    assert.deepEqual(result, { completed: false, abandoned: ['ecs-service/prod/stuck'] });
    assert.equal(h.calls[0].context.signal.aborted, true);
  });

  it('clears pending debounce and retry timers', async () => {
    const h = harness({ debounceMs: 200, baseRetryMs: 1_000 });
    h.queue.add(svc('debouncing'));
    const result = await h.queue.shutdown(1_000);
    assert.deepEqual(result, { completed: true, abandoned: [] });
    assert.equal(h.timers.pending, 0);
    h.timers.advance(10_000);
    await flush();
    assert.equal(h.calls.length, 0);
  });
});

describe('WorkQueue: idle and depth', () => {
  it('reports depth of waiting keys and resolves whenIdle once everything ran', async () => {
    const h = harness({ debounceMs: 50, workers: 2 });
    h.queue.add(svc('a'));
    h.queue.add(svc('b'));
    h.queue.add({ kind: 'full' }, { priority: 'resync' });
    assert.equal(h.queue.depth(), 3);
    let idle = false;
    const idlePromise = h.queue.whenIdle().then(() => (idle = true));
    h.timers.advance(50);
    await flush();
    assert.equal(h.queue.depth(), 1, 'two running, one waiting');
    while (h.open().length > 0) {
      for (const call of h.open()) call.resolve();
      await flush();
    }
    await idlePromise;
    assert.equal(idle, true);
    assert.equal(h.queue.depth(), 0);
  });

  it('contains a process() that throws synchronously like any failure', async () => {
    const retries: number[] = [];
    const timers = new ManualTimers();
    const queue = new WorkQueue({
      timers,
      debounceMs: 0,
      random: () => 1,
      process: () => {
        throw new Error('sync bug');
      },
      onRetry: (_k, _e, delay) => retries.push(delay),
    });
    queue.add(svc('x'));
    await flush();
    assert.deepEqual(retries, [1_000]);
    await queue.shutdown(0);
  });
});
