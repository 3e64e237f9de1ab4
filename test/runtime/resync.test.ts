import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resyncExpressionProblem, resyncJitterMs, resyncPeriodMs } from '../../controller/runtime/resync.js';

describe('resync schedule', () => {
  it('computes the period readiness counts in', () => {
    const from = new Date('2026-01-01T00:03:00Z');
    assert.equal(resyncPeriodMs('*/10 * * * *', from), 10 * 60_000);
    assert.equal(resyncPeriodMs('0 * * * *', from), 60 * 60_000);
    assert.equal(resyncPeriodMs('0 9,17 * * *', from), 8 * 60 * 60_000, 'the shortest gap, not the longest');
  });

  it('jitters by a tenth of the period, at most a minute', () => {
    assert.equal(resyncJitterMs(10 * 60_000), 60_000);
    assert.equal(resyncJitterMs(5 * 60_000), 30_000);
    assert.equal(resyncJitterMs(60 * 60_000), 60_000);
  });

  it('explains an invalid expression', () => {
    assert.equal(resyncExpressionProblem('*/10 * * * *'), undefined);
    assert.match(
      resyncExpressionProblem('*/10 * *') ?? '',
      /five fields .* or six with seconds first \(second minute hour day-of-month month day-of-week\)/,
    );
  });
});
