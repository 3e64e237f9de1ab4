/**
 * The work queue's bounds: event priority must not starve resync and grace-period requeues (an event flood
 * would otherwise postpone deletions and TTL fixes forever), and the queue cannot grow without limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type WorkQueueOptions } from '../../controller/runtime/workqueue.js';
import { ManualTimers } from '../../controller/util/clock.js';
import { keyString, type WorkKey } from '../../controller/inventory/work-key.js';

const svc = (service: string): WorkKey => ({ kind: 'ecs-service', cluster: 'prod', service });
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One worker; each process() call waits until the test finishes it. */
function harness(options: Partial<WorkQueueOptions> = {}) {
  const timers = new ManualTimers();
  const started: string[] = [];
  const pending: (() => void)[] = [];
  const queue = new WorkQueue({
    timers,
    workers: 1,
    debounceMs: 0,
    process: (key) =>
      new Promise<void>((resolve) => {
        started.push(keyString(key));
        pending.push(resolve);
      }),
    ...options,
  });
  /** Finishes the key in flight and lets the queue start the next. */
  const finishOne = async () => {
    pending.shift()!();
    await flush();
  };
  return { timers, queue, started, finishOne };
}

describe('WorkQueue: starvation bound', () => {
  it('a resync key that waited longer than the bound runs before newer event keys', async () => {
    const h = harness({ maxResyncWaitMs: 30_000 });
    h.queue.add(svc('busy'));
    await flush();
    h.queue.add({ kind: 'namespace', namespace: 'ns-grace' }, { priority: 'resync' });
    // A steady flood: each time a key finishes, a new event key is already waiting.
    for (let i = 0; i < 20; i += 1) {
      h.queue.add(svc(`e${i}`));
      h.timers.advance(5_000);
      await h.finishOne();
    }
    const at = h.started.indexOf('namespace/ns-grace');
    assert.ok(at > 0, `the resync key ran during the flood (order: ${h.started.join(', ')})`);
    // It waited about the bound (30 s at 5 s per event key), not until the flood ended.
    assert.ok(at <= 8, `ran after ${at} keys`);
  });

  it('below the bound, event keys still go first', async () => {
    const h = harness({ maxResyncWaitMs: 30_000 });
    h.queue.add(svc('busy'));
    await flush();
    h.queue.add(svc('r'), { priority: 'resync' });
    h.queue.add(svc('e'));
    h.timers.advance(1_000);
    await h.finishOne();
    await h.finishOne();
    assert.deepEqual(
      h.started.map((k) => k.split('/').pop()),
      ['busy', 'e', 'r'],
    );
  });
});

describe('WorkQueue: size bound', () => {
  it('on overflow, waiting keys collapse into one full reconcile, counted', async () => {
    const overflows: number[] = [];
    const h = harness({ maxKeys: 5, onOverflow: (dropped) => overflows.push(dropped) });
    h.queue.add(svc('busy'));
    await flush();
    for (let i = 0; i < 4; i += 1) h.queue.add(svc(`k${i}`), { priority: 'resync' });
    assert.equal(h.queue.depth(), 4);
    h.queue.add(svc('k4'), { priority: 'event' });
    assert.deepEqual(overflows, [5], 'four waiting keys and the new one');
    assert.equal(h.queue.depth(), 1, 'only the full reconcile waits');
    // Later adds while the full reconcile waits are kept until the bound is hit again.
    for (let i = 0; i < 100; i += 1) h.queue.add(svc(`flood${i}`));
    assert.ok(h.queue.depth() <= 5, `depth ${h.queue.depth()}`);
    for (let i = 0; i < 10 && h.queue.depth() + h.queue.active() > 0; i += 1) await h.finishOne();
    assert.ok(h.started.includes('full'));
    assert.equal(h.started.filter((k) => k === 'full').length, 1, 'one full reconcile per collapse while it waits');
    assert.ok(!h.started.includes('ecs-service/prod/k0'), 'dropped keys are covered by the full reconcile');
  });

  it('defaults to a bound', () => {
    const h = harness();
    for (let i = 0; i < 20_000; i += 1) h.queue.add(svc(`k${i}`), { priority: 'resync' });
    assert.ok(h.queue.depth() <= 10_001, `depth ${h.queue.depth()}`);
  });
});
