/** What an operator reads about Cloud Map operations: submitted, failed with the ErrorCode, or stuck. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { DeregisterInstanceCommand, GetOperationCommand } from '@aws-sdk/client-servicediscovery';
import { Actuator } from '../../controller/actuator/actuator.js';
import { createAwsClients } from '../../controller/aws/clients.js';
import { createLogger } from '../../controller/telemetry/logger.js';
import { ManualClock } from '../../controller/util/clock.js';
import { planned, planOf } from './fixtures.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');

type Line = {
  level: string;
  msg: string;
  result?: string;
  reason?: string;
  errorCode?: string;
  operationId?: string;
  retryAt?: string;
  runningForMs?: number;
};

function setup() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const sd = mockClient(clients.serviceDiscovery);
  const clock = new ManualClock(NOW);
  const actuator = new Actuator({
    clients,
    logger: createLogger({ level: 'info', destination: destination as never }),
    clock,
    dryRun: false,
  });
  return {
    lines,
    sd,
    clock,
    actuator,
    done: () => {
      sd.restore();
      clients.destroy();
    },
  };
}

const deregister = () =>
  planOf([planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' })], NOW);

test('a submitted write is logged with its operation id, never as applied; its FAIL as a warning with the ErrorCode and the retry time', async () => {
  const { lines, sd, clock, actuator, done } = setup();
  sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-7' });
  sd.on(GetOperationCommand).resolves({
    Operation: { Id: 'op-7', Status: 'FAIL', ErrorCode: 'ACCESS_DENIED', ErrorMessage: 'route53:DeleteHealthCheck' },
  });
  try {
    await actuator.apply(deregister());
    clock.advance(1_000);
    await actuator.settle();
    assert.deepEqual(
      lines.map((l) => [l.msg, l.result, l.operationId]),
      [
        ['action submitted; Cloud Map finishes it later (operation followed)', 'pending', 'op-7'],
        ['action failed', 'failed', 'op-7'],
      ],
    );
    assert.equal(lines[1].level, 'warn', 'a warning');
    assert.equal(lines[1].errorCode, 'ACCESS_DENIED');
    assert.equal(lines[1].retryAt, new Date(clock.now() + 30_000).toISOString());
    assert.ok(!lines.some((l) => l.msg === 'action applied'));
  } finally {
    done();
  }
});

test('an operation still running two minutes after submission is reported once as a warning, and still followed', async () => {
  const { lines, sd, clock, actuator, done } = setup();
  sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-slow' });
  sd.on(GetOperationCommand).resolves({ Operation: { Id: 'op-slow', Status: 'PENDING' } });
  try {
    await actuator.apply(deregister());
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      await actuator.settle();
    }
    const stuck = lines.filter((l) => l.msg.startsWith('Cloud Map operation still running long'));
    assert.equal(stuck.length, 1);
    assert.equal(stuck[0].level, 'warn');
    assert.ok(stuck[0].runningForMs! > 120_000);
    assert.equal(actuator.pendingOperations(), 1, 'still followed');
  } finally {
    done();
  }
});
