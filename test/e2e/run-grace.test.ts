import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, writeCalls, type Harness } from './run-harness.js';
import { metricSum } from './reliability-support.js';

describe('run: requeue when a grace period ends', () => {
  let h: Harness;
  before(async () => {
    // Hourly resync that the test never fires: only the grace-period requeue can cause the deletions.
    h = await startHarness({ mode: 'enforce', gracePeriod: '2s', resync: '0 * * * *' });
    await h.settle();
  });
  after(async () => {
    await h?.close();
  });

  it('deletes orphans right after their grace period instead of at the next resync', async () => {
    // The first plan blocked them for their grace period. Read from the counter, not from the current plan: under
    // load the 2 s may already be over (and the orphans gone) by the time start-up has settled.
    const blocked = metricSum((await h.metrics.exposition()).body, 'ecs_discovery_actions_blocked_total', {
      rule: 'cloudMapOrphans',
      reason: 'grace-period',
    });
    assert.ok(blocked > 0, 'orphans wait for the grace period first');
    const truth = await eventually(
      () => h.sandbox.truth(),
      (t) => t.orphanServices.length === 0 && t.orphanInstances.length === 0,
      'orphans removed',
    );
    assert.deepEqual(truth.wronglyDeleted, []);
    // reports is deleted; old-batch (made by hand, never used by ECS) stays as ownership-unproven.
    assert.ok(writeCalls(h.sandbox)['servicediscovery:DeleteService'] >= 1);
    assert.deepEqual(
      truth.unprovenServices.map((s) => s.name),
      ['old-batch'],
    );
  });
});
