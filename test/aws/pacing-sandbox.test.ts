/**
 * Pacing through the real SDK against the sandbox's quota mode: the sandbox throttles past its bucket, an
 * unpaced reader gets throttled, and the paced reader stays under the same quota with no throttled attempt.
 * Counts only, no timing assertions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { parseQuotaFlag, throttlingError } from '../../sandbox/core/quotas.js';
import { createAwsClients, type AwsClientOptions } from '../../controller/aws/clients.js';
import type { PacingConfig } from '../../controller/aws/pacing.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { makePolicy } from '../fixtures/policy.js';

let sandbox: Sandbox;
const UNPACED: Partial<PacingConfig> = {
  ecs: { rate: 0, burst: 1 },
  servicediscovery: { rate: 0, burst: 1 },
  'application-autoscaling': { rate: 0, burst: 1 },
};

before(async () => {
  // 4 clusters × 40 services × 2 tasks, 20 Cloud Map services: about 50 ECS calls per full read.
  sandbox = await startSandbox({
    port: 0,
    tickMs: 60_000,
    scenario: { generate: { clusters: 4, servicesPerCluster: 40, tasksPerService: 2, cloudMapServices: 20 } },
  });
});
after(async () => {
  await sandbox?.close();
});

const clientsWith = (options: AwsClientOptions) =>
  createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    ...options,
  });

async function control(method: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.url}/_sandbox/quotas`, {
    method,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

test("quota mode: past its bucket the sandbox answers each service's throttling error, and counts it", async () => {
  await control('POST', { service: 'ecs', rate: 1, burst: 3 });
  await control('POST', { service: 'servicediscovery', rate: 1, burst: 2 });
  const clients = clientsWith({ maxAttempts: 1, pacing: UNPACED });
  try {
    const ecs = await Promise.allSettled(
      Array.from({ length: 8 }, () => clients.ecs.send(new ListClustersCommand({}))),
    );
    const cloudMap = await Promise.allSettled(
      Array.from({ length: 6 }, () => clients.serviceDiscovery.send(new ListNamespacesCommand({}))),
    );
    const codes = (results: PromiseSettledResult<unknown>[]) =>
      results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as Error).name);
    // Fewer than 8 and 6 calls fit, whatever the refill during the burst: the rest are throttled.
    assert.ok(codes(ecs).length >= 4 && codes(ecs).every((c) => c === 'ThrottlingException'), String(codes(ecs)));
    assert.ok(
      codes(cloudMap).length >= 3 && codes(cloudMap).every((c) => c === 'ThrottlingException'),
      String(codes(cloudMap)),
    );
    const { quotas } = await control('GET');
    assert.deepEqual([quotas.ecs.throttled, quotas.ecs.allowed + quotas.ecs.throttled], [codes(ecs).length, 8]);
    assert.deepEqual(
      [quotas.servicediscovery.throttled, quotas.servicediscovery.allowed + quotas.servicediscovery.throttled],
      [codes(cloudMap).length, 6],
    );
  } finally {
    clients.destroy();
    await control('DELETE');
  }
  // Cloud Map's data plane names its own error (botocore: DiscoverInstances and DiscoverInstancesRevision model RequestLimitExceeded).
  assert.equal(throttlingError('servicediscovery', 'DiscoverInstances').code, 'RequestLimitExceeded');
  assert.equal(throttlingError('servicediscovery', 'ListInstances').code, 'ThrottlingException');
  assert.deepEqual(parseQuotaFlag('ecs=20:50'), { service: 'ecs', rate: 20, burst: 50 });
  assert.throws(() => parseQuotaFlag('sqs=5'), /service must be one of/);
});

test('under a 5 req/s ECS quota the unpaced reader is throttled; the paced reader is not, with the same calls', async () => {
  const policies = [makePolicy()];
  const quota = { service: 'ecs', rate: 5, burst: 5 };

  await control('POST', quota);
  sandbox.calls.reset();
  const unpaced = clientsWith({ maxAttempts: 10, pacing: UNPACED });
  let unpacedInventory;
  try {
    unpacedInventory = await readInventory(unpaced, policies);
  } finally {
    unpaced.destroy();
  }
  const unpacedQuota = (await control('GET')).quotas.ecs;
  assert.deepEqual(unpacedInventory.readErrors, []);
  assert.ok(unpacedQuota.throttled > 0, `an unpaced read of ${unpacedQuota.allowed} ECS calls was never throttled`);

  await control('POST', quota); // a full bucket, counters from zero
  sandbox.calls.reset();
  const paced = clientsWith({ maxAttempts: 10, pacing: { ecs: { rate: 4, burst: 4 } } });
  let pacedInventory;
  try {
    pacedInventory = await readInventory(paced, policies);
  } finally {
    paced.destroy();
  }
  const pacedQuota = (await control('GET')).quotas.ecs;
  await control('DELETE');

  assert.deepEqual(pacedInventory.readErrors, []);
  assert.equal(pacedQuota.throttled, 0);
  // The read was well past the burst (so pacing, not luck, kept it under), and every ECS call counted once.
  assert.ok(pacedQuota.allowed > 3 * quota.burst, `only ${pacedQuota.allowed} ECS calls`);
  assert.equal(pacedQuota.allowed, unpacedQuota.allowed);
  const ecsCalls = Object.entries(sandbox.calls.snapshot())
    .filter(([op]) => op.startsWith('ecs:'))
    .reduce((n, [, c]) => n + c, 0);
  assert.equal(ecsCalls, pacedQuota.allowed);
  // The paced client's bucket saw every attempt and made calls wait (at most those past its burst of 4).
  const stats = paced.pacer!.stats().ecs;
  assert.equal(stats.calls, pacedQuota.allowed);
  assert.ok(stats.waited > 0 && stats.waited <= pacedQuota.allowed - 4, JSON.stringify(stats));
  assert.deepEqual(pacedInventory.services.length, unpacedInventory.services.length);
});
