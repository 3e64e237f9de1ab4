import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import type { ReadTarget } from '../../controller/aws/targets.js';
import type { PolicySet } from '../../controller/policy/types.js';
import { keyString } from '../../controller/inventory/work-key.js';
import { TargetRuntimes } from '../../controller/runtime/target-runtimes.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { ManualClock } from '../../controller/util/clock.js';
import { makePolicy } from '../fixtures/policy.js';

const ROLE = 'arn:aws:iam::222222222222:role/discovery-controller';

/** Runtimes over clients that are never called (nothing here reads AWS); records what the factory made. */
function runtimes(clientsFor?: (target: ReadTarget) => AwsClients) {
  const defaults = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const made: { target: ReadTarget; destroyed: boolean }[] = [];
  const targets = new TargetRuntimes({
    defaults,
    clientsFor:
      clientsFor ??
      ((target) => {
        const record = { target, destroyed: false };
        made.push(record);
        const clients: AwsClients = createAwsClients({ region: target.region, endpoint: 'http://127.0.0.1:9' });
        const destroy = clients.destroy.bind(clients);
        clients.destroy = () => {
          record.destroyed = true;
          destroy();
        };
        return clients;
      }),
    logger: silentLogger(),
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    timers: new ManualClock(Date.parse('2026-11-25T10:00:00Z')),
    dryRun: false,
    stopSignal: new AbortController().signal,
  });
  return { defaults, made, targets };
}

const set = (revision: string, ...targets: { name: string; region?: string; roleArn?: string }[]): PolicySet => ({
  revision,
  policies: targets.map((t) =>
    makePolicy({
      name: t.name,
      target: { ...(t.region ? { region: t.region } : {}), ...(t.roleArn ? { roleArn: t.roleArn } : {}) },
    }),
  ),
});

describe('TargetRuntimes', () => {
  it("groups policies by target; the default target uses the controller's own clients, others the factory's", () => {
    const { defaults, made, targets } = runtimes();
    targets.update(
      set(
        'r1',
        { name: 'own' },
        { name: 'other-region', region: 'eu-west-1' },
        { name: 'other-account', region: 'eu-west-1', roleArn: ROLE },
      ),
    );
    assert.deepEqual(
      targets.list().map((r) => [r.target.key, r.set.policies.map((p) => p.name)]),
      [
        ['us-east-1', ['own']],
        ['eu-west-1', ['other-region']],
        [`eu-west-1|${ROLE}`, ['other-account']],
      ],
    );
    assert.equal(targets.find(undefined)!.clients, defaults, 'keys without a target belong to the default target');
    assert.deepEqual(
      made.map((m) => m.target.key),
      ['eu-west-1', `eu-west-1|${ROLE}`],
    );
    assert.notEqual(targets.find('eu-west-1')!.clients, defaults);
    targets.close();
    assert.ok(made.every((m) => m.destroyed));
    defaults.destroy();
  });

  it('keeps the default target (with no policies) when every policy names another target', () => {
    const { defaults, targets } = runtimes();
    targets.update(set('r1', { name: 'far', region: 'eu-west-1' }));
    assert.deepEqual(
      targets.list().map((r) => [r.target.key, r.set.policies.length]),
      [
        ['us-east-1', 0],
        ['eu-west-1', 1],
      ],
    );
    targets.close();
    defaults.destroy();
  });

  it('on a new revision keeps the runtimes of kept targets, and destroys the clients of a dropped one only after work in flight ends', async () => {
    const { defaults, made, targets } = runtimes();
    targets.update(set('r1', { name: 'own' }, { name: 'far', region: 'eu-west-1' }));
    const far = targets.find('eu-west-1')!;
    const own = targets.find(undefined)!;
    let release!: () => void;
    const inFlight = targets.use(far, () => new Promise<void>((resolve) => (release = resolve)));

    targets.update(set('r2', { name: 'own-renamed' }));
    assert.equal(targets.find(undefined), own, 'same cache and grace clocks for the default target');
    assert.deepEqual(
      own.set.policies.map((p) => p.name),
      ['own-renamed'],
    );
    assert.equal(targets.find('eu-west-1'), undefined, 'no more work goes to the dropped target');
    assert.equal(made[0].destroyed, false, 'a read or write in flight keeps its clients');
    release();
    await inFlight;
    assert.equal(made[0].destroyed, true);

    // The target comes back: new clients, and readiness counts it from when it was added.
    targets.update(set('r3', { name: 'own' }, { name: 'far', region: 'eu-west-1' }));
    assert.equal(made.length, 2);
    assert.equal(targets.find('eu-west-1')!.addedAt, Date.parse('2026-11-25T10:00:00Z'));
    targets.close();
    defaults.destroy();
  });

  it('keeps a target whose clients cannot be made aside (never on the default clients) and retries it', () => {
    let fail = true;
    const { defaults, targets: failing } = runtimes((target) => {
      if (fail) throw new Error('STS is not reachable');
      return createAwsClients({ region: target.region, endpoint: 'http://127.0.0.1:9' });
    });
    failing.update(set('r1', { name: 'own' }, { name: 'far', region: 'eu-west-1' }));
    assert.deepEqual(
      failing.list().map((r) => r.target.key),
      ['us-east-1'],
    );
    assert.equal(failing.find('eu-west-1'), undefined);
    assert.match(
      failing.unavailableTargets()[0].error.message,
      /cannot make AWS clients for target eu-west-1: STS is not reachable/,
    );
    assert.equal(failing.retryUnavailable().length, 1, 'still failing');
    fail = false;
    assert.deepEqual(failing.retryUnavailable(), []);
    assert.deepEqual(
      failing.list().map((r) => r.target.key),
      ['us-east-1', 'eu-west-1'],
    );
    failing.close();
    defaults.destroy();
  });
});

describe('WorkKey target', () => {
  it("keeps keys of different targets apart in the queue, and event keys (no target) are the default target's", () => {
    const own = keyString({ kind: 'cloudmap-service', serviceId: 'srv-1' });
    const far = keyString({ kind: 'cloudmap-service', serviceId: 'srv-1', target: `eu-west-1|${ROLE}` });
    assert.equal(own, 'cloudmap-service/srv-1');
    assert.notEqual(own, far);
  });
});
