/** What `npm start` runs: the demo fixes every drift kind of the demo fleet, says so in plain words, and stops on Ctrl+C. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

/** The running controller's /metrics passes promtool with real series; /readyz and /status answer. */
async function checkLiveEndpoints(
  base: string,
): Promise<{ metrics: string; status: { drift: { summary: string; actionable: number; accepted: number } } }> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(
    metrics,
    /ecs_discovery_actions_total\{policy="shop-prod",rule="cloudMapOrphans",action="cloudmap:DeleteService",result="success"\} [1-9]/,
  );
  assert.match(
    metrics,
    /ecs_discovery_policy_source_revision_info\{source="dir:[^"]+",revision="sha256:[0-9a-f]+"\} 1/,
  );
  assert.match(metrics, /ecs_discovery_drift_resources\{policy="shop-prod",rule="taskLimit",state="accepted"\} 3/);
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  if (promtool.error)
    throw new Error(
      `promtool could not run (${promtool.error.message}): apt-get install -y --no-install-recommends prometheus`,
    );
  assert.equal(
    promtool.status,
    0,
    `promtool check metrics on the live exposition:\n${promtool.stdout}${promtool.stderr}`,
  );
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const status = (await (await fetch(`${base}/status`)).json()) as {
    policies: { name: string }[];
    recentActions: unknown[];
    drift: { summary: string; actionable: number; accepted: number };
  };
  assert.deepEqual(
    status.policies.map((p) => p.name),
    ['shop-prod'],
  );
  assert.ok(status.recentActions.length > 0);
  return { metrics, status };
}

/** The sum of a gauge's series whose labels include `labels`. */
function sumSeries(exposition: string, name: string, labels: string): number {
  return exposition
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

test('the sandbox demo finds and fixes every drift kind within a minute, touching nothing it must not', async () => {
  const child = spawn(
    process.execPath,
    ['bin/ecs-discovery-controller.js', 'sandbox', '--port', '0', '--metrics-addr', '127.0.0.1:0'],
    {
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let clockMoved = false;
  child.stderr.on('data', (d) => (stderr += d));
  const fixed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "All drift fixed" within 60 s:\n${stdout}\n${stderr}`)),
      60_000,
    );
    child.stdout.on('data', (d) => {
      stdout += d;
      // The demo's grace period (15 s) and the rollouts of its redeploys run on the sandbox's virtual clock, the
      // controller's clock in the demo. Once it waits for the one and has started the others, the clock moves a
      // minute ahead (the control API, as the README shows): the demo ends at its next resync, not 15 s later.
      const emulator = /AWS emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      const waiting = stdout.includes('Waiting out the grace period');
      const redeployed = ['web', 'checkout', 'orders'].every((s) =>
        stdout.includes(`Redeployed ECS service prod/${s}`),
      );
      if (emulator && waiting && redeployed && !clockMoved) {
        clockMoved = true;
        void fetch(`${emulator}/_sandbox/clock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ advance: '1m' }),
        }).catch(() => undefined);
      }
      if (stdout.includes('Drift now, as /status')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited early (${code}):\n${stdout}\n${stderr}`)));
  });
  try {
    await fixed;
    const live = await checkLiveEndpoints(/Metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stdout)![1]);
    // The demo's last line, /status and the metric tell the same story.
    const verdict =
      /Drift now, as \/status, \/metrics \(ecs_discovery_drift_resources\{state\}\) and plan report it: (.*)\.\n/.exec(
        stdout,
      );
    assert.ok(verdict, stdout);
    assert.match(verdict[1], /^all actionable drift fixed; \d+ findings? accepted \(.*report-only.*\)$/);
    assert.equal(live.status.drift.summary, verdict[1]);
    assert.equal(live.status.drift.actionable, 0);
    assert.equal(sumSeries(live.metrics, 'ecs_discovery_drift_resources', 'state="actionable"'), 0);
    assert.equal(
      sumSeries(live.metrics, 'ecs_discovery_drift_resources', 'state="accepted"'),
      live.status.drift.accepted,
    );
    // ...and so does a plan a user runs against the same emulator, as the README shows.
    const emulator = /Try: curl -s (http:\/\/127\.0\.0\.1:\d+)\/_sandbox\/truth/.exec(stdout)![1];
    const plan = spawnSync(
      process.execPath,
      [
        'bin/ecs-discovery-controller.js',
        'plan',
        '--policies',
        'sandbox/scenarios/demo-policies',
        '--fail-on',
        'actionable',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: emulator,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'sandbox',
          AWS_SECRET_ACCESS_KEY: 'sandbox',
        },
      },
    );
    assert.equal(plan.status, 0, `plan --fail-on actionable after the demo:\n${plan.stdout}\n${plan.stderr}`);
    assert.equal(plan.stdout.trimEnd().split('\n').pop(), verdict[1]);
    assert.equal(plan.stderr, '', 'no warning');
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 0, stderr);
  }
  // It names each kind of drift it found...
  assert.match(stdout, /Service Connect: .*web.* started before recommendations joined/);
  assert.match(stdout, /Cloud Map: .*reports.* left behind/);
  assert.match(stdout, /DNS: .*search \(300s\)/);
  assert.match(stdout, /DNS: payments-api's tasks are killed 10s after .*container app.* over its 5s drain bound/);
  assert.match(stdout, /Task limit: events-ingest/);
  // ...and each fix, in words.
  assert.match(stdout, /Redeployed ECS service prod\/web/);
  assert.match(stdout, /Deleted Cloud Map service reports/);
  assert.match(stdout, /Deregistered instance .* of ledger/);
  assert.match(stdout, /Lowered the DNS TTL of Cloud Map service search/);
  // The drain bound, enforced: payments-api's 10 s TTL came down to 5 s, naming the task definition and container.
  assert.match(
    stdout,
    /Lowered the DNS TTL of Cloud Map service payments-api: tasks of payments-api:\d+ \(container app, stopTimeout 10s\)/,
  );
  assert.match(stdout, /Nothing in use was deleted/);
  assert.doesNotMatch(stdout, /partner-gateway: |Deleted Cloud Map service (billing-legacy|partner-gateway|promo)/);
  assert.match(stdout, /sandbox: stopped/);
});
