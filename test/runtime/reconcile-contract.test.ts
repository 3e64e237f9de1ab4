/**
 * The reconcile contract, tested as controller-runtime tests its controller: a fake reconciler that returns
 * scripted results, and a queue that counts the adds the worker loop makes (AddAfter for requeueAfter,
 * AddRateLimited for errors, Forget for successes and terminal errors), on a manual clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyString, type WorkKey } from '../../controller/inventory/work-key.js';
import { ManualTimers } from '../../controller/util/clock.js';
import {
  TerminalError,
  WorkQueue,
  type AddOptions,
  type ReconcileResult,
  type WorkQueueOptions,
} from '../../controller/runtime/workqueue.js';

const svc = (service: string): WorkKey => ({ kind: 'ecs-service', cluster: 'prod', service });
/** Lets promise callbacks run (the queue settles work in microtasks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The work queue, counting every add the worker loop (or a test) makes, per kind. */
class CountingQueue extends WorkQueue {
  readonly counts = { add: 0, addAfter: 0, addRateLimited: 0, forget: 0 };
  override add(key: WorkKey, options?: AddOptions): boolean {
    this.counts.add += 1;
    return super.add(key, options);
  }
  override addAfter(key: WorkKey, delayMs: number, options?: AddOptions): boolean {
    this.counts.addAfter += 1;
    return super.addAfter(key, delayMs, options);
  }
  override addRateLimited(key: WorkKey, error: unknown, options?: AddOptions): boolean {
    this.counts.addRateLimited += 1;
    return super.addRateLimited(key, error, options);
  }
  override forget(key: WorkKey): void {
    this.counts.forget += 1;
    super.forget(key);
  }
}

type Script = (attempt: number) => ReconcileResult | Error;

/** A fake reconciler answering each key by its script (default: success), recording every call. */
function harness(scripts: Record<string, Script>, options: Partial<WorkQueueOptions> = {}) {
  const timers = new ManualTimers();
  const calls: string[] = [];
  const dropped: { key: string; message: string }[] = [];
  const retries: number[] = [];
  const queue = new CountingQueue({
    timers,
    debounceMs: 0,
    random: () => 1,
    baseRetryMs: 1_000,
    maxRetryMs: 8_000,
    process: async (key) => {
      const id = keyString(key);
      const attempt = calls.filter((c) => c === id).length;
      calls.push(id);
      const answer = (scripts[id] ?? (() => ({})))(attempt);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    onRetry: (_key, _error, delayMs) => retries.push(delayMs),
    onDropped: (key, error) => dropped.push({ key: keyString(key), message: error.message }),
    ...options,
  });
  /** Moves the clock and lets the work it starts finish. */
  const advance = async (ms: number) => {
    timers.advance(ms);
    await flush();
  };
  const processed = (key: WorkKey) => calls.filter((c) => c === keyString(key)).length;
  return { timers, queue, calls, dropped, retries, advance, processed };
}

describe('Reconcile contract: requeueAfter', () => {
  it('adds the key again after requeueAfter, without counting a failure', async () => {
    const key = svc('grace');
    const h = harness({ [keyString(key)]: (attempt) => (attempt === 0 ? { requeueAfter: 30_000 } : {}) });
    h.queue.add(key);
    await flush();
    assert.equal(h.processed(key), 1);
    assert.equal(h.queue.counts.addAfter, 1, 'requeueAfter becomes one delayed add');
    assert.equal(h.queue.counts.addRateLimited, 0);
    assert.equal(h.queue.failures(key), 0);
    assert.equal(h.queue.scheduled(), 1);
    await h.advance(29_999);
    assert.equal(h.processed(key), 1, 'not before the requeue time');
    await h.advance(1);
    assert.equal(h.processed(key), 2, 'processed again at the requeue time');
    assert.equal(h.queue.scheduled(), 0);
  });

  it('keeps one delayed add per key: the latest ask (from the newest plan) replaces the earlier', async () => {
    const h = harness({});
    h.queue.addAfter(svc('a'), 10_000);
    h.queue.addAfter(svc('a'), 2_000);
    h.queue.addAfter(svc('a'), 5_000);
    assert.equal(h.queue.scheduled(), 1);
    await h.advance(4_999);
    assert.equal(h.processed(svc('a')), 0);
    await h.advance(1);
    assert.equal(h.processed(svc('a')), 1);
    await h.advance(10_000);
    assert.equal(h.processed(svc('a')), 1, 'the earlier asks were replaced');
  });
});

describe('Reconcile contract: errors', () => {
  it('backs a failing key off exponentially (capped), and forgets its failures on success', async () => {
    const key = svc('flaky');
    const h = harness({ [keyString(key)]: (attempt) => (attempt < 5 ? new Error('ThrottlingException') : {}) });
    h.queue.add(key);
    await flush();
    for (let i = 0; i < 5; i += 1) await h.advance(h.retries.at(-1)!);
    assert.deepEqual(h.retries, [1_000, 2_000, 4_000, 8_000, 8_000], 'doubling up to the cap');
    assert.equal(h.queue.counts.addRateLimited, 5);
    assert.equal(h.processed(key), 6);
    assert.equal(h.queue.failures(key), 0, 'the success reset the count');
    // A new failure starts from the first step again.
    h.queue.addRateLimited(key, new Error('again'));
    assert.equal(h.retries.at(-1), 1_000);
  });

  it('backs off a key whose failure another reconcile reported, once while it already waits', async () => {
    const h = harness({});
    h.queue.addRateLimited(svc('write'), new Error('AccessDenied'));
    h.queue.addRateLimited(svc('write'), new Error('AccessDenied'));
    assert.equal(h.queue.failures(svc('write')), 1, 'one count while the backoff runs');
    await h.advance(999);
    assert.equal(h.processed(svc('write')), 0);
    await h.advance(1);
    assert.equal(h.processed(svc('write')), 1);
  });

  it('drops a key after a terminal error: logged by the caller, counted, not retried', async () => {
    const key = svc('gone');
    const h = harness({ [keyString(key)]: () => new TerminalError('no target named gone') });
    h.queue.add(key);
    await flush();
    assert.deepEqual(h.dropped, [{ key: keyString(key), message: 'no target named gone' }]);
    assert.equal(h.queue.counts.addRateLimited, 0);
    assert.equal(h.queue.failures(key), 0);
    await h.advance(10 * 60_000);
    assert.equal(h.processed(key), 1, 'never retried');
    assert.equal(h.queue.depth() + h.queue.retrying() + h.queue.scheduled(), 0);
  });
});

describe('Reconcile contract: bounds', () => {
  it('collapses waiting keys into one full reconcile when the bound is hit', async () => {
    const overflows: number[] = [];
    const h = harness({}, { maxKeys: 3, debounceMs: 100, onOverflow: (dropped) => overflows.push(dropped) });
    for (const name of ['a', 'b', 'c', 'd']) h.queue.add(svc(name));
    assert.deepEqual(overflows, [4]);
    await h.advance(100);
    assert.deepEqual(h.calls, ['full'], 'one full reconcile covers the dropped keys');
  });

  it('never processes one key twice at once, and dedupes it while queued', async () => {
    let release: (() => void) | undefined;
    let concurrent = 0;
    let most = 0;
    const h = harness(
      {},
      {
        workers: 4,
        process: async () => {
          concurrent += 1;
          most = Math.max(most, concurrent);
          await new Promise<void>((resolve) => (release = resolve));
          concurrent -= 1;
          return {};
        },
      },
    );
    for (let i = 0; i < 3; i += 1) h.queue.add(svc('a'));
    await flush();
    h.queue.add(svc('a'));
    h.queue.add(svc('a'));
    await flush();
    release!();
    await flush();
    release!();
    await flush();
    assert.equal(most, 1);
    assert.equal(h.queue.depth() + h.queue.active(), 0);
  });
});
