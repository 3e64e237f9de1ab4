import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { windowStatus } from '../../controller/plan/windows.js';

const HOUR = 3_600_000;

describe('windowStatus', () => {
  const nightly = { schedule: '0 2 * * *', durationMs: 2 * HOUR, timezone: 'UTC' };
  const weekend = { schedule: '0 10 * * 6', durationMs: 4 * HOUR, timezone: 'Europe/Paris' };
  const cases = [
    { name: 'no windows: always open', windows: [], now: '2026-11-25T12:00:00Z', open: true },
    { name: 'inside the nightly window', windows: [nightly], now: '2026-11-25T02:59:00Z', open: true },
    { name: 'before it opens', windows: [nightly], now: '2026-11-25T01:59:59Z', open: false },
    { name: 'any of several windows opens', windows: [nightly, weekend], now: '2026-11-28T10:30:00Z', open: true },
    {
      name: 'Saturday 10:00 Paris is 09:00 UTC in winter',
      windows: [weekend],
      now: '2026-11-28T09:00:00Z',
      open: true,
    },
    {
      name: 'Saturday 10:00 UTC is 11:00 Paris: still inside',
      windows: [weekend],
      now: '2026-11-28T12:59:00Z',
      open: true,
    },
    { name: 'Saturday 13:00 UTC is 14:00 Paris: closed', windows: [weekend], now: '2026-11-28T13:00:00Z', open: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(windowStatus(c.windows, Date.parse(c.now)).open, c.open);
    });
  }

  it('says when the next window opens, and treats an unreadable schedule as closed', () => {
    assert.match(
      windowStatus([nightly], Date.parse('2026-11-25T12:00:00Z')).detail,
      /next window opens at 2026-11-26T02:00:00.000Z/,
    );
    const broken = windowStatus(
      [{ schedule: 'not a cron', durationMs: HOUR, timezone: 'UTC' }],
      Date.parse('2026-11-25T12:00:00Z'),
    );
    assert.equal(broken.open, false);
    assert.match(broken.detail, /cannot be read/);
  });
});
