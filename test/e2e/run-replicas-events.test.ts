/**
 * An event received by a replica that does not hold its target's lease is left to the owner: replica B consumes
 * the queue but holds no lease, replica A holds the target but reads no queue. A task of a registry-backed
 * service dies and ECS leaves its instance behind; the STOPPED event reaches B, which leaves the keys in the
 * state table; A collects them after its next lease round and deregisters the instance. The resync never fires,
 * so only that path can fix it, and every write is A's (the sandbox's call log names the caller).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { Controller } from '../../controller/runtime/controller.js';
import { systemTimers } from '../../controller/util/clock.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { createStateStore } from '../../controller/state/resolve.js';
import type { StateStore } from '../../controller/state/types.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { installEventRouting } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';
import { waitFor } from '../support/wait.js';

const FLEET = {
  name: 'replica-events',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'api',
          desiredCount: 2,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
        },
      ],
    },
  ],
};
const POLICY = policyYaml({
  name: 'api',
  mode: 'enforce',
  target: { clusters: ['prod'], namespaces: ['internal.local'] },
  rules: { cloudMapOrphans: { gracePeriod: '0s' } },
});

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) =>
  waitFor(probe, { what, timeoutMs, intervalMs: 50 });

function replica(
  sandbox: Sandbox,
  id: string,
  policies: string,
  queueUrl: string | undefined,
): { controller: Controller; clients: AwsClients; store: StateStore; metrics: ControllerMetrics } {
  const options = {
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
    appId: id,
  };
  const clients = createAwsClients(options);
  const store = createStateStore('dynamodb://state', options);
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const controller = new Controller({
    source: new DirectorySource(policies),
    allowed: { clusters: [], namespaces: [], accounts: [] },
    clients,
    logger: silentLogger(),
    metrics,
    dryRun: false,
    resync: '0 0 1 1 *',
    ...(queueUrl ? { queueUrl } : {}),
    policyPollIntervalMs: 3_600_000,
    debounceMs: 50,
    eventWaitSeconds: 1,
    timers: { ...systemTimers, now: () => sandbox.clock.now() },
    scheduler: () => ({ stop: () => undefined }),
    // Renewed every third of it: 1.5 s leases expired on a loaded machine when a round came late (B took the
    // target, or A's fence had lapsed when the test looked); 4 s is what the three-replica e2e uses.
    state: { store, replicaId: id, leaseDurationMs: 4_000 },
  });
  cleanup.push(async () => {
    await controller.stop(2_000);
    clients.destroy();
    store.close();
  });
  return { controller, clients, store, metrics };
}

test(
  "a replica without the lease leaves an event's keys to the owner, which acts on them",
  { timeout: 90_000 },
  async () => {
    const sandbox = await startSandbox({ port: 0, scenario: FLEET, stateTable: 'state' });
    cleanup.push(() => sandbox.close());
    const policies = mkdtempSync(join(tmpdir(), 'replica-events-'));
    writeFileSync(join(policies, 'api.yaml'), POLICY);
    const setup = createAwsClients({
      region: sandbox.region,
      endpoint: sandbox.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    cleanup.push(() => setup.destroy());
    const queueUrl = await installEventRouting(setup);

    const a = replica(sandbox, 'replica-a', policies, undefined);
    await a.controller.start();
    await a.controller.whenIdle();
    // holds() also asks for time to spare on the lease, which a slow first round may not leave at this instant.
    await until('A holding the only target', () => a.controller.leases?.holds(sandbox.region));
    const b = replica(sandbox, 'replica-b', policies, queueUrl);
    await b.controller.start();
    assert.equal(b.controller.leases?.heldTargets().length, 0, 'B holds nothing');
    // A standby is ready and up to date: it must not trip the reconcile-stale alert.
    assert.equal(b.controller.readiness().ready, true);
    const standby = await b.metrics.registry
      .getSingleMetric('ecs_discovery_last_successful_reconcile_timestamp_seconds')!
      .get();
    assert.ok(
      Date.now() / 1000 - standby.values[0].value < 60,
      `standby's last successful reconcile: ${standby.values[0].value}`,
    );

    sandbox.calls.reset();
    const drift = sandbox.drift({ kind: 'stale-instance', cluster: 'prod', ecsService: 'api' }) as {
      serviceId: string;
      instanceId: string;
    };
    const deregistration = await until('the stale instance deregistered', () =>
      sandbox.calls.log().find((c) => c.operation === 'servicediscovery:DeregisterInstance' && c.status === 200),
    );
    assert.equal(deregistration.caller, 'replica-a');
    const log = sandbox.calls.log();
    assert.ok(
      log.some((c) => c.operation === 'sqs:ReceiveMessage' && c.caller === 'replica-b'),
      'B consumed the queue',
    );
    assert.ok(
      log.some((c) => c.operation === 'dynamodb:PutItem' && c.caller === 'replica-b'),
      'B left the keys in the table',
    );
    assert.ok(
      !log.some(
        (c) => !c.operation.startsWith('dynamodb:') && !c.operation.startsWith('sqs:') && c.caller === 'replica-b',
      ),
      'B read or wrote nothing of the target',
    );
    assert.ok(drift.instanceId);
  },
);
