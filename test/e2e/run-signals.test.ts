import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { spawnRun } from './reliability-process.js';
import { eventually, FLEET, installEventRouting, policyYaml } from './run-harness.js';

describe('run as a process: signals', () => {
  let sandbox: Sandbox;
  let clients: AwsClients;
  let queueUrl: string;
  let policyDir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url, maxAttempts: 1 });
    Object.assign(process.env, sandbox.env());
    queueUrl = await installEventRouting(clients);
    policyDir = mkdtempSync(join(tmpdir(), 'run-signals-'));
    writeFileSync(join(policyDir, 'fleet.yaml'), policyYaml('enforce'));
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    clients.destroy();
    await sandbox.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  it('SIGTERM in the middle of a reconcile exits 0 within the shutdown timeout', async (t) => {
    // Every DescribeServices takes 8 s: the first reconcile is still reading when the signal comes.
    sandbox.faults.add({ operation: 'ecs:DescribeServices', latencyMs: 8_000 });
    t.after(() => sandbox.faults.clear());
    const run = spawnRun(
      [
        '--policies',
        policyDir,
        '--allow-all-namespaces',
        '--queue-url',
        queueUrl,
        '--metrics-addr',
        '127.0.0.1:0',
        '--shutdown-timeout',
        '3s',
      ],
      sandbox.env(),
    );
    children.push(run.child);
    const listening = await eventually(
      () => run.logs.find((l) => l.msg === 'telemetry server listening'),
      (l) => l !== undefined,
      'the telemetry server',
      400,
    );
    await eventually(
      () => (sandbox.calls.snapshot() as Record<string, number>)['ecs:DescribeServices'] ?? 0,
      (n) => n > 0,
      'the reconcile to be reading services',
      400,
    );
    const port = String(listening!.address).split(':').pop();
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(readyz.status, 503, 'not ready before the first reconcile finished');

    // Fails the test instead of hanging if the process ignores the timeout.
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exit;
    clearTimeout(guard);
    assert.equal(signal, null, 'exited by itself, not killed');
    assert.equal(code, 0);
    const messages = run.logs.map((l) => l.msg);
    assert.ok(messages.includes('received signal'));
    assert.ok(messages.includes('stopped'), messages.join(' | '));
    assert.ok(
      run.logs.some(
        (l) => l.msg === 'shutdown timeout: abandoned in-flight reconciles' || /abandoned/.test(String(l.msg)),
      ),
    );
  });

  it('SIGINT when idle exits 0 promptly, after a successful reconcile made it ready', async () => {
    const run = spawnRun(['--policies', policyDir, '--metrics-addr', '127.0.0.1:0', '--dry-run'], sandbox.env());
    children.push(run.child);
    await eventually(
      () => run.logs.find((l) => l.msg === 'reconciled'),
      (l) => l !== undefined,
      'the first reconcile',
      400,
    );
    const port = String(run.logs.find((l) => l.msg === 'telemetry server listening')!.address)
      .split(':')
      .pop();
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(readyz.status, 200);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Record<string, any>;
    assert.equal(status.dryRun, true);
    assert.equal(status.policies[0].name, 'fleet');
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    run.child.kill('SIGINT');
    const { code, signal } = await run.exit;
    clearTimeout(guard);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });

  it('SIGTERM during start-up (before the telemetry server listens) exits 0 with a log line', async () => {
    const run = spawnRun(
      ['--policies', policyDir, '--allow-all-namespaces', '--metrics-addr', '127.0.0.1:0'],
      sandbox.env(),
      { viaBin: true },
    );
    children.push(run.child);
    // The first log line comes before the telemetry server binds and before run's own handlers exist: only
    // the start-up handler (bin script, early-stop.ts) stands between the signal and a killed process.
    await eventually(
      () => run.logs.some((l) => l.msg === 'starting ecs-discovery-controller'),
      (seen) => seen,
      'the first log line',
      400,
    );
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exit;
    clearTimeout(guard);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    assert.ok(
      run.logs.some((l) => l.signal === 'SIGTERM' && /signal/.test(String(l.msg))),
      JSON.stringify(run.logs),
    );
  });

  it('SIGTERM during run --once exits 0 with a log line', async (t) => {
    sandbox.faults.add({ operation: 'ecs:DescribeServices', latencyMs: 8_000 });
    t.after(() => sandbox.faults.clear());
    await fetch(`${sandbox.url}/_sandbox/calls`, { method: 'DELETE' });
    const run = spawnRun(
      [
        '--once',
        '--policies',
        policyDir,
        '--allow-all-namespaces',
        '--metrics-addr',
        '127.0.0.1:0',
        '--shutdown-timeout',
        '1s',
      ],
      sandbox.env(),
      { viaBin: true },
    );
    children.push(run.child);
    await eventually(
      () => (sandbox.calls.snapshot() as Record<string, number>)['ecs:DescribeServices'] ?? 0,
      (n) => n > 0,
      'the reconcile to be reading services',
      400,
    );
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exit;
    clearTimeout(guard);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    const messages = run.logs.map((l) => l.msg);
    assert.ok(messages.includes('received signal'), messages.join(' | '));
    assert.ok(messages.includes('stopped'), messages.join(' | '));
  });

  it('SIGTERM while the first policy fetch hangs (an unresponsive git host) exits 0 promptly with a log line', async (t) => {
    // A server that accepts connections and never answers: git's fetch waits on it.
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      hang.closeAllConnections();
      hang.close();
    });
    const port = (hang.address() as AddressInfo).port;
    const run = spawnRun(
      ['--policies', `git+http://127.0.0.1:${port}/policies.git`, '--dry-run', '--metrics-addr', '127.0.0.1:0'],
      sandbox.env(),
      { viaBin: true },
    );
    children.push(run.child);
    let connected = false;
    hang.on('connection', () => (connected = true));
    await eventually(
      () => connected,
      (seen) => seen,
      'git to connect to the policy host',
      400,
    );
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exit;
    clearTimeout(guard);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    const messages = run.logs.map((l) => l.msg);
    assert.ok(messages.includes('received signal') && messages.includes('stopped'), messages.join(' | '));
  });
});
