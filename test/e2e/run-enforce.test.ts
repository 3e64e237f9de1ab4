import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, writeCalls, type Harness } from './run-harness.js';

const MINUTE = 60_000;

describe('run (enforce): the controller fixes every kind of drift against the sandbox', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ mode: 'enforce' });
  });
  after(async () => {
    await h?.close();
  });

  it('starts with the drift the fleet was built with', () => {
    const truth = h.sandbox.truth();
    assert.ok(
      truth.brokenPairs.some((p) => p.client === 'web' && p.endpoint === 'recommendations'),
      'web cannot reach recommendations',
    );
    assert.deepEqual(truth.orphanServices.map((s) => s.name).sort(), ['reports']);
    // Made by hand, never used by ECS: reported as ownership-unproven, never deleted.
    assert.deepEqual(
      truth.unprovenServices.map((s) => s.name),
      ['old-batch'],
    );
    assert.equal(truth.orphanInstances.length, 1, 'ledger stale instance');
    assert.ok(
      Object.values(truth.ttlByService).some((ttl) => ttl > 10),
      'search TTL 300',
    );
  });

  it('redeploys stale clients and lowers TTLs at once, but waits the grace period before deleting', async () => {
    await h.settle();
    assert.equal(h.controller.readiness().ready, true, JSON.stringify(h.controller.readiness()));
    const truth = h.sandbox.truth();
    assert.ok(
      Object.values(truth.ttlByService).every((ttl) => ttl <= 10),
      `TTLs: ${JSON.stringify(truth.ttlByService)}`,
    );
    assert.ok(writeCalls(h.sandbox)['ecs:UpdateService'] >= 1, 'web was redeployed');
    assert.equal(writeCalls(h.sandbox)['servicediscovery:DeleteService'], 0, 'nothing deleted inside the grace period');
    assert.deepEqual(truth.orphanServices.map((s) => s.name).sort(), ['reports']);
    const blocked = h.controller
      .plan()!
      .actions.filter((a) => a.decision === 'blocked')
      .map((a) => a.blockedBy);
    assert.ok(blocked.includes('grace-period'), `blocked: ${blocked.join(', ')}`);
  });

  it('after the grace period, the resync deletes orphans and the fleet is clean, with nothing wrongly deleted', async () => {
    h.advance(16 * MINUTE);
    h.tick();
    await h.settle();
    // Let the redeployments finish: new tasks start, old ones drain.
    const truth = await eventually(
      () => {
        h.advance(MINUTE);
        return h.sandbox.truth();
      },
      (t) => t.brokenPairs.length === 0 && t.orphanServices.length === 0 && t.orphanInstances.length === 0,
      'a clean ground truth',
    );
    assert.deepEqual(truth.wronglyDeleted, []);
    assert.ok(Object.values(truth.ttlByService).every((ttl) => ttl <= 10));
    assert.deepEqual(
      truth.protectedServices.map((s) => s.name),
      ['partner-gateway'],
      'the protected service survives',
    );
    assert.deepEqual(
      truth.unprovenServices.map((s) => s.name),
      ['old-batch'],
      'the service ECS never used survives',
    );
    assert.ok(truth.ttlByService !== undefined);
    const status = h.controller.status();
    assert.equal(status.ready, true);
    assert.ok(status.recentActions.some((a) => a.action === 'cloudmap:DeleteService' && a.result === 'success'));
    const metrics = (await h.metrics.exposition()).body;
    assert.match(
      metrics,
      /ecs_discovery_actions_total\{[^}]*action="cloudmap:DeleteService"[^}]*result="success"[^}]*\} [1-9]/,
    );
  });

  it('a resync on a clean fleet changes nothing', async () => {
    const before = writeCalls(h.sandbox);
    h.advance(10 * MINUTE);
    h.tick();
    await h.settle();
    assert.deepEqual(writeCalls(h.sandbox), before);
  });
});
