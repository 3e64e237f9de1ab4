import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsClock } from '../../controller/aws/aws-clock.js';
import { ManualClock } from '../../controller/util/clock.js';

const T = Date.parse('2026-12-01T10:00:00Z');

describe('AwsClock', () => {
  it('follows the Date header of AWS responses when it is off by more than the header can tell', () => {
    const local = new ManualClock(T);
    const clock = new AwsClock(local);
    clock.observe(new Date(T + 3_600_000).toUTCString());
    assert.equal(clock.now(), T + 3_600_500, 'an hour ahead (Date has whole seconds: the middle of the second)');
    clock.observe(new Date(T - 3_600_000).toUTCString());
    assert.equal(clock.now(), T - 3_599_500, 'an hour behind');
  });

  it('ignores sub-second noise, missing and unparsable headers', () => {
    const local = new ManualClock(T + 700);
    const clock = new AwsClock(local);
    clock.observe(new Date(T).toUTCString());
    clock.observe(undefined);
    clock.observe('not a date');
    assert.equal(clock.now(), T + 700);
  });

  it('measures against the clock it is told to follow', () => {
    const clock = new AwsClock(new ManualClock(T));
    clock.observe(new Date(T + 3_600_000).toUTCString());
    const moved = new ManualClock(T + 3_600_000);
    clock.follow(moved);
    assert.equal(clock.now(), T + 3_600_000);
  });
});
