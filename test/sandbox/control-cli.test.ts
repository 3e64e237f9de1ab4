import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import { ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { runEmulator } from '../../controller/cli/commands/sandbox.js';
import type { Sandbox } from '../../sandbox/index.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

test('sandbox --emulator-only serves the demo fleet, prints the URL and environment, and stops on abort', async () => {
  const stdout = capture();
  const stderr = capture();
  const stop = new AbortController();
  let ready!: (sandbox: Sandbox) => void;
  const started = new Promise<Sandbox>((resolve) => (ready = resolve));
  const exit = runEmulator(
    ['--emulator-only', '--port', '0'],
    { stdout: stdout.stream, stderr: stderr.stream, env: {} },
    stop.signal,
    ready,
  );
  const sandbox = await started;
  assert.match(stdout.text(), new RegExp(`export AWS_ENDPOINT_URL=${sandbox.url}`));
  assert.match(stdout.text(), /export AWS_REGION=us-east-1/);
  assert.match(stdout.text(), /scenario demo/);
  const ecs = new ECSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  try {
    const { serviceArns } = await ecs.send(new ListServicesCommand({ cluster: 'prod', maxResults: 100 }));
    assert.ok(serviceArns!.length > 5);
  } finally {
    ecs.destroy();
  }
  stop.abort();
  assert.equal(await exit, 0);
  assert.match(stdout.text(), /stopped/);
  assert.equal(stderr.text(), '');
  await assert.rejects(fetch(`${sandbox.url}/_sandbox/clock`));
});

test('sandbox rejects a bad port and reports a broken scenario file without a stack trace', async () => {
  const io = { stdout: capture().stream, stderr: capture().stream, env: {} };
  await assert.rejects(
    runEmulator(['--port', 'http'], io, new AbortController().signal),
    /--port must be a port number/,
  );
  const stderr = capture();
  const code = await runEmulator(
    ['--port', '0', '--scenario', '/nonexistent.yaml'],
    { ...io, stderr: stderr.stream },
    new AbortController().signal,
  );
  assert.equal(code, 1);
  assert.match(stderr.text(), /cannot read scenario file \/nonexistent\.yaml/);
});

test('sandbox --quota starts in quota mode: the bucket empties and ECS answers ThrottlingException', async () => {
  const stop = new AbortController();
  let ready!: (sandbox: Sandbox) => void;
  const started = new Promise<Sandbox>((resolve) => (ready = resolve));
  const io = { stdout: capture().stream, stderr: capture().stream, env: {} };
  const exit = runEmulator(
    ['--emulator-only', '--port', '0', '--quota', 'ecs=1:2', '--quota', 'servicediscovery=50'],
    io,
    stop.signal,
    ready,
  );
  const sandbox = await started;
  const ecs = new ECSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  try {
    assert.deepEqual(sandbox.quotas.list(), {
      ecs: { rate: 1, burst: 2, allowed: 0, throttled: 0 },
      servicediscovery: { rate: 50, burst: 50, allowed: 0, throttled: 0 },
    });
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map(() => ecs.send(new ListServicesCommand({ cluster: 'prod' }))),
    );
    assert.ok(results.some((r) => r.status === 'rejected' && (r.reason as Error).name === 'ThrottlingException'));
    assert.equal(sandbox.quotas.list().ecs.throttled, results.filter((r) => r.status === 'rejected').length);
  } finally {
    ecs.destroy();
    stop.abort();
  }
  assert.equal(await exit, 0);
  await assert.rejects(
    runEmulator(['--quota', 'ecs=fast'], io, new AbortController().signal),
    /--quota must look like ecs=20 or ecs=20:50/,
  );
});
