/**
 * Three `run` processes against one sandbox and its DynamoDB (dynalite): six targets, one per region, each a
 * small fleet of its own (cluster cN, namespaces nsN.local and scN.local) so every target has writes to make:
 * a Service Connect client to redeploy (webN predates ordersN's endpoint), a TTL to lower (apiN at 300 s),
 * and, when the test deletes goneN, a Cloud Map service to delete after its grace period. The sandbox's call
 * log records every request's caller (the replica id in the SDK user-agent), region, arrival time and status,
 * and every change of a lease's owner, so the test can check each write against who held the lease then.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '../../sandbox/core/calls.js';
import { policyYaml } from '../fixtures/policy.js';

export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
export const TABLE = 'controller-state';
export const LEASE_MS = 4_000;
export const GRACE_MS = 12_000;

/** The fleet: one cluster and two namespaces per target. */
export function replicasFleet() {
  return {
    name: 'replicas-e2e',
    account: '123456789012',
    region: 'us-east-1',
    resolveGrace: '0s',
    namespaces: REGIONS.flatMap((_, i) => [
      { name: `ns${i}.local`, type: 'DNS_PRIVATE', created: '-90d' },
      { name: `sc${i}.local`, type: 'HTTP', created: '-90d' },
    ]),
    clusters: REGIONS.map((_, i) => ({
      name: `c${i}`,
      services: [
        { name: `web${i}`, desiredCount: 1, created: '-9h', serviceConnect: { namespace: `sc${i}.local` } },
        {
          name: `orders${i}`,
          desiredCount: 1,
          created: '-2h',
          serviceConnect: { namespace: `sc${i}.local`, endpoints: [`orders${i}`] },
        },
        {
          name: `api${i}`,
          desiredCount: 1,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: `ns${i}.local`, ttl: 300 },
        },
        {
          name: `gone${i}`,
          desiredCount: 1,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: `ns${i}.local`, ttl: 10 },
        },
      ],
    })),
  };
}

/** A policy directory: one enforce policy per target (region), each scoped to its own cluster and namespaces. */
export function writeReplicaPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'replicas-policies-'));
  REGIONS.forEach((region, i) => {
    writeFileSync(
      join(dir, `t${i}.yaml`),
      policyYaml({
        name: `t${i}`,
        mode: 'enforce',
        target: { region, clusters: [`c${i}`], namespaces: [`ns${i}.local`, `sc${i}.local`] },
        rules: {
          serviceConnectRefresh: { staleAfter: '0s', maxConcurrent: 3, cooldown: '1h' },
          cloudMapOrphans: { gracePeriod: `${GRACE_MS / 1000}s` },
          dnsTtl: { max: '10s', set: '10s' },
        },
      }),
    );
  });
  return dir;
}

/** AWS writes the controller makes. */
export const WRITE_OPERATIONS = new Set([
  'ecs:UpdateService',
  'servicediscovery:UpdateService',
  'servicediscovery:DeregisterInstance',
  'servicediscovery:DeleteService',
]);

/** Who held a target's lease when a request arrived, from the lease changes in the call log. */
export function ownerAt(log: readonly CallRecord[], target: string, at: number): string | null {
  let owner: string | null = null;
  for (const call of log) {
    if (call.at > at) break;
    if (call.lease?.target === target) owner = call.lease.owner;
  }
  return owner;
}

/** Writes (status 200) made by a replica that did not hold its target's lease when the write arrived. */
export function writesWithoutLease(log: readonly CallRecord[]): CallRecord[] {
  return log.filter(
    (c) =>
      WRITE_OPERATIONS.has(c.operation) &&
      c.status === 200 &&
      c.caller?.startsWith('replica-') &&
      ownerAt(log, c.region ?? '', c.at) !== c.caller,
  );
}
