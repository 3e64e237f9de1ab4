/**
 * A real Prometheus server (Debian's `prometheus`) scrapes the controller running against the demo fleet, with the
 * shipped alert rules and a short `for:` on the drift alert. The alert pages only on actionable drift: in audit mode
 * (accepted drift) it stays inactive; in enforce mode with the fix denied (AccessDeniedException) the drift persists
 * and the alert goes pending, then firing; once the fix is allowed and made, it resolves. Everything is read from
 * Prometheus's HTTP API; everything binds 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startSandbox } from '../../sandbox/index.js';
import { spawnRun, terminate } from '../e2e/reliability-process.js';
import { freePort, MissingJudgeError } from './tools.js';
import { waitFor } from '../support/wait.js';

const ALERT = 'EcsDiscoveryDriftPersisting';
const FOR = '3s';
const POLICY = readFileSync('sandbox/scenarios/demo-policies/shop-prod.yaml', 'utf8');

/** Polls probe every 200 ms until accept holds; fails naming what it waited for, with the last value, after timeoutMs. */
async function until<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs: number,
): Promise<T> {
  let last: T | undefined;
  try {
    await waitFor(async () => accept((last = await probe())), { what, timeoutMs, intervalMs: 200 });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last value: ${JSON.stringify(last)?.slice(0, 1500)}`);
  }
  return last as T;
}

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

test('Prometheus: accepted drift never pages; actionable drift the controller may not fix goes pending, then firing, and resolves once fixed', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'prometheus-judge-'));
  const sandbox = await startSandbox({ port: 0, scenario: 'sandbox/scenarios/demo.yaml' });
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  });

  const policies = join(work, 'policies');
  const writePolicy = (mode: string) => {
    mkdirSync(policies, { recursive: true });
    // The demo policy without its orphan rule: the alert under test is the dnsTtl one, and the orphan rule's first
    // read walks the demo fleet's CloudTrail history at two lookups a second (~12 s before any gauge appears).
    const policy = parse(POLICY);
    policy.spec.mode = mode;
    policy.spec.rules.cloudMapOrphans = { enabled: false };
    writeFileSync(join(policies, 'shop-prod.yaml'), stringify(policy));
  };
  writePolicy('audit');
  const run = spawnRun(
    [
      '--policies',
      policies,
      '--allow-all-namespaces',
      '--metrics-addr',
      '127.0.0.1:0',
      '--resync',
      '*/2 * * * * *',
      '--poll-interval',
      '1s',
      '--max-retry-delay',
      '2s',
      '--log-level',
      'info',
    ],
    sandbox.env(),
  );
  children.push(run.child);
  const listening = await until(
    async () => run.logs.find((l) => l.msg === 'telemetry server listening'),
    (l) => l !== undefined,
    "the controller's telemetry server",
    30_000,
  );
  const target = `127.0.0.1:${String(listening!.address).split(':').pop()}`;

  // The shipped rules, with the drift alert's `for: 1h` shortened so the test sees it fire.
  const rules = parse(readFileSync('manifests/prometheus/alerts.yaml', 'utf8'));
  const drift = rules.groups
    .flatMap((g: { rules: { alert?: string; for?: string }[] }) => g.rules)
    .find((r: { alert?: string }) => r.alert === ALERT);
  assert.ok(drift, `${ALERT} is in manifests/prometheus/alerts.yaml`);
  drift.for = FOR;
  writeFileSync(join(work, 'alerts.yaml'), stringify(rules));
  writeFileSync(
    join(work, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(work, 'alerts.yaml')],
      scrape_configs: [{ job_name: 'ecs-discovery-controller', static_configs: [{ targets: [target] }] }],
    }),
  );
  const api = await startPrometheus(work, children);

  const alerts = async () =>
    ((await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } }).data.alerts.filter(
      (a) => a.labels.alertname === ALERT && a.labels.rule === 'dnsTtl',
    );
  const query = async (q: string) =>
    (
      (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      }
    ).data.result;

  const gauge = (state: string) =>
    query(`ecs_discovery_drift_resources{policy="shop-prod",rule="dnsTtl",state="${state}"}`);
  const value = (r: { value: [number, string] }[]) => Number(r[0]?.value[1] ?? Number.NaN);
  const lastEvaluation = async () => {
    const { data } = (await (await fetch(`${api}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; lastEvaluation: string }[] }[] };
    };
    return Date.parse(data.groups.flatMap((g) => g.rules).find((r) => r.name === ALERT)!.lastEvaluation);
  };
  await until(
    () => query(`up{job="ecs-discovery-controller"}`),
    (r) => r[0]?.value[1] === '1',
    'the scrape target to be up',
    20_000,
  );

  // Audit mode: the demo fleet's DNS TTL drift is accepted (by design, it never pages), so the alert stays
  // inactive for longer than its `for:`.
  await until(
    () => gauge('accepted'),
    (r) => value(r) > 0,
    'the accepted dnsTtl drift in Prometheus',
    30_000,
  );
  const acceptedSince = Date.now();
  await until(
    lastEvaluation,
    (at) => at > acceptedSince + 5_000,
    'the drift alert evaluated over 5 s of accepted drift',
    20_000,
  );
  assert.deepEqual(await alerts(), [], 'accepted (audit-mode) drift does not page');
  assert.equal(
    (sandbox.calls.snapshot() as Record<string, number>)['servicediscovery:UpdateService'] ?? 0,
    0,
    'audit mode changed nothing',
  );

  // Enforce mode, but IAM denies the fix: the drift is actionable and persists, so the alert goes pending, then firing.
  sandbox.faults.add({ operation: 'servicediscovery:UpdateService', errorCode: 'AccessDeniedException' });
  writePolicy('enforce');
  await until(
    () => gauge('actionable'),
    (r) => value(r) > 0,
    'actionable dnsTtl drift in Prometheus',
    30_000,
  );
  const states = new Set<string>();
  await until(
    async () => (await alerts()).map((a) => a.state),
    (s) => (s.forEach((x) => states.add(x)), s.includes('firing')),
    `${ALERT} firing`,
    30_000,
  );
  // It went through pending first: Prometheus's own ALERTS series remembers, even if a poll missed it.
  const pending = await query(`max_over_time(ALERTS{alertname="${ALERT}",rule="dnsTtl",alertstate="pending"}[5m])`);
  assert.equal(
    pending[0]?.value[1],
    '1',
    `the alert was pending before firing (polled states: ${[...states].join(', ')})`,
  );

  // The permission granted: the controller lowers the TTLs (the protected partner-gateway's stays: accepted), the
  // actionable drift drops to 0 and the alert resolves.
  sandbox.faults.clear();
  await until(
    () => gauge('actionable'),
    (r) => value(r) === 0,
    'the actionable dnsTtl drift fixed in Prometheus',
    45_000,
  );
  await until(alerts, (a) => a.length === 0, `${ALERT} for dnsTtl resolved`, 20_000);
  const above = Object.values(sandbox.truth().ttlByService).filter((ttl) => ttl > 10);
  assert.deepEqual(above, [60], "every TTL lowered but the protected partner-gateway's");
  // The demo policy enforces the drain bound too: payments-api (stopTimeout 10 s) is down to 5 s, within it.
  assert.deepEqual(sandbox.truth().ttlExceedsDrain, [], 'no TTL outlives its drain bound');

  const stopped = await terminate(run);
  assert.equal(stopped.code, 0);
});

/** Starts Prometheus on a free loopback port (another one if that port was taken meanwhile); resolves with its URL. */
async function startPrometheus(work: string, children: ChildProcess[]): Promise<string> {
  let log = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(prometheus);
    log = '';
    prometheus.stderr!.on('data', (d) => (log += d));
    const ended = new Promise<string>((resolve, reject) => {
      prometheus.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new MissingJudgeError('prometheus', 'prometheus not on PATH') : e),
      );
      prometheus.on('exit', (code) => resolve(`exited ${code}`));
    });
    // Settles either way, so a poll still running after Prometheus exited never rejects unhandled.
    const ready = until(
      () => fetch(`${api}/-/ready`).then((r) => r.status),
      (s) => s === 200,
      `Prometheus ready on ${api}`,
      30_000,
    ).then(
      () => 'ready',
      (error: Error) => `not ready: ${error.message}`,
    );
    const outcome = await Promise.race([ended, ready]);
    if (outcome === 'ready') return api;
    if (outcome.startsWith('not ready')) throw new Error(`${outcome}; log: ${log}`);
    if (!/address already in use/i.test(log)) break;
  }
  throw new Error(`Prometheus did not start: ${log}`);
}
