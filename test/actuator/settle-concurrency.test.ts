/** A pass asks Cloud Map about its due operations a few at a time, not one after another, and reports them in order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeregisterInstanceCommand, GetOperationCommand } from '@aws-sdk/client-servicediscovery';
import { Actuator } from '../../controller/actuator/actuator.js';
import type { AwsClients } from '../../controller/aws/clients.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ManualClock } from '../../controller/util/clock.js';
import { planned, planOf } from './fixtures.js';

test('due operations are checked concurrently, their outcomes reported in submission order', async () => {
  let inFlight = 0;
  let most = 0;
  let next = 0;
  const serviceDiscovery = {
    send: async (command: unknown) => {
      if (command instanceof DeregisterInstanceCommand) return { OperationId: `op-${next++}` };
      assert.ok(command instanceof GetOperationCommand);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { Operation: { Id: command.input.OperationId, Status: 'SUCCESS' } };
    },
  };
  const clock = new ManualClock(1_000_000);
  const actuator = new Actuator({
    clients: { serviceDiscovery } as unknown as AwsClients,
    logger: silentLogger(),
    clock,
    dryRun: false,
    writesPerSecond: 1_000,
  });
  const actions = Array.from({ length: 12 }, (_, i) =>
    planned({ type: 'cloudmap:DeregisterInstance', serviceId: `srv-${i}`, instanceId: `task-${i}` }),
  );
  const submitted = await actuator.apply(planOf(actions, clock.now()));
  assert.ok(submitted.every((o) => o.result === 'pending'));
  clock.advance(1_000);
  const settled = await actuator.settle();
  assert.deepEqual(
    settled.map((o) => [o.result, o.operationId]),
    actions.map((_, i) => ['success', `op-${i}`]),
  );
  assert.ok(most > 1 && most <= 8, `between 2 and 8 GetOperation calls in flight at once, saw ${most}`);
});
