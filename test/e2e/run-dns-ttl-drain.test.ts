/**
 * Drain-safe TTLs through the real SDK against the sandbox (issue #15): a service whose task definition kills its
 * container 10 s after SIGTERM, registered with a 60 s TTL, is drift under `dnsTtl.max: auto` (bound 10 s - 5 s
 * drainMargin = 5 s); audit mode names the task definition and container, enforce mode writes 5 s and the
 * sandbox's truth no longer lists it. A service whose containers keep ECS's default 30 s is left alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetServiceCommand } from '@aws-sdk/client-servicediscovery';
import { startHarness, type Harness } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';

const SCENARIO = {
  name: 'dns-ttl-drain',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'payments',
          desiredCount: 2,
          created: '-20d',
          stopTimeout: 10,
          registry: { namespace: 'internal.example.com', ttl: 60 },
        },
        // ECS's default stopTimeout (30 s): a 20 s TTL is within its 25 s bound.
        { name: 'search', desiredCount: 1, created: '-20d', registry: { namespace: 'internal.example.com', ttl: 20 } },
      ],
    },
  ],
};

function policy(mode: 'audit' | 'enforce'): string {
  return policyYaml({
    name: 'drain',
    mode,
    target: { clusters: ['prod'], namespaces: ['internal.example.com'] },
    rules: {
      serviceConnectRefresh: { enabled: false },
      cloudMapOrphans: { enabled: false },
      taskLimit: { enabled: false },
      dnsTtl: { max: 'auto', set: '30s', drainMargin: '5s' },
    },
  });
}

describe('dnsTtl max: auto against the sandbox', () => {
  let h: Harness;
  const ttls = async (name: string) => {
    const id = h.sandbox.cloudMap.services().find((s) => s.name === name)!.id;
    const { Service } = await h.clients.serviceDiscovery.send(new GetServiceCommand({ Id: id }));
    return Service?.DnsConfig?.DnsRecords?.map((r) => r.TTL);
  };
  before(async () => {
    h = await startHarness({ mode: 'enforce', scenario: SCENARIO, start: false });
  });
  after(async () => {
    await h?.close();
  });

  it('audit mode reports the 60 s TTL above the 5 s drain bound, naming the task definition and container', async () => {
    assert.deepEqual(
      h.sandbox.truth().ttlExceedsDrain.map((d) => [d.name, d.ttl, d.boundSeconds]),
      [['payments', 60, 5]],
    );
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policy('audit'));
    const { plan, outcomes } = await h.controller.runOnce();
    const findings = plan.findings.filter((f) => f.rule === 'dnsTtl');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    const truth = h.sandbox.truth().ttlExceedsDrain[0];
    // The truth names the revision by ARN; the finding by family:revision, as the ECS console does.
    const familyRevision = truth.taskDefinition.split('/').pop();
    assert.ok(
      findings[0].desired.includes(`drain bound: ${familyRevision} container ${truth.container} stopTimeout 10s`),
      findings[0].desired,
    );
    assert.equal(outcomes.filter((o) => o.action.type === 'cloudmap:UpdateDnsTtl').length, 0);
    assert.deepEqual(await ttls('payments'), [60]);
  });

  it('enforce mode writes the bound (5 s, below set), follows it to success, and leaves the 20 s TTL alone', async () => {
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policy('enforce'));
    const { outcomes } = await h.controller.runOnce();
    const ttlActions = outcomes.filter((o) => o.action.type === 'cloudmap:UpdateDnsTtl');
    assert.deepEqual(
      ttlActions.map((o) => o.result),
      ['pending', 'success'],
      JSON.stringify(outcomes),
    );
    assert.deepEqual(await ttls('payments'), [5]);
    assert.deepEqual(await ttls('search'), [20]);
    assert.deepEqual(h.sandbox.truth().ttlExceedsDrain, []);
  });
});
