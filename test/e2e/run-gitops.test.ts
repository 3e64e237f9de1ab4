/**
 * GitOps end to end: `run` picks up a new git commit or a new S3 object within one poll interval and
 * reconciles with it, and a broken revision keeps the last good policy set in force.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Controller } from '../../controller/runtime/controller.js';
import { systemTimers } from '../../controller/util/clock.js';
import { createPolicySource } from '../../controller/sources/resolve.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { startGitRepo } from '../sources/git-server.js';
import { startS3 } from '../sources/s3-server.js';
import { eventually, FLEET, policyYaml, writeCalls } from './run-harness.js';

const POLL_MS = 300;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A controller on the sandbox's clock that polls `policies` every POLL_MS and never resyncs on its own. */
async function controllerFor(sandbox: Sandbox, policies: string, s3?: S3Client): Promise<Controller> {
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 3,
  });
  const controller = new Controller({
    source: createPolicySource(policies, { s3, env: { CACHE_DIR: process.env.TMPDIR ?? '/tmp' } }),
    allowed: { clusters: [], namespaces: [], accounts: [] },
    clients,
    logger: silentLogger(),
    metrics,
    dryRun: false,
    resync: '0 0 1 1 *',
    policyPollIntervalMs: POLL_MS,
    debounceMs: 20,
    timers: { ...systemTimers, now: () => sandbox.clock.now() },
    scheduler: () => ({ stop: () => undefined }),
  });
  cleanups.push(async () => {
    await controller.stop(2_000);
    clients.destroy();
  });
  await controller.start();
  return controller;
}

const searchTtl = (sandbox: Sandbox) => {
  const search = sandbox.cloudMap.services().find((s) => s.name === 'search')!;
  return sandbox.truth().ttlByService[search.id];
};

test('a new commit switching the policy from audit to enforce is applied within a poll interval; a broken commit changes nothing', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: FLEET });
  cleanups.push(() => sandbox.close());
  const repo = await startGitRepo();
  cleanups.push(() => repo.close());
  repo.commit({ 'policies/fleet.yaml': policyYaml('audit') });
  const controller = await controllerFor(sandbox, `${repo.httpUrl}?ref=main&path=policies`);
  await eventually(
    () => controller.plan()?.findings.length ?? 0,
    (n) => n > 0,
    'the audit plan',
  );
  assert.equal(searchTtl(sandbox), 300);
  assert.deepEqual(
    Object.values(writeCalls(sandbox)).reduce((a, b) => a + b, 0),
    0,
    'audit writes nothing',
  );

  const broken = repo.commit({
    'policies/fleet.yaml': policyYaml('enforce', '15m', { rules: { dnsTtl: { max: 'soon', set: '10s' } } }),
  });
  await eventually(
    () => controller.status(),
    (s) => JSON.stringify(s).includes(broken),
    'the broken revision to be reported',
  );
  assert.equal(searchTtl(sandbox), 300, 'a broken revision never replaces the set in force');

  const fixed = repo.commit({ 'policies/fleet.yaml': policyYaml('enforce') });
  await eventually(
    () => searchTtl(sandbox),
    (ttl) => ttl === 10,
    'the TTL fix from the new commit',
    200,
  );
  assert.equal(controller.policies()?.revision, fixed);
});

test('a new S3 object is applied within a poll interval', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: FLEET });
  cleanups.push(() => sandbox.close());
  const s3 = await startS3(['policies']);
  cleanups.push(() => s3.close());
  await s3.put('policies/prod/fleet.yaml', policyYaml('audit'));
  const controller = await controllerFor(sandbox, 's3://policies/prod/', s3.client());
  await eventually(
    () => controller.plan()?.findings.length ?? 0,
    (n) => n > 0,
    'the audit plan',
  );
  const first = controller.policies()?.revision;
  await s3.put('policies/prod/fleet.yaml', policyYaml('enforce'));
  await eventually(
    () => searchTtl(sandbox),
    (ttl) => ttl === 10,
    'the TTL fix from the new object',
    200,
  );
  assert.notEqual(controller.policies()?.revision, first);
});
