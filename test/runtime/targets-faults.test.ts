import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, writeCalls } from '../e2e/run-harness.js';
import {
  POLICY_A_NO_GRACE,
  POLICY_B,
  startTwoTargets,
  ttlOf,
  type TwoTargetHarness,
} from '../e2e/run-targets-harness.js';

describe('Controller with two targets: a target that cannot be read does not hold up the other', () => {
  let h: TwoTargetHarness;
  before(async () => {
    h = await startTwoTargets({
      // No grace period, so A's orphans go in the first reconcile.
      policies: { 'a.yaml': POLICY_A_NO_GRACE, 'b.yaml': POLICY_B },
      prepare: ({ b }) => {
        b.faults.add({ operation: 'ecs:ListClusters', errorCode: 'AccessDeniedException' });
        b.faults.add({ operation: 'servicediscovery:ListNamespaces', errorCode: 'AccessDeniedException' });
      },
    });
  });
  after(async () => {
    await h?.close();
  });

  it("fixes A while B's reads are denied, and writes nothing to B", async () => {
    const a = await eventually(
      () => h.a.truth(),
      (t) => t.orphanServices.length === 0 && t.orphanInstances.length === 0,
      "A's orphans to be gone",
    );
    assert.deepEqual(a.wronglyDeleted, []);
    assert.equal(ttlOf(h.b, 'b-api'), 60, 'B unchanged');
    assert.deepEqual(Object.values(writeCalls(h.b)), [0, 0, 0, 0]);
    assert.ok(h.b.calls.snapshot()['ecs:ListClusters'] >= 1, 'B was tried');
  });

  it('reports the failing target: not ready, /status names it on its policy and target, the full key is retried', async () => {
    const status = await eventually(
      () => h.controller.status(),
      (s) => s.targets.some((t) => t.lastError) && s.targets.some((t) => t.lastSuccessfulReconcile),
      "B's error and A's success in /status",
    );
    const readiness = h.controller.readiness();
    assert.equal(readiness.ready, false);
    assert.match(
      readiness.ready ? '' : readiness.reason,
      /no reconcile has succeeded yet \(target eu-west-1 as arn:aws:iam::222222222222:role/,
    );
    const b = status.targets.find((t) => !t.default)!;
    assert.match(b.lastError!.message, /AccessDenied.*eu-west-1|eu-west-1.*AccessDenied/);
    assert.equal(status.targets.find((t) => t.default)!.lastError, undefined);
    const ready = (name: string) =>
      status.policies.find((p) => p.name === name)!.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready('fleet-a').status, 'True');
    assert.equal(ready('fleet-b').status, 'False');
    assert.equal(ready('fleet-b').reason, 'ReconcileFailed');
    assert.ok(h.controller.queue.failures({ kind: 'full' }) >= 1);
    assert.match((await h.metrics.exposition()).body, /ecs_discovery_reconcile_errors_total [1-9]/);
  });

  it("fixes B once it can be read again, and A's fixes stay as they are", async () => {
    const aWrites = writeCalls(h.a);
    h.b.faults.clear();
    await eventually(
      () => ttlOf(h.b, 'b-api')! <= 10 && ttlOf(h.b, 'b-web')! <= 10,
      (done) => done,
      "B's TTLs lowered after the retry",
    );
    await eventually(
      () => h.controller.readiness().ready,
      (ready) => ready,
      'readiness once B reconciled',
    );
    await h.settle();
    assert.deepEqual(writeCalls(h.a), aWrites, 'nothing more written to A');
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300);
    assert.deepEqual(h.b.truth().wronglyDeleted, []);
  });
});

describe('Controller with two targets: clients for a target cannot be made', () => {
  let h: TwoTargetHarness;
  before(async () => {
    h = await startTwoTargets({
      policies: { 'a.yaml': POLICY_A_NO_GRACE, 'b.yaml': POLICY_B },
      factoryFailures: Number.MAX_SAFE_INTEGER,
    });
  });
  after(async () => {
    await h?.close();
  });

  it("starts anyway, fixes A, never uses A's clients for B's policy, and reports B as failing", async () => {
    await eventually(
      () => h.a.truth(),
      (t) => t.orphanServices.length === 0 && t.orphanInstances.length === 0,
      "A's orphans to be gone",
    );
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300, "fleet-b did not fall back to A's clients");
    assert.equal(writeCalls(h.a)['servicediscovery:UpdateService'], 0);
    const status = await eventually(
      () => h.controller.status(),
      (s) => s.targets.length === 2 && s.targets.every((t) => t.lastSuccessfulReconcile || t.lastError),
      'both targets in /status',
    );
    const b = status.targets.find((t) => !t.default)!;
    assert.deepEqual(b.policies, ['fleet-b']);
    assert.match(
      b.lastError!.message,
      /cannot make AWS clients for target eu-west-1 as arn:aws:iam::222222222222:role\/discovery-controller: no credentials/,
    );
    const readiness = h.controller.readiness();
    assert.match(readiness.ready ? '' : readiness.reason, /target eu-west-1/);
    assert.equal(
      status.policies.find((p) => p.name === 'fleet-b')!.conditions.find((c) => c.type === 'Ready')!.status,
      'False',
    );
    assert.ok(h.factory.targets.length >= 2, 'the failed full reconcile is retried, asking the factory again');
  });

  it("makes B's clients on a later retry and fixes B", async () => {
    h.factory.failuresLeft = 0;
    await eventually(
      () => ttlOf(h.b, 'b-api')! <= 10 && ttlOf(h.b, 'b-web')! <= 10,
      (done) => done,
      "B's TTLs lowered after the retry",
    );
    await eventually(
      () => h.controller.readiness().ready,
      (ready) => ready,
      'readiness once B reconciled',
    );
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300);
    assert.deepEqual(h.b.truth().wronglyDeleted, []);
  });
});
