import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescingRunner } from '../../controller/runtime/serial.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CoalescingRunner', () => {
  it('never runs two jobs at once and lets everyone who asked during a run share the next one', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const releases: (() => void)[] = [];
    const runner = new CoalescingRunner(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      runs += 1;
      const run = runs;
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
      return run;
    });
    const first = runner.run();
    await flush();
    const during = [runner.run(), runner.run(), runner.run()];
    await flush();
    assert.equal(runs, 1, 'the asks during the first run wait');
    releases.shift()!();
    assert.equal(await first, 1);
    await flush();
    assert.equal(runs, 2, 'one shared follow-up run');
    releases.shift()!();
    assert.deepEqual(await Promise.all(during), [2, 2, 2]);
    assert.equal(maxRunning, 1);
  });

  it('starts the follow-up run even when the previous one failed', async () => {
    let calls = 0;
    const runner = new CoalescingRunner(async () => {
      calls += 1;
      await flush();
      if (calls === 1) throw new Error('first fails');
      return calls;
    });
    const first = runner.run();
    const second = runner.run();
    await assert.rejects(first, /first fails/);
    assert.equal(await second, 2);
    assert.equal(runner.busy, false);
  });
});
