/**
 * A failed write is an error of its key (the reconcile contract): it is retried with growing backoff without
 * waiting for the next resync, and its failure count resets once the write succeeds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetServiceCommand } from '@aws-sdk/client-servicediscovery';
import { startHarness, type Harness } from '../e2e/run-harness.js';
import { waitFor } from '../support/wait.js';

const SCENARIO = {
  name: 'write-retry',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [{ name: 'prod', services: [] }],
  cloudMap: {
    services: [
      { namespace: 'internal.example.com', name: 'long-ttl', records: [{ Type: 'A', TTL: 300 }], created: '-10d' },
    ],
  },
};

const POLICY = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: ttl
spec:
  mode: enforce
  target:
    clusters: [prod]
    namespaces: [internal.example.com]
  rules:
    serviceConnectRefresh: { enabled: false }
    cloudMapOrphans: { enabled: false }
    taskLimit: { enabled: false }
    dnsTtl: { max: 10s, set: 10s }
`;

describe('a failed write', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      mode: 'enforce',
      scenario: SCENARIO,
      policyText: POLICY,
      faults: [{ operation: 'servicediscovery:UpdateService', errorCode: 'AccessDeniedException' }],
    });
  });
  after(async () => {
    await h?.close();
  });

  it('is retried with growing backoff as an error of its key, and succeeds without a resync once allowed', async () => {
    const serviceId = h.sandbox.cloudMap.services().find((s) => s.name === 'long-ttl')!.id;
    const key = { kind: 'cloudmap-service' as const, serviceId };
    // The first try comes from the start-up reconcile; retries come from the key's backoff alone (no tick()).
    await waitFor(() => h.controller.queue.failures(key) >= 2, {
      what: 'the TTL key to fail twice',
      timeoutMs: 30_000,
    });
    h.sandbox.faults.clear();
    await waitFor(() => h.controller.queue.failures(key) === 0, {
      what: 'the retried write to succeed and reset the count',
      timeoutMs: 30_000,
    });
    const ttl = await waitFor(
      async () => {
        const { Service } = await h.clients.serviceDiscovery.send(new GetServiceCommand({ Id: serviceId }));
        return Service?.DnsConfig?.DnsRecords?.[0]?.TTL === 10 && Service.DnsConfig.DnsRecords[0].TTL;
      },
      { what: 'the TTL lowered to 10 s', timeoutMs: 30_000 },
    );
    assert.equal(ttl, 10);
  });
});
