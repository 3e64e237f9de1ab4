/**
 * dnsTtl through the real SDK against the sandbox: only records above `max` change (to `set`); a record already
 * at or below `max` keeps its TTL, and a policy may name its namespace by ARN (README, spec.target).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetServiceCommand } from '@aws-sdk/client-servicediscovery';
import { startHarness, type Harness } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';

const SCENARIO = {
  name: 'dns-ttl',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [{ name: 'prod', services: [] }],
  cloudMap: {
    services: [
      // A 6 s A record (deliberately short) beside a 60 s SRV record: only the SRV record is drift.
      {
        namespace: 'internal.example.com',
        name: 'mixed',
        records: [
          { Type: 'A', TTL: 6 },
          { Type: 'SRV', TTL: 60 },
        ],
        created: '-10d',
      },
      { namespace: 'internal.example.com', name: 'short', records: [{ Type: 'A', TTL: 5 }], created: '-10d' },
    ],
  },
};

function policy(namespaceArn: string): string {
  return policyYaml({
    name: 'ttl',
    mode: 'enforce',
    target: { clusters: ['prod'], namespaces: [namespaceArn] },
    rules: {
      serviceConnectRefresh: { enabled: false },
      cloudMapOrphans: { enabled: false },
      taskLimit: { enabled: false },
      dnsTtl: { max: '10s', set: '10s' },
    },
  });
}

describe('dnsTtl against the sandbox', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ mode: 'enforce', scenario: SCENARIO, start: false });
    const namespace = h.sandbox.cloudMap.namespaces().find((n) => n.name === 'internal.example.com')!;
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policy(namespace.arn));
  });
  after(async () => {
    await h?.close();
  });

  it('a policy naming its namespace by ARN lowers only the records above max and leaves 5 s and 6 s records alone', async () => {
    const { outcomes } = await h.controller.runOnce();
    // Submitted (pending), then followed to SUCCESS before run --once ends.
    const ttlActions = outcomes.filter((o) => o.action.type === 'cloudmap:UpdateDnsTtl');
    assert.deepEqual(
      ttlActions.map((o) => o.result),
      ['pending', 'success'],
      JSON.stringify(outcomes),
    );
    const ttls = async (name: string) => {
      const id = h.sandbox.cloudMap.services().find((s) => s.name === name)!.id;
      const { Service } = await h.clients.serviceDiscovery.send(new GetServiceCommand({ Id: id }));
      return Service?.DnsConfig?.DnsRecords?.map((r) => [r.Type, r.TTL]);
    };
    assert.deepEqual(await ttls('mixed'), [
      ['A', 6],
      ['SRV', 10],
    ]);
    assert.deepEqual(await ttls('short'), [['A', 5]]);
  });
});
