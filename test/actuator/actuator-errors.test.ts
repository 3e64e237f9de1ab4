import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DuplicateRequest,
  GetOperationCommand,
  GetServiceCommand,
  ListInstancesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { ServiceDiscoveryServiceException } from '@aws-sdk/client-servicediscovery';
import { planned, planOf } from './fixtures.js';
import { mockedActuator, NOW } from './mocked-actuator.js';

function throttling(): Error {
  return new ServiceDiscoveryServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

test('a lone DeregisterInstance is pending, not a success; its FAIL is a failed action with the ErrorCode, counted once, then backed off', async () => {
  const { sd, actuator, metrics, clock, done } = mockedActuator();
  sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-1' });
  sd.on(GetOperationCommand)
    .resolvesOnce({ Operation: { Id: 'op-1', Status: 'PENDING' } })
    .resolves({
      Operation: {
        Id: 'op-1',
        Status: 'FAIL',
        ErrorCode: 'ACCESS_DENIED',
        ErrorMessage: 'not authorized to perform route53:DeleteHealthCheck',
      },
    });
  const plan = planOf(
    [planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' })],
    NOW,
  );
  try {
    const [submitted] = await actuator.apply(plan);
    assert.deepEqual(
      [submitted.result, submitted.reason, submitted.operationId],
      ['pending', 'operation-submitted', 'op-1'],
    );
    assert.equal(sd.commandCalls(GetOperationCommand).length, 0, 'the apply does not wait for the operation');
    assert.doesNotMatch(
      (await metrics.exposition()).body,
      /action="cloudmap:DeregisterInstance"/,
      'nothing counted while pending',
    );

    assert.deepEqual(await actuator.settle(), [], 'not due yet');
    clock.advance(1_000);
    assert.deepEqual(await actuator.settle(), [], 'still PENDING');
    const [again] = await actuator.apply(plan);
    assert.deepEqual([again.result, again.reason], ['pending', 'operation-pending']);
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 1, 'an operation in flight is not submitted again');

    clock.advance(60_000);
    const [failed] = await actuator.settle();
    assert.deepEqual([failed.result, failed.error?.code, failed.operationId], ['failed', 'ACCESS_DENIED', 'op-1']);
    assert.match(failed.error?.message ?? '', /op-1 failed: ACCESS_DENIED: not authorized/);
    const body = (await metrics.exposition()).body;
    assert.match(
      body,
      /ecs_discovery_actions_total\{policy="payments",rule="cloudMapOrphans",action="cloudmap:DeregisterInstance",result="failed"\} 1/,
    );
    assert.doesNotMatch(body, /action="cloudmap:DeregisterInstance",result="success"/);

    const [backedOff] = await actuator.apply(plan);
    assert.deepEqual(
      [backedOff.result, backedOff.reason, backedOff.error?.code],
      ['skipped', 'backoff-after-failure', 'ACCESS_DENIED'],
    );
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 1);
    const followUp = actuator.nextFollowUp();
    assert.equal(followUp?.at, clock.now() + 30_000, 'the controller is asked to look again when the backoff ends');
    clock.advance(30_000);
    const [retried] = await actuator.apply(plan);
    assert.equal(retried.result, 'pending');
    assert.equal(sd.commandCalls(DeregisterInstanceCommand).length, 2, 'retried after the backoff');
  } finally {
    done();
  }
});

test('a DeregisterInstance already in progress follows the DuplicateOperationId; the deletion of the service waits for it', async () => {
  const { sd, actuator, clock, done } = mockedActuator();
  sd.on(ListInstancesCommand).resolves({ Instances: [] });
  sd.on(DeleteServiceCommand).resolves({});
  sd.on(DeregisterInstanceCommand).rejects(
    new DuplicateRequest({ $metadata: {}, message: 'in progress', DuplicateOperationId: 'op-earlier' }),
  );
  sd.on(GetOperationCommand, { OperationId: 'op-earlier' }).resolves({
    Operation: { Id: 'op-earlier', Status: 'SUCCESS' },
  });
  const deregister = planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' });
  const deletion = planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-1' });
  try {
    const [outcome, waiting] = await actuator.apply(planOf([deregister, deletion], NOW));
    assert.deepEqual(
      [outcome.result, outcome.reason, outcome.operationId],
      ['pending', 'followed-duplicate-operation', 'op-earlier'],
    );
    assert.deepEqual([waiting.result, waiting.reason], ['skipped', 'deregistration-pending']);
    const [stillWaiting] = await actuator.apply(planOf([deletion], NOW));
    assert.deepEqual([stillWaiting.result, stillWaiting.reason], ['skipped', 'deregistration-pending']);
    assert.equal(sd.commandCalls(DeleteServiceCommand).length, 0);

    clock.advance(1_000);
    const [done_] = await actuator.settle();
    assert.deepEqual([done_.result, done_.reason], ['success', 'followed-duplicate-operation']);
    const [deleted] = await actuator.apply(planOf([deletion], NOW));
    assert.equal(deleted.result, 'success');
  } finally {
    done();
  }
});

test('a TTL update whose Cloud Map operation ends in FAIL is reported failed with the operation error code', async () => {
  const { sd, actuator, metrics, clock, done } = mockedActuator();
  sd.on(GetServiceCommand).resolves({ Service: { Id: 'srv-1', DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] } } });
  sd.on(UpdateServiceCommand).resolves({ OperationId: 'op-1' });
  sd.on(GetOperationCommand).resolves({
    Operation: { Id: 'op-1', Status: 'FAIL', ErrorCode: 'INVALID_CHANGE_BATCH', ErrorMessage: 'bad batch' },
  });
  try {
    const [submitted] = await actuator.apply(
      planOf([planned({ type: 'cloudmap:UpdateDnsTtl', serviceId: 'srv-1', records: [{ type: 'A', ttl: 10 }] })], NOW),
    );
    assert.equal(submitted.result, 'pending');
    clock.advance(1_000);
    const [outcome] = await actuator.settle();
    assert.equal(outcome.result, 'failed');
    assert.equal(outcome.error?.code, 'INVALID_CHANGE_BATCH');
    assert.match(outcome.error?.message ?? '', /op-1 failed: INVALID_CHANGE_BATCH: bad batch/);
    assert.match(
      (await metrics.exposition()).body,
      /ecs_discovery_actions_total\{policy="payments",rule="dnsTtl",action="cloudmap:UpdateDnsTtl",result="failed"\} 1/,
    );
  } finally {
    done();
  }
});

test('run --once: an operation that never finishes ends as failed OperationTimeout instead of blocking the run', async () => {
  const { sd, actuator, done } = mockedActuator();
  sd.on(DeregisterInstanceCommand).resolves({ OperationId: 'op-slow' });
  sd.on(GetOperationCommand).resolves({ Operation: { Id: 'op-slow', Status: 'PENDING' } });
  try {
    const [submitted, deletion] = await actuator.apply(
      planOf(
        [
          planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' }),
          planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-1' }),
        ],
        NOW,
      ),
    );
    assert.equal(submitted.result, 'pending');
    assert.deepEqual([deletion.result, deletion.reason], ['skipped', 'deregistration-pending']);
    const [outcome] = await actuator.finishOperations(undefined, 20);
    assert.deepEqual([outcome.result, outcome.error?.code], ['failed', 'OperationTimeout']);
    assert.equal(actuator.nextFollowUp(), undefined, 'forgotten once reported');
  } finally {
    done();
  }
});

test('a throttled deregistration fails with its code and stops the deletion of that service only', async () => {
  const { sd, actuator, done } = mockedActuator();
  sd.on(DeregisterInstanceCommand, { ServiceId: 'srv-1' }).rejects(throttling());
  sd.on(DeregisterInstanceCommand, { ServiceId: 'srv-2' }).resolves({ OperationId: 'op-2' });
  sd.on(ListInstancesCommand).resolves({ Instances: [] });
  sd.on(DeleteServiceCommand).resolves({});
  try {
    const outcomes = await actuator.apply(
      planOf(
        [
          planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'task-1' }),
          planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-1' }),
          planned({ type: 'cloudmap:DeregisterInstance', serviceId: 'srv-2', instanceId: 'task-2' }),
          planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-2' }),
        ],
        NOW,
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => [o.result, o.reason ?? o.error?.code]),
      [
        ['failed', 'ThrottlingException'],
        ['skipped', 'deregistration-failed'],
        ['pending', 'operation-submitted'],
        ['skipped', 'deregistration-pending'],
      ],
    );
    assert.equal(sd.commandCalls(DeleteServiceCommand).length, 0);
  } finally {
    done();
  }
});

test('a Cloud Map service that holds instances again is not deleted', async () => {
  const { sd, actuator, done } = mockedActuator();
  sd.on(ListInstancesCommand)
    .resolvesOnce({ Instances: [], NextToken: 't' })
    .resolves({ Instances: [{ Id: 'ec2-registered' }] });
  try {
    const [outcome] = await actuator.apply(
      planOf([planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-1' })], NOW),
    );
    assert.equal(outcome.result, 'skipped');
    assert.equal(outcome.reason, 'still-has-instances');
    assert.equal(sd.commandCalls(DeleteServiceCommand).length, 0);
  } finally {
    done();
  }
});

test('blocked decisions are counted by reason, and a sanity-guard trip once per policy and namespace', async () => {
  const { sd, actuator, metrics, done } = mockedActuator();
  try {
    const outcomes = await actuator.apply(
      planOf(
        [
          planned(
            { type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'a' },
            { blockedBy: 'sanity-guard', namespace: 'internal.example.com' },
          ),
          planned(
            { type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'b' },
            { blockedBy: 'sanity-guard', namespace: 'internal.example.com' },
          ),
          planned({ type: 'cloudmap:DeleteService', serviceId: 'srv-3' }, { blockedBy: 'grace-period' }),
        ],
        NOW,
      ),
    );
    assert.deepEqual(outcomes, [], 'blocked actions produce no outcome and no AWS call');
    assert.equal(sd.calls().length, 0);
    const body = (await metrics.exposition()).body;
    assert.match(
      body,
      /ecs_discovery_actions_blocked_total\{policy="payments",rule="cloudMapOrphans",reason="sanity-guard"\} 2/,
    );
    assert.match(
      body,
      /ecs_discovery_actions_blocked_total\{policy="payments",rule="cloudMapOrphans",reason="grace-period"\} 1/,
    );
    assert.match(
      body,
      /ecs_discovery_sanity_guard_trips_total\{policy="payments",namespace="internal.example.com"\} 1/,
    );
  } finally {
    done();
  }
});
