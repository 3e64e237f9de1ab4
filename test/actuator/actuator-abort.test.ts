/** The actuator when the run is stopping: an abort lets the action in flight finish, a shutdown stops operation checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand, UpdateServiceCommand as EcsUpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DeregisterInstanceCommand, GetOperationCommand } from '@aws-sdk/client-servicediscovery';
import { planned, planOf } from './fixtures.js';
import { mockedActuator, NOW } from './mocked-actuator.js';

test('after abort no new action starts, while the one in flight completes', async () => {
  const { ecs, actuator, done } = mockedActuator({ concurrency: 1 });
  const controller = new AbortController();
  ecs.on(DescribeServicesCommand).callsFake(async (input: { services: string[] }) => {
    controller.abort(); // SIGTERM arrives while the first action is in flight
    return {
      services: [
        {
          serviceArn: input.services[0],
          status: 'ACTIVE',
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED', createdAt: new Date(NOW - 86_400_000) }],
        },
      ],
    };
  });
  ecs.on(EcsUpdateServiceCommand).resolves({});
  const arn = (name: string) => `arn:aws:ecs:us-east-1:111122223333:service/prod/${name}`;
  try {
    const outcomes = await actuator.apply(
      planOf(
        [
          planned({
            type: 'ecs:ForceNewDeployment',
            cluster: 'prod',
            service: 'checkout',
            serviceArn: arn('checkout'),
          }),
          planned({ type: 'ecs:ForceNewDeployment', cluster: 'prod', service: 'cart', serviceArn: arn('cart') }),
        ],
        NOW,
      ),
      controller.signal,
    );
    assert.deepEqual(
      outcomes.map((o) => [o.result, o.reason]),
      [
        ['success', undefined],
        ['skipped', 'aborted'],
      ],
    );
    assert.equal(ecs.commandCalls(EcsUpdateServiceCommand).length, 1);
  } finally {
    done();
  }
});

test('a shutdown stops checking operations: nothing more is asked of Cloud Map', async () => {
  const { sd, actuator, clock, done } = mockedActuator();
  const controller = new AbortController();
  sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-1' });
  sd.on(GetOperationCommand).resolves({ Operation: { Id: 'op-1', Status: 'PENDING' } });
  try {
    await actuator.apply(
      planOf([planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' })], NOW),
    );
    controller.abort();
    clock.advance(1_000);
    assert.deepEqual(await actuator.settle(controller.signal), []);
    assert.deepEqual(
      await actuator.finishOperations(controller.signal, 1_000).then((o) => o.map((x) => x.error?.code)),
      ['OperationTimeout'],
    );
    assert.equal(sd.commandCalls(GetOperationCommand).length, 0);
  } finally {
    done();
  }
});
