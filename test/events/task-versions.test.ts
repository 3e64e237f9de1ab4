import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskVersionTracker } from '../../controller/events/task-versions.js';

describe('TaskVersionTracker', () => {
  it('treats a repeated or older version of a task as stale, and a newer one as news', () => {
    const tracker = new TaskVersionTracker();
    assert.equal(tracker.isStale('task/a', 3), false);
    tracker.record('task/a', 3);
    assert.equal(tracker.isStale('task/a', 3), true, 'duplicate delivery');
    assert.equal(tracker.isStale('task/a', 2), true, 'out of order');
    assert.equal(tracker.isStale('task/a', 4), false);
    assert.equal(tracker.isStale('task/b', 1), false, 'other tasks are independent');
  });

  it('keeps the highest version even when an older one is recorded later', () => {
    const tracker = new TaskVersionTracker();
    tracker.record('task/a', 5);
    tracker.record('task/a', 2);
    assert.equal(tracker.isStale('task/a', 4), true);
  });

  it('forgets the least recently seen task first when full', () => {
    const tracker = new TaskVersionTracker(2);
    tracker.record('task/a', 1);
    tracker.record('task/b', 1);
    tracker.record('task/a', 2); // a is now the most recent
    tracker.record('task/c', 1); // evicts b
    assert.equal(tracker.size, 2);
    assert.equal(tracker.isStale('task/b', 1), false, 'b was forgotten');
    assert.equal(tracker.isStale('task/a', 2), true);
    assert.equal(tracker.isStale('task/c', 1), true);
  });

  it('an event with an absurd version cannot silence later real events for the task', () => {
    const tracker = new TaskVersionTracker();
    tracker.record('task/a', 3);
    // A forged (or buggy) event: version 1e15. It is news once, then the real sequence must still get through.
    assert.equal(tracker.isStale('task/a', 1e15), false);
    tracker.record('task/a', 1e15);
    assert.equal(tracker.isStale('task/a', 4), false, 'the next real state change is not dropped');
    tracker.record('task/a', 4);
    assert.equal(tracker.isStale('task/a', 4), true, 'dedup works again for the real sequence');
    assert.equal(tracker.isStale('task/a', 5), false);
    for (const bogus of [Number.MAX_VALUE, Infinity, -1, 2.5, 2 ** 60]) {
      tracker.record('task/b', bogus);
      assert.equal(tracker.isStale('task/b', 1), false, `version ${bogus} is not recorded`);
    }
  });

  it('rejects a capacity that would keep nothing', () => {
    assert.throws(() => new TaskVersionTracker(0), /positive integer/);
  });
});
