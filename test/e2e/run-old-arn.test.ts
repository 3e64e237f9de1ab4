/**
 * Old-format service ARNs (`service/NAME`, no cluster) through the real SDK: ECS Deployment State Change events
 * carry no clusterArn, so the controller maps them through the cluster of the service it read with that ARN.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { eventually, FLEET, startHarness, type Harness } from './run-harness.js';

const OLD_ARN_FLEET = {
  ...FLEET,
  clusters: FLEET.clusters.map((c) => ({
    ...c,
    services: c.services.map((s) => (s.name === 'web' ? { ...s, arnFormat: 'short' } : s)),
  })),
};

describe('run: events about services with old-format ARNs', () => {
  let h: Harness;
  before(async () => {
    // Audit mode: only the test's own deployment makes events.
    h = await startHarness({ mode: 'audit', scenario: OLD_ARN_FLEET });
    await h.settle();
  });
  after(async () => {
    await h?.close();
  });

  it('maps a Deployment State Change of service/NAME to the service the controller knows, instead of dropping it', async () => {
    const { services } = await h.clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    assert.equal(services![0].serviceArn, 'arn:aws:ecs:us-east-1:123456789012:service/web', 'the old format');
    await h.clients.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', forceNewDeployment: true }));
    h.advance(5_000);
    const metrics = await eventually(
      async () => (await h.metrics.exposition()).body,
      (body) => /ecs_discovery_events_received_total\{detail_type="ECS Deployment State Change"\} [2-9]/.test(body),
      'the deployment started and completed events',
    );
    assert.doesNotMatch(metrics, /events_malformed_total\{reason="service-arn-without-cluster"\}/);
  });
});
