/**
 * Attack: a sequence of policy revisions that each delete a little. Each revision renames the policy, so its
 * maxDeletionsPerRun starts afresh; the operator's --max-deletions-per-hour must still hold for the namespace.
 * Through the real controller, SDK and sandbox: tasks die (their instances stay registered) between revisions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_BOUNDS } from '../../controller/policy/bounds.js';
import { startHarness, type Harness } from '../e2e/run-harness.js';

const SCENARIO = {
  name: 'deletion-budget',
  account: '123456789012',
  region: 'us-east-1',
  resolveGrace: '0s',
  namespaces: [{ name: 'batch.local', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        { name: 'worker', desiredCount: 14, created: '-20d', registry: { namespace: 'batch.local', ttl: 10 } },
      ],
    },
  ],
};

const revision = (name: string) => `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: ${name}
spec:
  mode: enforce
  target:
    clusters: [prod]
    namespaces: [batch.local]
  rules:
    cloudMapOrphans: { gracePeriod: 0s, maxDeletionsPerRun: 3 }
`;

describe('attack: many small revisions against the hourly deletion budget', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      mode: 'enforce',
      scenario: SCENARIO,
      start: false,
      allowed: { clusters: [], namespaces: [], accounts: [], bounds: { ...NO_BOUNDS, maxDeletionsPerHour: 3 } },
    });
  });
  after(async () => {
    await h?.close();
  });

  const deregistered = () =>
    (h.sandbox.calls.snapshot() as Record<string, number>)['servicediscovery:DeregisterInstance'] ?? 0;

  it("deletes at most the operator's budget in an hour, whatever the revisions ask", async () => {
    // Tasks keep dying between revisions: 2, 2, then 1 more stale instance (never more than a run may delete).
    for (const [i, [name, dying]] of (
      [
        ['rev-a', 2],
        ['rev-b', 2],
        ['rev-c', 1],
        ['rev-d', 0],
      ] as const
    ).entries()) {
      for (let k = 0; k < dying; k += 1)
        h.sandbox.drift({ kind: 'stale-instance', cluster: 'prod', ecsService: 'worker' });
      writeFileSync(join(h.policyDir, 'fleet.yaml'), revision(name));
      await h.controller.runOnce();
      if (i < 3) h.advance(10 * 60_000);
    }
    assert.equal(
      deregistered(),
      3,
      'four revisions in 30 minutes asked for 5 deregistrations; the budget is 3 per hour',
    );
    h.advance(60 * 60_000);
    writeFileSync(join(h.policyDir, 'fleet.yaml'), revision('rev-e'));
    await h.controller.runOnce();
    assert.equal(deregistered(), 5, 'an hour later the budget allows the last 2');
  });
});
