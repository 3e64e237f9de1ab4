import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, writeCalls, type Harness } from './run-harness.js';

const MINUTE = 60_000;

/** The drift that matters for "changed nothing", without timestamps that move with the clock. */
function driftShape(h: Harness) {
  const truth = h.sandbox.truth();
  return {
    brokenPairs: truth.brokenPairs.map((p) => `${p.client}->${p.endpoint}`).sort(),
    orphanServices: truth.orphanServices.map((s) => s.name).sort(),
    orphanInstances: truth.orphanInstances.length,
    ttlByService: truth.ttlByService,
  };
}

describe('run: modes that must never write', () => {
  let h: Harness | undefined;
  after(async () => {
    await h?.close();
  });

  it('audit mode reports every drift and changes nothing, even past the grace period', async () => {
    h = await startHarness({ mode: 'audit' });
    const before = driftShape(h);
    await h.settle();
    h.advance(30 * MINUTE);
    h.tick();
    await h.settle();

    assert.deepEqual(writeCalls(h.sandbox), {
      'ecs:UpdateService': 0,
      'servicediscovery:DeleteService': 0,
      'servicediscovery:DeregisterInstance': 0,
      'servicediscovery:UpdateService': 0,
    });
    assert.deepEqual(driftShape(h), before);
    const plan = h.controller.plan()!;
    const rules = new Set(plan.findings.map((f) => f.rule));
    for (const rule of ['serviceConnectRefresh', 'cloudMapOrphans', 'dnsTtl'] as const)
      assert.ok(rules.has(rule), `${rule} reported`);
    assert.ok(
      plan.actions.length > 0 && plan.actions.every((a) => a.decision === 'blocked' && a.blockedBy !== undefined),
    );
    assert.ok(plan.actions.some((a) => a.blockedBy === 'audit-mode'));
    const status = h.controller.status();
    assert.equal(status.ready, true);
    assert.ok((status.policies[0].drift.cloudMapOrphans ?? 0) > 0, 'drift is visible in /status');
    const metrics = (await h.metrics.exposition()).body;
    assert.match(metrics, /ecs_discovery_drift_resources\{policy="fleet",rule="dnsTtl",state="accepted"\} [1-9]/);
    await h.close();
    h = undefined;
  });

  it('--dry-run on an enforce policy decides as enforce would and writes nothing', async () => {
    h = await startHarness({ mode: 'enforce', gracePeriod: '0s', dryRun: true });
    await h.settle();
    assert.deepEqual(Object.values(writeCalls(h.sandbox)), [0, 0, 0, 0]);
    const plan = h.controller.plan()!;
    assert.ok(plan.actions.some((a) => a.blockedBy === 'dry-run'));
    assert.equal(h.controller.status().dryRun, true);
  });
});
