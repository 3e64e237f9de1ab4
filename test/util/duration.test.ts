import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, requireDuration } from '../../controller/util/duration.js';

test('parses the duration forms policies use', () => {
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('5h'), 18_000_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
});

test('rejects text that is not a duration', () => {
  for (const bad of ['', '5', '5d', '-5m', '1.5h', 'h', '5 m', '5M', 'abc']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
  assert.throws(() => requireDuration('5d', 'cooldown'), /invalid cooldown "5d"/);
});

test('formats back to the shortest form', () => {
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(10_000), '10s');
});
