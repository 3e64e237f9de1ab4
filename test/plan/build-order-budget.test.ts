/** buildPlan: deletion budgets, the sanity guard, and the order in which the actuator applies a plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cmService, ecsInstance, ecsService, HOUR, inventory, namespace, policy, T0, task } from '../rules/fixtures.js';
import { NS, SC_NS, cloudMapFleet, staleClients, decisions, plan } from './build-fixtures.js';

describe('buildPlan: budgets and order', () => {
  it('spends maxDeletionsPerRun across namespaces, then blocks with budget-exhausted', () => {
    const other = namespace('other.local');
    const a = cloudMapFleet(NS, 2, 3);
    const b = cloudMapFleet(other, 2, 3);
    const inv = inventory({
      namespaces: [NS, other],
      cloudMapServices: [...a.cloudMapServices, ...b.cloudMapServices],
      services: [...a.services, ...b.services],
    });
    const p = policy({ target: { namespaces: ['*.local'] }, rules: { cloudMapOrphans: { maxDeletionsPerRun: 3 } } });
    assert.deepEqual(
      plan([p], inv, T0).plan.actions.map((a) => (a.decision === 'execute' ? 'execute' : a.blockedBy)),
      ['execute', 'execute', 'execute', 'budget-exhausted'],
    );
  });

  const sanityCases = [
    { name: 'exactly half of the services of a namespace: allowed', orphans: 2, used: 2, expect: 'execute' },
    {
      name: 'more than half of the services of a namespace: nothing pruned there',
      orphans: 3,
      used: 2,
      expect: 'sanity-guard',
    },
    {
      name: 'the last two services of a small namespace: too few for the 50 % rule, allowed',
      orphans: 2,
      used: 0,
      expect: 'execute',
    },
    {
      name: 'more than maxDeletionsPerRun in one namespace: nothing pruned there',
      orphans: 4,
      used: 20,
      expect: 'sanity-guard',
      max: 3,
    },
  ];
  for (const c of sanityCases) {
    it(`sanity guard: ${c.name}`, () => {
      const p = policy({ rules: { cloudMapOrphans: { maxDeletionsPerRun: c.max ?? 20 } } });
      const result = plan([p], inventory({ namespaces: [NS], ...cloudMapFleet(NS, c.orphans, c.used) }), T0).plan;
      assert.equal(result.actions.length, c.orphans);
      assert.ok(
        result.actions.every((a) => (a.decision === 'execute' ? 'execute' : a.blockedBy) === c.expect),
        decisions(result).join('\n'),
      );
    });
  }

  it('sanity guard counts instances too: deregistering most of a namespace trips it', () => {
    const svc = cmService('api', NS, {
      instances: [ecsInstance('dead1'), ecsInstance('dead2'), ecsInstance('dead3'), ecsInstance('live')],
    });
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [svc],
      services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })],
      tasks: [task('api', T0, { id: 'live' })],
    });
    assert.deepEqual(
      plan([policy()], inv, T0).plan.actions.map((a) => a.blockedBy),
      ['sanity-guard', 'sanity-guard', 'sanity-guard'],
    );
  });

  it('orders deregistrations before the deletion they empty, then TTL updates, then redeploys', () => {
    const orphan = cmService('old', NS, {
      instances: [ecsInstance('t2', 'prod', 'old'), ecsInstance('t1', 'prod', 'old')],
    });
    const longTtl = cmService('slow', NS, { dnsRecords: [{ type: 'A', ttl: 300 }] });
    const base = staleClients(['checkout']);
    const users = cloudMapFleet(NS, 0, 6);
    const busy = cmService('busy', NS, { instances: ['x1', 'x2', 'x3'].map((id) => ecsInstance(id, 'prod', 'busy')) });
    const inv = {
      ...base,
      namespaces: [NS, SC_NS],
      cloudMapServices: [longTtl, orphan, busy, ...users.cloudMapServices],
      services: [
        ...base.services,
        ...users.services,
        ...[longTtl, busy].map((s) => ecsService(s.name, { serviceRegistries: [{ registryArn: s.arn }] })),
      ],
      tasks: [...base.tasks, ...['x1', 'x2', 'x3'].map((id) => task('busy', T0, { id }))],
    };
    const fleet = inventory({ ...inv, taskRechecks: undefined, ownership: undefined });
    const result = plan([policy()], fleet, T0 + 6 * HOUR).plan;
    assert.deepEqual(
      result.actions.map(
        (a) => a.action.type + (a.action.type === 'cloudmap:DeregisterInstance' ? ` ${a.action.instanceId}` : ''),
      ),
      [
        'cloudmap:DeregisterInstance t1',
        'cloudmap:DeregisterInstance t2',
        'cloudmap:DeleteService',
        'cloudmap:UpdateDnsTtl',
        'ecs:ForceNewDeployment',
      ],
    );
    assert.ok(
      result.actions.every((a) => a.decision === 'execute'),
      decisions(result).join('\n'),
    );
  });

  it('drops the TTL update of a service the plan deletes, but keeps it while the deletion waits', () => {
    const users = cloudMapFleet(NS, 0, 3);
    const old = cmService('old', NS, { dnsRecords: [{ type: 'A', ttl: 300 }] });
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [old, ...users.cloudMapServices],
      services: users.services,
    });
    const now = plan([policy()], inv, T0).plan;
    assert.deepEqual(decisions(now), ['cloudmap:DeleteService cloudMapOrphans/service/srv-old execute']);
    assert.deepEqual(
      now.findings.map((f) => f.rule),
      ['cloudMapOrphans'],
    );
    const waiting = plan([policy({ rules: { cloudMapOrphans: { gracePeriodMs: HOUR } } })], inv, T0).plan;
    assert.deepEqual(decisions(waiting), [
      'cloudmap:DeleteService cloudMapOrphans/service/srv-old grace-period',
      'cloudmap:UpdateDnsTtl dnsTtl/srv-old execute',
    ]);
  });

  it('does not delete a service whose deregistrations ran out of budget', () => {
    const other = namespace('b.local');
    const first = cloudMapFleet(NS, 2, 3, 'a');
    const old = cmService('old', other, {
      instances: [ecsInstance('t1', 'prod', 'old'), ecsInstance('t2', 'prod', 'old')],
    });
    const busy = cmService('busy', other, {
      instances: ['x1', 'x2', 'x3'].map((id) => ecsInstance(id, 'prod', 'busy')),
    });
    const inv = inventory({
      namespaces: [NS, other],
      cloudMapServices: [...first.cloudMapServices, old, busy],
      services: [...first.services, ecsService('busy', { serviceRegistries: [{ registryArn: busy.arn }] })],
      tasks: ['x1', 'x2', 'x3'].map((id) => task('busy', T0, { id })),
    });
    const result = plan(
      [policy({ target: { namespaces: ['*.local'] }, rules: { cloudMapOrphans: { maxDeletionsPerRun: 4 } } })],
      inv,
      T0,
    ).plan;
    assert.deepEqual(decisions(result), [
      'cloudmap:DeleteService cloudMapOrphans/service/srv-a-orphan0 execute',
      'cloudmap:DeleteService cloudMapOrphans/service/srv-a-orphan1 execute',
      'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old/t1 execute',
      'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-old/t2 execute',
      'cloudmap:DeleteService cloudMapOrphans/service/srv-old budget-exhausted',
    ]);
    const tight = plan(
      [policy({ target: { namespaces: ['*.local'] }, rules: { cloudMapOrphans: { maxDeletionsPerRun: 3 } } })],
      inv,
      T0,
    ).plan;
    assert.deepEqual(
      tight.actions.slice(3).map((a) => a.blockedBy),
      ['budget-exhausted', 'budget-exhausted'],
    );
    assert.match(tight.actions[4].detail ?? '', /waits for the deregistration of instance t2/);
  });
});
