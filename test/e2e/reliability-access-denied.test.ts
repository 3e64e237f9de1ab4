import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startReliabilityHarness, type ReliabilityHarness } from './reliability-harness.js';
import { control, isClean, truthSummary } from './reliability-support.js';
import { policyYaml } from '../fixtures/policy.js';

/**
 * Two clusters. alpha has drift the controller must fix; bravo's services hold Cloud Map services that look
 * unused when bravo cannot be listed: "nightly" is scaled to zero (its Cloud Map service is empty) and
 * "audit-api" registers into the other team's namespace.
 */
const TWO_CLUSTERS = {
  name: 'reliability-access-denied',
  namespaces: [
    { name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' },
    { name: 'batch.internal', type: 'DNS_PRIVATE', created: '-90d' },
  ],
  clusters: [
    {
      name: 'alpha',
      services: [
        { name: 'search', desiredCount: 1, created: '-20d', registry: { namespace: 'internal.example.com', ttl: 300 } },
        { name: 'ledger', desiredCount: 2, created: '-10d', registry: { namespace: 'internal.example.com', ttl: 10 } },
        {
          name: 'reports',
          desiredCount: 1,
          created: '-60d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
          deleted: true,
        },
      ],
    },
    {
      name: 'bravo',
      services: [
        { name: 'worker', desiredCount: 2, created: '-20d', registry: { namespace: 'batch.internal', ttl: 10 } },
        { name: 'nightly', desiredCount: 0, created: '-20d', registry: { namespace: 'batch.internal', ttl: 10 } },
        {
          name: 'audit-api',
          desiredCount: 0,
          created: '-20d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
        },
      ],
    },
  ],
  drift: [{ kind: 'stale-instance', cluster: 'alpha', ecsService: 'ledger' }],
};

const POLICY = policyYaml({
  name: 'fleet',
  mode: 'enforce',
  target: { clusters: ['alpha', 'bravo'], namespaces: ['internal.example.com', 'batch.internal'] },
  rules: { cloudMapOrphans: { gracePeriod: '0s' }, dnsTtl: { max: '10s', set: '10s' } },
});

const MINUTE = 60_000;

/** The same failure of one cluster's listing, with an error the SDK does not retry or one it retries until it gives up. */
function failingClusterSuite(errorCode: string): void {
  describe(`reliability: ${errorCode} on one cluster's ListServices`, () => {
    let h: ReliabilityHarness;
    let cloudMapBefore: string[];

    before(async () => {
      h = await startReliabilityHarness({ scenario: TWO_CLUSTERS, policyText: POLICY, start: false });
      cloudMapBefore = h.sandbox.cloudMap
        .services()
        .map((s) => s.name)
        .sort();
      await control(h.sandbox, 'POST', 'faults', { operation: 'ecs:ListServices', errorCode, match: 'bravo' });
      await h.controller.start();
      await h.controller.whenIdle();
    });
    after(async () => {
      await h?.close();
    });

    it('deletes no Cloud Map service while a cluster could not be listed, not even the real orphan', () => {
      const names = h.sandbox.cloudMap
        .services()
        .map((s) => s.name)
        .sort();
      assert.deepEqual(names, cloudMapBefore, 'nightly and audit-api (used by bravo) and reports all still exist');
      const truth = h.sandbox.truth();
      assert.deepEqual(truth.wronglyDeleted, []);
      const deletes = h.controller.plan()!.actions.filter((a) => a.action.type === 'cloudmap:DeleteService');
      assert.ok(deletes.length > 0, 'the plan saw Cloud Map services nobody seemed to use');
      for (const planned of deletes) {
        assert.equal(planned.decision, 'blocked', JSON.stringify(planned.action));
        assert.equal(planned.blockedBy, 'scope-read-error');
      }
      for (const planned of deletes)
        assert.match(planned.detail ?? '', /bravo/, 'the block names the cluster that could not be read');
    });

    it('still fixes what it could read: the long TTL and the stale instance in alpha', () => {
      const truth = h.sandbox.truth();
      assert.ok(
        Object.values(truth.ttlByService).every((ttl) => ttl <= 10),
        truthSummary(truth),
      );
      assert.deepEqual(truth.orphanInstances, []);
      assert.deepEqual(
        truth.orphanServices.map((s) => s.name),
        ['reports'],
      );
    });

    it('once bravo can be listed again, the next resync deletes the real orphan and nothing else', async () => {
      await control(h.sandbox, 'DELETE', 'faults');
      h.advance(10 * MINUTE);
      h.tick();
      await h.controller.whenIdle();
      const truth = h.sandbox.truth();
      assert.ok(isClean(truth), truthSummary(truth));
      assert.deepEqual(truth.wronglyDeleted, []);
      const names = h.sandbox.cloudMap
        .services()
        .map((s) => s.name)
        .sort();
      assert.deepEqual(
        names,
        cloudMapBefore.filter((n) => n !== 'reports'),
      );
    });
  });
}

failingClusterSuite('AccessDeniedException');
failingClusterSuite('ServerException');
