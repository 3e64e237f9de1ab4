/**
 * When a target's keys need looking at again (the runs' requeues): a grace period's end, a cooldown's end
 * and the actuator's next follow-up, on the local clock although grace and cooldown are judged on AWS's time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../../controller/model/findings.js';
import { deadlinesOf, TargetProgress, type PlanTarget } from '../../controller/runtime/plan-and-apply.js';
import { ManualClock } from '../../controller/util/clock.js';
import { planned, planOf } from '../actuator/fixtures.js';

const redeploy: Action = {
  type: 'ecs:ForceNewDeployment',
  cluster: 'prod',
  service: 'web',
  serviceArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/web',
};
const deregister: Action = { type: 'cloudmap:DeregisterInstance', serviceId: 'srv-1', instanceId: 'i-1' };
const ttl: Action = { type: 'cloudmap:UpdateDnsTtl', serviceId: 'srv-2', records: [{ type: 'A', ttl: 10 }] };

/** A target whose AWS clock runs `skewMs` ahead of the local one, with the given last plan and follow-up. */
function target(options: {
  isDefault: boolean;
  skewMs: number;
  followUp?: { at: number; actions: Action[] };
  operationCheck?: number;
}) {
  const local = new ManualClock(1_000_000);
  const aws = { now: () => local.now() + options.skewMs };
  const progress = new TargetProgress();
  const t = {
    target: {
      key: options.isDefault ? 'us-east-1' : 'eu-west-1',
      region: options.isDefault ? 'us-east-1' : 'eu-west-1',
      isDefault: options.isDefault,
    },
    progress,
    awsClock: aws,
    actuator: { nextFollowUp: () => options.followUp, nextOperationCheck: () => options.operationCheck },
  } as unknown as PlanTarget;
  return { t, local, progress };
}

describe('deadlinesOf', () => {
  it('requeues a grace period end, a cooldown end and a follow-up, each on its own key, in local time', () => {
    const { t, local, progress } = target({
      isDefault: true,
      skewMs: 5_000,
      followUp: { at: 1_000_500, actions: [ttl] },
    });
    const grace = {
      ...planned(deregister, { blockedBy: 'grace-period' }),
      finding: { ...planned(deregister).finding, gracePeriodMs: 60_000 },
    };
    const cooldown = { ...planned(redeploy, { blockedBy: 'cooldown' }), blockedUntil: 1_100_000 };
    progress.lastPlan = planOf([grace, cooldown], 0);
    progress.firstSeen.set(grace.finding.key, 990_000);
    const deadlines = [...deadlinesOf(t, local).values()].map((d) => ({ key: d.key, at: d.at }));
    assert.deepEqual(deadlines, [
      { key: { kind: 'cloudmap-instances', serviceId: 'srv-1' }, at: 990_000 + 60_000 - 5_000 },
      { key: { kind: 'ecs-service', cluster: 'prod', service: 'web' }, at: 1_100_000 - 5_000 },
      { key: { kind: 'cloudmap-service', serviceId: 'srv-2' }, at: 1_000_500 },
    ]);
  });

  it("a Cloud Map operation's next check is the target's operations key, which re-reads nothing", () => {
    const own = target({ isDefault: true, skewMs: 5_000, operationCheck: 1_001_000 });
    assert.deepEqual([...deadlinesOf(own.t, own.local).values()], [{ key: { kind: 'operations' }, at: 1_001_000 }]);
    const other = target({ isDefault: false, skewMs: 0, operationCheck: 1_002_000 });
    assert.deepEqual(
      [...deadlinesOf(other.t, other.local).values()],
      [{ key: { kind: 'operations', target: 'eu-west-1' }, at: 1_002_000 }],
    );
  });

  it("names the target in the keys of a target other than the controller's own", () => {
    const { t, local, progress } = target({ isDefault: false, skewMs: 0 });
    progress.lastPlan = planOf([{ ...planned(redeploy, { blockedBy: 'cooldown' }), blockedUntil: 2_000_000 }], 0);
    const [deadline] = deadlinesOf(t, local).values();
    assert.deepEqual(deadline.key, { kind: 'ecs-service', cluster: 'prod', service: 'web', target: 'eu-west-1' });
  });

  it('has nothing to requeue for a block that does not end by itself', () => {
    const { t, local, progress } = target({ isDefault: true, skewMs: 0 });
    progress.lastPlan = planOf(
      [planned(redeploy, { blockedBy: 'max-concurrent' }), planned(deregister, { blockedBy: 'audit-mode' })],
      0,
    );
    assert.equal(deadlinesOf(t, local).size, 0);
  });
});
