/**
 * The telemetry server under hostile clients: a connection flood, a client that never finishes its headers
 * (slowloris), and /status read by someone who should not learn which IAM roles the controller assumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { startTelemetryServer, type TelemetryServerOptions } from '../../controller/telemetry/server.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { parseRunConfig } from '../../controller/cli/run-config.js';

function start(extra: Partial<TelemetryServerOptions> = {}) {
  return startTelemetryServer({
    address: '127.0.0.1:0',
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    readiness: () => ({ ready: true }),
    status: () => ({}),
    ...extra,
  });
}

/** Opens a raw TCP connection and resolves once it is connected. */
async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

test('connections beyond the cap are closed at once; the ones within it are served', { timeout: 15_000 }, async () => {
  const server = await start({ limits: { maxConnections: 3 } });
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 3; i += 1) sockets.push(await open(server.port));
    const extra = await open(server.port);
    sockets.push(extra);
    await once(extra, 'close'); // the server drops it without a response
    sockets[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let answer = '';
    sockets[0].on('data', (chunk) => {
      answer += String(chunk);
    });
    await once(sockets[0], 'end');
    assert.match(answer, /^HTTP\/1\.1 200/);
  } finally {
    for (const s of sockets) s.destroy();
    await server.close();
  }
});

test('a client that never finishes its headers is cut off (slowloris)', { timeout: 15_000 }, async () => {
  const server = await start({ limits: { headersTimeoutMs: 200, requestTimeoutMs: 400 } });
  const socket = await open(server.port);
  try {
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    await once(socket, 'close'); // waits on the server's timeout, not on a sleep
    assert.match(answer, /^HTTP\/1\.1 408/);
  } finally {
    socket.destroy();
    await server.close();
  }
});

test('with --status-redact, /status carries no role ARN, in fields or in messages', async () => {
  const role = 'arn:aws:iam::444455556666:role/discovery-writer';
  const body = {
    policies: [{ name: 'payments', target: { region: 'eu-west-1', roleArn: role } }],
    targets: [
      {
        roleArn: role,
        lastError: {
          message: `AccessDenied: User: arn:aws:sts::444455556666:assumed-role/discovery-writer/ecs-discovery-controller is not authorized; assumed ${role}`,
        },
      },
    ],
  };
  const plain = await start({ status: () => body });
  const notReady = () => ({
    ready: false as const,
    reason: `no reconcile has succeeded yet (target eu-west-1 as ${role})`,
  });
  const redacted = await start({ status: () => body, redactStatus: true, readiness: notReady });
  try {
    assert.ok((await (await fetch(`${plain.url}/status`)).text()).includes(role), 'off by default on the server');
    const text = await (await fetch(`${redacted.url}/status`)).text();
    assert.doesNotMatch(text, /arn:aws:(iam|sts)::\d{12}:(role|assumed-role)/);
    assert.ok(!text.includes('discovery-writer'));
    assert.equal(JSON.parse(text).policies[0].name, 'payments', 'everything else is still there');
    const readyz = await (await fetch(`${redacted.url}/readyz`)).text();
    assert.ok(!readyz.includes(role) && readyz.includes('no reconcile has succeeded yet'), readyz);
  } finally {
    await plain.close();
    await redacted.close();
  }
  const base = ['--policies', 'p', '--allowed-namespaces', 'internal.example.com'];
  assert.equal(parseRunConfig(base, {}).statusRedact, false);
  assert.equal(parseRunConfig([...base, '--status-redact'], {}).statusRedact, true);
  assert.equal(parseRunConfig(base, { STATUS_REDACT: 'true' }).statusRedact, true);
});
