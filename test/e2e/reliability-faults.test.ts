import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyYaml, writeCalls } from './run-harness.js';
import { startReliabilityHarness, type ReliabilityHarness } from './reliability-harness.js';
import { control, converge, deploymentStarts, isClean, metricSum, truthSummary } from './reliability-support.js';

const MINUTE = 60_000;

/**
 * One of each drift kind, kept small: against throttling that does not ease when the caller slows down, the
 * SDK's adaptive retry mode (what `run` uses) keeps each client near its floor of a few calls a second, so one
 * full read of even this fleet takes seconds.
 */
const FAULT_FLEET = {
  name: 'reliability-faults',
  resolveGrace: '0s',
  namespaces: [
    { name: 'shop.local', type: 'HTTP', created: '-30d' },
    { name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' },
  ],
  clusters: [
    {
      name: 'prod',
      services: [
        // web and orders started before recommendations joined shop.local: both must be redeployed once.
        { name: 'web', desiredCount: 2, created: '-9h', serviceConnect: { namespace: 'shop.local' } },
        { name: 'orders', desiredCount: 1, created: '-9h', serviceConnect: { namespace: 'shop.local' } },
        {
          name: 'recommendations',
          desiredCount: 1,
          created: '-2h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['recommendations'] },
        },
        // ledger: a TTL above the policy's maximum, and a task that died without deregistering.
        { name: 'ledger', desiredCount: 2, created: '-10d', registry: { namespace: 'internal.example.com', ttl: 300 } },
        {
          name: 'reports',
          desiredCount: 1,
          created: '-60d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
          deleted: true,
        },
      ],
    },
  ],
  drift: [{ kind: 'stale-instance', cluster: 'prod', ecsService: 'ledger' }],
};
const LIVE_SERVICES = ['web', 'orders', 'recommendations', 'ledger'];

describe('reliability: 30 % throttling and 15 % server errors on every AWS call', () => {
  let h: ReliabilityHarness;
  let since: number;
  let staleClients: string[];

  before(async () => {
    // Grace period 0s: a run whose reads all succeeded may prune at once (a read error in a run restarts the
    // grace clock of what it could not see, so a long grace period needs that many clean runs in a row).
    h = await startReliabilityHarness({ scenario: FAULT_FLEET, policyText: policyYaml('enforce', '0s'), start: false });
    since = h.sandbox.clock.now();
    staleClients = [...new Set(h.sandbox.truth().brokenPairs.map((p) => p.client))].sort();
    // 15 %: the read plan makes a few hundred attempts now; at 5 % a run could see no 5xx at all and prove nothing.
    await control(h.sandbox, 'POST', 'faults', { operation: '*', throttleRate: 0.3, errorRate: 0.15 });
    await h.controller.start();
  });
  after(async () => {
    await h?.close();
  });

  it('starts with stale Service Connect clients to redeploy', () => {
    assert.deepEqual(staleClients, ['orders', 'web']);
  });

  it('converges: no broken pair, orphan or long TTL is left, and nothing still in use was deleted', async () => {
    // A bound on the wait, not a timing target: paced, adaptively retried reads (CloudTrail's 2 calls a second
    // among them) under this fault rate converge in 20-40 s alone and slower beside other suites.
    const truth = await converge(h, isClean, 'the fleet to converge under faults', {
      stepMs: MINUTE,
      timeoutMs: 150_000,
    });
    assert.deepEqual(truth.wronglyDeleted, [], truthSummary(truth));
    const metrics = (await h.metrics.exposition()).body;
    // The faults really hit the controller: otherwise this test would prove nothing.
    assert.ok(
      metricSum(metrics, 'ecs_discovery_aws_api_calls_total', { result: 'throttled' }) > 0,
      'some calls were throttled',
    );
    assert.ok(
      metricSum(metrics, 'ecs_discovery_aws_api_calls_total', { result: 'error' }) > 0,
      'some calls failed with 5xx',
    );
  });

  it('redeployed each stale client exactly once, and a converged fleet gets no more writes', async () => {
    // Events of the redeploys keep reconciles coming while faults last; they must not redeploy again.
    await control(h.sandbox, 'DELETE', 'faults');
    await h.controller.whenIdle();
    const writesBefore = writeCalls(h.sandbox);
    h.advance(10 * MINUTE);
    h.tick();
    await h.controller.whenIdle();
    const starts = await deploymentStarts(h.clients, 'prod', LIVE_SERVICES, since);
    const expected = Object.fromEntries(LIVE_SERVICES.map((name) => [name, staleClients.includes(name) ? 1 : 0]));
    assert.deepEqual(starts, expected);
    const truth = h.sandbox.truth();
    assert.ok(isClean(truth), truthSummary(truth));
    assert.deepEqual(truth.wronglyDeleted, []);
    assert.deepEqual(writeCalls(h.sandbox), writesBefore);
  });
});
