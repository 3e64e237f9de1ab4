import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Controller } from '../../controller/runtime/controller.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { eventually, startHarness, policyYaml, type Harness } from '../e2e/run-harness.js';

const MINUTE = 60_000;

describe('Controller: policies and readiness', () => {
  let h: Harness | undefined;
  after(async () => {
    await h?.close();
  });

  it('keeps the last good policy set when a new revision is invalid, and reports the failure', async () => {
    h = await startHarness({ mode: 'audit', policyPollIntervalMs: 50 });
    await h.settle();
    const good = h.controller.policies()!.revision;
    assert.equal(h.controller.readiness().ready, true);

    writeFileSync(join(h.policyDir, 'fleet.yaml'), policyYaml('enforce', '15m', { mode: 'sometimes' }));
    const status = await eventually(
      () => h!.controller.status(),
      (s) => s.source.lastError !== undefined,
      'the invalid revision to be seen',
    );

    assert.equal(h.controller.policies()!.revision, good, 'the good set stays in force');
    assert.equal(h.controller.policies()!.policies[0].mode, 'audit');
    assert.ok(
      status.source.lastError!.problems!.some((p) => p.path.includes('mode')),
      JSON.stringify(status.source.lastError),
    );
    const condition = status.policies[0].conditions.find((c) => c.type === 'SourceCurrent')!;
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'InvalidRevision');
    const metrics = (await h.metrics.exposition()).body;
    assert.match(metrics, /ecs_discovery_policy_load_errors_total\{source="dir:[^"]+"\} [1-9]/);
    assert.equal(h.controller.readiness().ready, true, 'a bad revision does not take the controller out of service');

    // The set in force keeps working: a resync still reconciles with it.
    h.tick();
    await h.settle();
    assert.equal(h.controller.plan()!.revision, good);

    writeFileSync(join(h.policyDir, 'fleet.yaml'), policyYaml('audit', '15m', { name: 'fleet-v2' }));
    await eventually(
      () => h!.controller.policies()!.policies[0].name,
      (name) => name === 'fleet-v2',
      'the fixed revision to load',
    );
    await eventually(
      () => h!.controller.plan()!.summaries.map((s) => s.policy),
      (names) => names.includes('fleet-v2'),
      'a reconcile with the new set',
    );
    assert.equal(h.controller.status().source.lastError, undefined);
    await h.close();
    h = undefined;
  });

  it('is not ready without a valid policy set, and becomes ready once one loads', async () => {
    h = await startHarness({ mode: 'audit', policyPollIntervalMs: 50, policyText: 'kind: DiscoveryPolicy\nspec: [' });
    const readiness = h.controller.readiness();
    assert.equal(readiness.ready, false);
    assert.match(readiness.ready ? '' : readiness.reason, /no valid policy set/);
    writeFileSync(join(h.policyDir, 'fleet.yaml'), policyYaml('audit'));
    await eventually(
      () => h!.controller.readiness().ready,
      (ready) => ready,
      'readiness after a valid revision',
    );
    await h.close();
    h = undefined;
  });

  it('turns unready when no reconcile succeeded for three resync periods', async () => {
    h = await startHarness({ mode: 'audit' });
    await h.settle();
    assert.equal(h.controller.readiness().ready, true);
    h.advance(29 * MINUTE);
    assert.equal(h.controller.readiness().ready, true, 'within three 10-minute periods');
    h.advance(2 * MINUTE);
    const readiness = h.controller.readiness();
    assert.equal(readiness.ready, false);
    assert.match(readiness.ready ? '' : readiness.reason, /three resync periods/);
    h.tick();
    await h.settle();
    assert.equal(h.controller.readiness().ready, true, 'a successful resync restores readiness');
  });

  it('fails the reconcile (and retries) when AWS cannot be read at all, instead of reporting a clean fleet', async () => {
    h ??= await startHarness({ mode: 'audit' });
    await h.settle();
    h.sandbox.faults.add({ operation: 'ecs:ListClusters', errorCode: 'AccessDeniedException' });
    h.sandbox.faults.add({ operation: 'servicediscovery:ListNamespaces', errorCode: 'AccessDeniedException' });
    h.tick();
    const status = await eventually(
      () => h!.controller.status(),
      (s) => s.lastReconcileError !== undefined,
      'the reconcile error in /status',
    );
    assert.match(status.lastReconcileError!.message, /AccessDenied/);
    assert.ok(h.controller.queue.failures({ kind: 'full' }) >= 1, 'the full key is retried with backoff');
    h.sandbox.faults.clear();
  });
});

describe('Controller: stopping before the first policy fetch returned', () => {
  it('stop() ends a start() that is stuck fetching policies, and nothing starts afterwards', async () => {
    let fetches = 0;
    const hangingSource = {
      name: 'git+https://example.invalid/policies.git',
      fetch: (signal?: AbortSignal) =>
        new Promise<never>((_resolve, reject) => {
          fetches += 1;
          signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
    };
    const clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    let scheduled = false;
    const controller = new Controller({
      source: hangingSource,
      allowed: { clusters: [], namespaces: [], accounts: [] },
      clients,
      logger: silentLogger(),
      metrics: new ControllerMetrics({ defaultMetrics: false }),
      dryRun: false,
      resync: '*/10 * * * *',
      queueUrl: 'http://127.0.0.1:9/123456789012/never-polled',
      policyPollIntervalMs: 60_000,
      scheduler: () => {
        scheduled = true;
        return { stop: () => undefined };
      },
    });
    const starting = controller.start();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fetches, 1);
    assert.equal(controller.readiness().ready, false);
    const result = await controller.stop(1_000);
    await starting;
    assert.deepEqual(result, { completed: true, abandoned: [] });
    assert.equal(scheduled, false, 'no resync schedule after stop');
    assert.equal(controller.queue.add({ kind: 'full' }), false, 'no work accepted after stop');
    clients.destroy();
  });
});
