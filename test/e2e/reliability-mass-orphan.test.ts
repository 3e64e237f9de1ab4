import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand, ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { startReliabilityHarness, type ReliabilityHarness } from './reliability-harness.js';
import { control, isClean, metricSum, truthSummary } from './reliability-support.js';
import { policyYaml } from '../fixtures/policy.js';

/** Batch services scaled to zero keep empty Cloud Map services: they look orphaned to anyone who cannot see them. */
const BATCH_FLEET = {
  name: 'reliability-mass-orphan',
  namespaces: [{ name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        { name: 'api', desiredCount: 2, created: '-20d', registry: { namespace: 'internal.example.com', ttl: 10 } },
        ...['etl-1', 'etl-2', 'etl-3', 'etl-4'].map((name) => ({
          name,
          desiredCount: 0,
          created: '-20d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
        })),
        // The one real orphan: deleted, its Cloud Map service left behind.
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
};

const POLICY = policyYaml({
  name: 'fleet',
  mode: 'enforce',
  target: { clusters: ['prod'], namespaces: ['internal.example.com'] },
  rules: { cloudMapOrphans: { gracePeriod: '15m' } },
});

const MINUTE = 60_000;

describe('reliability: every ECS service vanishes from the listing (mass orphan)', () => {
  let h: ReliabilityHarness;
  let cloudMapBefore: string[];

  before(async () => {
    h = await startReliabilityHarness({ scenario: BATCH_FLEET, policyText: POLICY, start: false });
    cloudMapBefore = h.sandbox.cloudMap
      .services()
      .map((s) => s.name)
      .sort();
    const drift = await control(h.sandbox, 'POST', 'drift', { kind: 'hide-services' });
    assert.deepEqual(drift.hiddenClusters, ['*']);
    await h.controller.start();
    await h.controller.whenIdle();
  });
  after(async () => {
    await h?.close();
  });

  it('the listing is empty while the services still exist', async () => {
    const listed = await h.clients.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    assert.deepEqual(listed.serviceArns, []);
    const described = await h.clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['etl-1'] }));
    assert.equal(described.services?.[0]?.status, 'ACTIVE');
  });

  it('trips the sanity guard after the grace period and deletes nothing', async () => {
    h.advance(16 * MINUTE);
    h.tick();
    await h.controller.whenIdle();
    const deletes = h.controller.plan()!.actions.filter((a) => a.action.type === 'cloudmap:DeleteService');
    assert.equal(deletes.length, 5, 'etl-1..4 and reports look orphaned');
    // The batch services never ran a task, so nothing proves ECS used their registries: ownership-unproven. The
    // guard counts them as candidates all the same and stops the one deletion that had evidence (reports).
    const name = (p: (typeof deletes)[number]) =>
      p.finding.resource.kind === 'cloudmap-service' ? p.finding.resource.name : '';
    for (const planned of deletes)
      assert.equal(
        planned.blockedBy,
        name(planned) === 'reports' ? 'sanity-guard' : 'ownership-unproven',
        planned.detail,
      );
    const metrics = (await h.metrics.exposition()).body;
    assert.ok(
      metricSum(metrics, 'ecs_discovery_actions_blocked_total', { reason: 'sanity-guard' }) >= 1,
      'blocked deletions are counted',
    );
    assert.deepEqual(
      h.sandbox.cloudMap
        .services()
        .map((s) => s.name)
        .sort(),
      cloudMapBefore,
    );
    assert.deepEqual(h.sandbox.truth().wronglyDeleted, []);
    assert.equal(h.controller.readiness().ready, true, 'a tripped guard is not a failed reconcile');
  });

  it('once the services are listed again, only the real orphan is deleted', async () => {
    const drift = await control(h.sandbox, 'POST', 'drift', { kind: 'show-services' });
    assert.deepEqual(drift.hiddenClusters, []);
    h.advance(10 * MINUTE);
    h.tick();
    await h.controller.whenIdle();
    const truth = h.sandbox.truth();
    assert.ok(isClean(truth), truthSummary(truth));
    assert.deepEqual(truth.wronglyDeleted, []);
    assert.deepEqual(
      h.sandbox.cloudMap
        .services()
        .map((s) => s.name)
        .sort(),
      cloudMapBefore.filter((n) => n !== 'reports'),
    );
  });
});

describe('sandbox drift hide-services / show-services', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  const listed = async (cluster: string) =>
    (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns?.length ?? 0;

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      scenario: {
        clusters: [
          { name: 'one', services: [{ name: 'a' }] },
          { name: 'two', services: [{ name: 'b' }] },
        ],
      },
    });
    ecs = new ECSClient({
      endpoint: sandbox.url,
      region: sandbox.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  after(async () => {
    ecs.destroy();
    await sandbox.close();
  });

  it('hides one cluster by name, leaves the others, and show-services restores the listing', async () => {
    assert.deepEqual(await control(sandbox, 'POST', 'drift', { kind: 'hide-services', cluster: 'one' }), {
      kind: 'hide-services',
      hiddenClusters: ['one'],
    });
    assert.equal(await listed('one'), 0);
    assert.equal(await listed('two'), 1);
    await assert.rejects(
      ecs.send(new ListServicesCommand({ cluster: 'missing' })),
      { name: 'ClusterNotFoundException' },
      'ECS errors still come through',
    );
    await control(sandbox, 'POST', 'drift', { kind: 'show-services', cluster: 'one' });
    assert.equal(await listed('one'), 1);
  });

  it('rejects an unknown cluster with a message that names it', async () => {
    await assert.rejects(
      control(sandbox, 'POST', 'drift', { kind: 'hide-services', cluster: 'nope' }),
      /cluster nope does not exist/,
    );
  });
});
