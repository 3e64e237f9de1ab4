/**
 * namespaceSoa through the real SDK against the sandbox: a DNS namespace whose SOA TTL (negative caching) is
 * above max is set to `set` with UpdatePrivateDnsNamespace, the operation is followed to its end, and a namespace
 * already within max, or an HTTP one, is left alone. Audit mode reports without writing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetNamespaceCommand } from '@aws-sdk/client-servicediscovery';
import { startHarness, type Harness } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';

const SCENARIO = {
  name: 'namespace-soa',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [
    // A day of negative caching on one namespace (as a hand-made hosted zone has), a minute on the other.
    { name: 'slow.example.com', type: 'DNS_PRIVATE', created: '-90d', soaTtl: 86400 },
    { name: 'fast.example.com', type: 'DNS_PRIVATE', created: '-90d', soaTtl: 60 },
    { name: 'http.example.com', type: 'HTTP', created: '-90d' },
  ],
  clusters: [{ name: 'prod', services: [] }],
  cloudMap: { services: [] },
};

function policy(mode: 'audit' | 'enforce'): string {
  return policyYaml({
    name: 'negative-caching',
    mode,
    target: { clusters: ['prod'], namespaces: ['*.example.com'] },
    rules: {
      serviceConnectRefresh: { enabled: false },
      cloudMapOrphans: { enabled: false },
      dnsTtl: { enabled: false },
      taskLimit: { enabled: false },
      namespaceSoa: { max: '60s', set: '15s' },
    },
  });
}

describe('namespaceSoa against the sandbox', () => {
  let h: Harness;
  const soa = async (name: string) => {
    const id = h.sandbox.cloudMap.namespaces().find((n) => n.name === name)!.id;
    const { Namespace } = await h.clients.serviceDiscovery.send(new GetNamespaceCommand({ Id: id }));
    return Namespace?.Properties?.DnsProperties?.SOA?.TTL;
  };
  before(async () => {
    h = await startHarness({ mode: 'enforce', scenario: SCENARIO, start: false });
  });
  after(async () => {
    await h?.close();
  });

  it('audit mode reports the namespace above max and writes nothing', async () => {
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policy('audit'));
    const { plan, outcomes } = await h.controller.runOnce();
    const findings = plan.findings.filter((f) => f.rule === 'namespaceSoa');
    assert.deepEqual(
      findings.map((f) => f.resource.kind === 'cloudmap-namespace' && f.resource.name),
      ['slow.example.com'],
    );
    assert.equal(outcomes.filter((o) => o.action.type === 'cloudmap:UpdateNamespaceSoa').length, 0);
    assert.equal(await soa('slow.example.com'), 86400);
  });

  it('enforce mode sets the SOA TTL, follows the operation to success, and leaves the others alone', async () => {
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policy('enforce'));
    const { outcomes } = await h.controller.runOnce();
    const soaActions = outcomes.filter((o) => o.action.type === 'cloudmap:UpdateNamespaceSoa');
    assert.deepEqual(
      soaActions.map((o) => o.result),
      ['pending', 'success'],
      JSON.stringify(outcomes),
    );
    assert.equal(await soa('slow.example.com'), 15);
    assert.equal(await soa('fast.example.com'), 60);
  });
});
