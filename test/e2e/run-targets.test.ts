import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { eventually, writeCalls } from './run-harness.js';
import { cloudMapNames, startTwoTargets, TARGET_B, ttlOf, type TwoTargetHarness } from './run-targets-harness.js';

const MINUTE = 60_000;

describe('run with a policy for another account and region: each policy acts on its own target only', () => {
  let h: TwoTargetHarness;
  before(async () => {
    h = await startTwoTargets({ policyPollIntervalMs: 100 });
  });
  after(async () => {
    await h?.close();
  });

  it('starts with different drift in the two fleets', () => {
    const a = h.a.truth();
    const b = h.b.truth();
    assert.deepEqual(
      a.orphanServices.map((s) => s.name),
      ['a-gone'],
    );
    assert.equal(a.orphanInstances.length, 1, 'a-api stale instance');
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300);
    assert.equal(ttlOf(h.b, 'b-api'), 60);
    assert.equal(ttlOf(h.b, 'b-web'), 120);
    // A Cloud Map service made by hand that ECS never used: unreferenced, but not proven ECS's.
    assert.deepEqual(
      b.unprovenServices.map((s) => s.name),
      ['stray'],
    );
  });

  it("fixes B's TTLs in B through B's clients and never writes B's fix into A (the cross-account bug)", async () => {
    await h.settle();
    assert.equal(h.controller.readiness().ready, true, JSON.stringify(h.controller.readiness()));
    // fleet-b covers beta.local; A has a beta.local too. Evaluated against A's inventory, fleet-b would lower
    // this TTL in A: that is the bug this guards against.
    assert.equal(writeCalls(h.a)['servicediscovery:UpdateService'], 0, 'no TTL write reached A');
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300, 'A keeps the TTL only fleet-b (another account) would change');
    assert.ok(ttlOf(h.b, 'b-api')! <= 10 && ttlOf(h.b, 'b-web')! <= 10, JSON.stringify(h.b.truth().ttlByService));
    assert.deepEqual(
      h.factory.targets.map((t) => t.key),
      [TARGET_B],
      'one set of clients for B, none for the default target',
    );
    // Only fleet-b's findings name B's resources, and none of A's.
    const bIds = new Set(h.b.cloudMap.services().map((s) => s.id));
    const fleetB = h.controller.plan()!.findings.filter((f) => f.policy === 'fleet-b');
    assert.ok(fleetB.length >= 2);
    assert.ok(
      fleetB.every((f) => f.resource.kind === 'cloudmap-service' && bIds.has(f.resource.id)),
      JSON.stringify(fleetB.map((f) => f.resource)),
    );
    // Nothing deleted anywhere inside the grace period.
    assert.equal(writeCalls(h.a)['servicediscovery:DeleteService'], 0);
    assert.equal(writeCalls(h.b)['servicediscovery:DeleteService'], 0);
  });

  it("after the grace period A's orphans go from A; B's look-alike orphan (only A's policy names its namespace) stays", async () => {
    h.advance(16 * MINUTE);
    h.tick();
    await h.settle();
    const a = await eventually(
      () => h.a.truth(),
      (t) => t.orphanServices.length === 0 && t.orphanInstances.length === 0,
      "A's orphans to be gone",
    );
    assert.deepEqual(a.wronglyDeleted, []);
    assert.deepEqual(cloudMapNames(h.a), ['a-api', 'b-lookalike']);
    const b = h.b.truth();
    assert.deepEqual(b.wronglyDeleted, []);
    assert.deepEqual(
      b.unprovenServices.map((s) => s.name),
      ['stray'],
      'fleet-a never acts on B',
    );
    assert.equal(writeCalls(h.b)['servicediscovery:DeleteService'], 0);
    assert.equal(writeCalls(h.b)['servicediscovery:DeregisterInstance'], 0);
    assert.equal(writeCalls(h.b)['ecs:UpdateService'], 0);
    assert.equal(writeCalls(h.a)['servicediscovery:UpdateService'], 0);
    assert.equal(ttlOf(h.a, 'b-lookalike'), 300);
  });

  it('/status, readiness and metrics cover both targets', async () => {
    const status = h.controller.status();
    assert.equal(status.ready, true);
    const byName = new Map(status.policies.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('fleet-a')!.target, { region: 'us-east-1' });
    assert.deepEqual(byName.get('fleet-b')!.target, { region: 'eu-west-1', roleArn: TARGET_B.split('|')[1] });
    for (const p of status.policies)
      assert.equal(p.conditions.find((c) => c.type === 'Ready')!.status, 'True', JSON.stringify(p));
    assert.deepEqual(
      status.targets.map((t) => [t.region, t.default, t.policies]),
      [
        ['us-east-1', true, ['fleet-a']],
        ['eu-west-1', false, ['fleet-b']],
      ],
    );
    assert.ok(status.targets.every((t) => t.lastSuccessfulReconcile && !t.lastError));
    assert.ok(
      status.recentActions.some(
        (a) => a.policy === 'fleet-b' && a.action === 'cloudmap:UpdateDnsTtl' && a.result === 'success',
      ),
    );
    assert.ok(
      status.recentActions.some(
        (a) => a.policy === 'fleet-a' && a.action === 'cloudmap:DeleteService' && a.result === 'success',
      ),
    );
    const metrics = (await h.metrics.exposition()).body;
    assert.match(
      metrics,
      /ecs_discovery_actions_total\{[^}]*policy="fleet-b"[^}]*action="cloudmap:UpdateDnsTtl"[^}]*result="success"[^}]*\} [1-9]/,
    );
    assert.match(metrics, /ecs_discovery_drift_resources\{policy="fleet-b",rule="dnsTtl",state="actionable"\} 0/);
  });

  it("an ECS event from the controller's own queue re-reads A only, never B", async () => {
    const bCalls = h.b.calls.total();
    const lastOfA = () => h.controller.status().targets.find((t) => t.default)!.lastSuccessfulReconcile;
    const handled = lastOfA();
    await h.clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'alpha', service: 'a-api', forceNewDeployment: true }),
    );
    await eventually(lastOfA, (at) => at !== handled, 'a reconcile of A after the event');
    await h.settle();
    assert.equal(h.b.calls.total(), bCalls, `B was called: ${JSON.stringify(h.b.calls.snapshot())}`);
  });

  it("when no policy names B any more, B's clients are released and B is no longer read", async () => {
    rmSync(join(h.policyDir, 'b.yaml'));
    await eventually(
      () => h.controller.status().targets.length,
      (n) => n === 1,
      'the set without fleet-b',
    );
    await eventually(
      () => h.factory.destroyed,
      (n) => n === 1,
      "B's clients to be destroyed",
    );
    await h.settle();
    const bCalls = h.b.calls.total();
    h.advance(10 * MINUTE);
    h.tick();
    await h.settle();
    assert.equal(h.b.calls.total(), bCalls);
    assert.equal(h.controller.readiness().ready, true);
  });
});
