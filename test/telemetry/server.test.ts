import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import {
  parseListenAddress,
  reconcileReadiness,
  startTelemetryServer,
  type Readiness,
} from '../../controller/telemetry/server.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { RecentActions } from '../../controller/telemetry/status.js';

test('listen addresses accept host:port, :port, port and bracketed IPv6, and reject the rest', () => {
  assert.deepEqual(parseListenAddress(':9464'), { port: 9464 });
  assert.deepEqual(parseListenAddress('9464'), { port: 9464 });
  assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:8080'), { host: '::1', port: 8080 });
  assert.throws(() => parseListenAddress('localhost'), /invalid listen address "localhost"/);
  assert.throws(() => parseListenAddress(':70000'), /invalid listen address/);
});

test('readiness needs loaded policies and a successful reconcile within three resync periods', () => {
  const base = { policiesLoaded: true, resyncPeriodMs: 60_000, now: 1_000_000 };
  assert.deepEqual(reconcileReadiness({ ...base, lastSuccessfulReconcileAt: 1_000_000 - 180_000 }), { ready: true });
  const stale = reconcileReadiness({ ...base, lastSuccessfulReconcileAt: 1_000_000 - 181_000 });
  assert.equal(stale.ready, false);
  assert.match((stale as { reason: string }).reason, /181s ago/);
  assert.equal(reconcileReadiness({ ...base, lastSuccessfulReconcileAt: undefined }).ready, false);
  assert.equal(
    reconcileReadiness({ ...base, policiesLoaded: false, lastSuccessfulReconcileAt: 1_000_000 }).ready,
    false,
  );
});

test('the server answers /metrics, /healthz, /readyz and /status over real HTTP, then closes', async () => {
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  metrics.setStateProvider(() => ({ policies: [], sources: [], workqueueDepth: 7 }));
  let readiness: Readiness = { ready: false, reason: 'no valid policy set has been loaded yet' };
  const server = await startTelemetryServer({
    address: '127.0.0.1:0',
    metrics,
    logger: silentLogger(),
    readiness: () => readiness,
    status: () => ({ policies: [{ name: 'payments', revision: 'abc', drift: { dnsTtl: 1 } }], recentActions: [] }),
  });
  try {
    const scrape = await fetch(`${server.url}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await scrape.text(), /^ecs_discovery_workqueue_depth 7$/m);

    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);

    const notReady = await fetch(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { status: 'not-ready', reason: 'no valid policy set has been loaded yet' });

    readiness = { ready: true };
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    const status = await fetch(`${server.url}/status`);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { policies: { name: string }[] }).policies[0].name, 'payments');

    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/healthz`), 'the port is closed after close()');
});

test('a failing status provider answers 500 without leaking the error', async () => {
  const server = await startTelemetryServer({
    address: '127.0.0.1:0',
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    readiness: () => ({ ready: true }),
    status: () => {
      throw new Error('secret detail');
    },
  });
  try {
    const response = await fetch(`${server.url}/status`);
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /secret detail/);
  } finally {
    await server.close();
  }
});

test('recent actions keep the newest outcomes first, up to the capacity', () => {
  const recent = new RecentActions(2);
  const outcome = (key: string, finishedAt: number) => ({
    action: { type: 'cloudmap:DeleteService' as const, serviceId: 'srv-1' },
    findingKey: key,
    policy: 'p',
    rule: 'cloudMapOrphans' as const,
    result: 'success' as const,
    startedAt: finishedAt,
    finishedAt,
  });
  recent.add([outcome('a', 1), outcome('b', 2)]);
  recent.add([outcome('c', 3)]);
  assert.deepEqual(
    recent.list().map((r) => r.findingKey),
    ['c', 'b'],
  );
});
