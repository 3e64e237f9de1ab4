/**
 * A write that failed is sent again only when the runtime says its key's backoff ended: one failing key's retry
 * does not resend every failing write of the target. Narrow error path: aws-sdk-client-mock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeregisterInstanceCommand, ServiceDiscoveryServiceException } from '@aws-sdk/client-servicediscovery';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import type { Action } from '../../controller/model/findings.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ManualClock } from '../../controller/util/clock.js';
import { planned, planOf } from './fixtures.js';

const denied = () =>
  new ServiceDiscoveryServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'not authorized',
  });

test('failing writes are retried one key at a time, the others skipped until their own key retries', async () => {
  const clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
  const sd = mockClient(clients.serviceDiscovery);
  sd.on(DeregisterInstanceCommand).rejects(denied());
  const clock = new ManualClock(1_000_000);
  const actuator = new Actuator({ clients, logger: silentLogger(), clock, dryRun: false, writesPerSecond: 1_000 });
  const deregister = (i: number): Action => ({
    type: 'cloudmap:DeregisterInstance',
    serviceId: `srv-${i}`,
    instanceId: `task-${i}`,
  });
  const plan = planOf(
    [1, 2, 3].map((i) => planned(deregister(i))),
    clock.now(),
  );
  try {
    const first = await actuator.apply(plan, undefined, () => false);
    assert.deepEqual(
      first.map((o) => o.result),
      ['failed', 'failed', 'failed'],
      'a first attempt is never held back',
    );
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 3);

    // srv-2's key retries: only its write is sent again.
    const second = await actuator.apply(
      plan,
      undefined,
      (a) => a.type === 'cloudmap:DeregisterInstance' && a.serviceId === 'srv-2',
    );
    assert.deepEqual(
      second.map((o) => [o.result, o.reason]),
      [
        ['skipped', 'backoff-after-failure'],
        ['failed', undefined],
        ['skipped', 'backoff-after-failure'],
      ],
    );
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 4);
    assert.equal(second[0].error?.code, 'AccessDeniedException');

    // A full reconcile (no predicate) retries them all.
    await actuator.apply(plan);
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 7);
  } finally {
    sd.restore();
    clients.destroy();
  }
});
