import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Actuator } from '../../controller/actuator/actuator.js';
import { createAwsClients } from '../../controller/aws/clients.js';
import { createLogger } from '../../controller/telemetry/logger.js';
import { ManualClock } from '../../controller/util/clock.js';
import { planned, planOf } from './fixtures.js';

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: { level: string; msg: string; reason?: string; resource?: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination: destination as never }), lines };
}

test('a blocked action is announced at info once, and again only when its reason changes', async () => {
  const { logger, lines } = capturingLogger();
  const clients = createAwsClients({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const clock = new ManualClock();
  const actuator = new Actuator({ clients, logger, clock, dryRun: false });
  const deleteOld = { type: 'cloudmap:DeleteService' as const, serviceId: 'srv-old' };
  try {
    await actuator.apply(planOf([planned(deleteOld, { blockedBy: 'grace-period' })], clock.now()));
    await actuator.apply(planOf([planned(deleteOld, { blockedBy: 'grace-period' })], clock.now()));
    await actuator.apply(planOf([planned(deleteOld, { blockedBy: 'audit-mode' })], clock.now()));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    clients.destroy();
  }
  const blocked = lines.filter((l) => l.msg === 'action blocked');
  assert.deepEqual(
    blocked.map((l) => l.reason),
    ['grace-period', 'audit-mode'],
    'the repeated grace-period wait is not logged again at info',
  );
  assert.ok(blocked.every((l) => l.level === 'info'));
});
