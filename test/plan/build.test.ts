import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudMapService, EcsService, EcsTask, Inventory, Namespace } from '../../controller/inventory/model.js';
import { buildPlan } from '../../controller/plan/build.js';
import type { Plan } from '../../controller/plan/types.js';
import type { Policy } from '../../controller/policy/types.js';
import {
  cmService,
  deployment,
  ecsInstance,
  ecsService,
  HOUR,
  inventory,
  MINUTE,
  namespace,
  policy,
  policySet,
  sc,
  scService,
  T0,
  task,
} from '../rules/fixtures.js';

const NS = namespace('internal.local');
const SC_NS = namespace('sc.local', 'HTTP');

/** `orphans` unreferenced Cloud Map services plus `used` ones an ECS service refers to, in `ns`. */
function cloudMapFleet(
  ns: Namespace,
  orphans: number,
  used: number,
  prefix = ns.name.split('.')[0],
): Pick<Inventory, 'cloudMapServices' | 'services'> {
  const cloudMapServices: CloudMapService[] = [];
  const services: EcsService[] = [];
  for (let i = 0; i < orphans; i += 1) cloudMapServices.push(cmService(`${prefix}-orphan${i}`, ns));
  for (let i = 0; i < used; i += 1) {
    const svc = cmService(`${prefix}-used${i}`, ns);
    cloudMapServices.push(svc);
    services.push(ecsService(`${prefix}-used${i}`, { serviceRegistries: [{ registryArn: svc.arn }] }));
  }
  return { cloudMapServices, services };
}

/** A stale Service Connect client `name` (task from T0+1h) and a server whose endpoint appeared at T0+4h. */
function staleClients(names: string[], extra: { services?: EcsService[]; tasks?: EcsTask[] } = {}): Inventory {
  return inventory({
    namespaces: [SC_NS],
    services: [
      scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR }),
      ...names.map((n) => scService(n, 'sc.local', [], { deployedAt: T0 })),
      ...(extra.services ?? []),
    ],
    tasks: [...names.map((n) => task(n, T0 + HOUR)), ...(extra.tasks ?? [])],
  });
}

function decisions(plan: Plan): string[] {
  return plan.actions.map(
    (a) => `${a.action.type} ${a.finding.key} ${a.decision === 'execute' ? 'execute' : a.blockedBy}`,
  );
}

function plan(
  policies: Policy[],
  inv: Inventory,
  now: number,
  options: { firstSeen?: Map<string, number>; dryRun?: boolean } = {},
) {
  return buildPlan({
    policies: policySet(...policies),
    inventory: inv,
    now,
    firstSeen: options.firstSeen ?? new Map(),
    dryRun: options.dryRun,
  });
}

describe('buildPlan', () => {
  it('lets the most specific policy win a service two policies cover', () => {
    const broad = policy({ name: 'platform', target: { services: { include: ['*'] } } });
    const narrow = policy({ name: 'checkout-team', mode: 'audit', target: { services: { include: ['checkout'] } } });
    const { plan: result } = plan([broad, narrow], staleClients(['checkout', 'web']), T0 + 6 * HOUR);
    assert.deepEqual(
      result.findings.map((f) => `${f.policy} ${f.key}`),
      ['platform serviceConnectRefresh/prod/web', 'checkout-team serviceConnectRefresh/prod/checkout'],
    );
    assert.deepEqual(decisions(result), [
      'ecs:ForceNewDeployment serviceConnectRefresh/prod/checkout audit-mode',
      'ecs:ForceNewDeployment serviceConnectRefresh/prod/web execute',
    ]);
    assert.deepEqual(
      result.summaries.map((s) => [s.policy, s.findings, s.actionsToExecute, s.actionsBlocked]),
      [
        ['platform', 1, 1, 0],
        ['checkout-team', 1, 0, 1],
      ],
    );
  });

  it('keeps a suspended specific policy in charge of its services (a broader one does not take over)', () => {
    const broad = policy({ name: 'platform' });
    const narrow = policy({ name: 'checkout-team', suspend: true, target: { services: { include: ['checkout'] } } });
    const { plan: result } = plan([broad, narrow], staleClients(['checkout']), T0 + 6 * HOUR);
    assert.deepEqual(decisions(result), ['ecs:ForceNewDeployment serviceConnectRefresh/prod/checkout suspended']);
    assert.match(result.actions[0].detail ?? '', /would execute/);
  });

  it('lets an exact namespace beat a namespace glob for Cloud Map resources', () => {
    const inv = inventory({ namespaces: [NS], ...cloudMapFleet(NS, 1, 3) });
    const glob = policy({ name: 'everything', target: { namespaces: ['*.local'] } });
    const exact = policy({ name: 'internal', mode: 'audit', target: { namespaces: ['internal.local'] } });
    const { plan: result } = plan([glob, exact], inv, T0);
    assert.deepEqual(
      result.findings.map((f) => `${f.policy} ${f.key}`),
      ['internal cloudMapOrphans/service/srv-internal-orphan0'],
    );
    assert.equal(result.actions[0].blockedBy, 'audit-mode');
  });

  it('waits out the grace period from the first sighting, then prunes; forgets keys no longer seen', () => {
    const p = policy({ rules: { cloudMapOrphans: { gracePeriodMs: 15 * MINUTE } } });
    const inv = inventory({ namespaces: [NS], ...cloudMapFleet(NS, 1, 3) });
    const first = plan([p], inv, T0);
    assert.deepEqual(decisions(first.plan), [
      'cloudmap:DeleteService cloudMapOrphans/service/srv-internal-orphan0 grace-period',
    ]);
    assert.deepEqual([...first.firstSeen], [['cloudMapOrphans/service/srv-internal-orphan0', T0]]);
    const early = plan([p], inv, T0 + 14 * MINUTE, { firstSeen: first.firstSeen });
    assert.equal(early.plan.actions[0].blockedBy, 'grace-period');
    assert.match(early.plan.actions[0].detail ?? '', /ends 2026-11-25T00:15:00.000Z/);
    const later = plan([p], inv, T0 + 15 * MINUTE, { firstSeen: early.firstSeen });
    assert.equal(later.plan.actions[0].decision, 'execute');
    const gone = plan([p], inventory({ namespaces: [NS], ...cloudMapFleet(NS, 0, 3) }), T0 + 20 * MINUTE, {
      firstSeen: later.firstSeen,
    });
    assert.equal(gone.firstSeen.size, 0);
  });

  it('a run that could not read the scope neither starts nor resets a grace clock', () => {
    const p = policy({ rules: { cloudMapOrphans: { gracePeriodMs: 15 * MINUTE } } });
    const inv = inventory({ namespaces: [NS], ...cloudMapFleet(NS, 1, 3) });
    const broken = {
      ...inv,
      readErrors: [
        {
          scope: { kind: 'account' as const },
          operation: 'ecs:ListClusters',
          code: 'AccessDeniedException',
          message: 'no',
        },
      ],
    };
    const key = 'cloudMapOrphans/service/srv-internal-orphan0';
    // Seen orphaned an hour ago, then one run with a read error: the clock keeps running, the deletion waits.
    const during = plan([p], broken, T0, { firstSeen: new Map([[key, T0 - HOUR]]) });
    assert.equal(during.plan.actions[0].blockedBy, 'scope-read-error');
    assert.equal(during.firstSeen.get(key), T0 - HOUR);
    assert.equal(plan([p], inv, T0 + MINUTE, { firstSeen: during.firstSeen }).plan.actions[0].decision, 'execute');
    // Never seen before the error: the error run does not start the clock.
    const fresh = plan([p], broken, T0, { firstSeen: new Map() });
    assert.equal(fresh.firstSeen.size, 0);
    assert.equal(plan([p], inv, T0 + MINUTE, { firstSeen: fresh.firstSeen }).plan.actions[0].blockedBy, 'grace-period');
  });

  const windowCases = [
    { name: 'inside the 02:00 UTC 2h window', now: Date.parse('2026-11-25T03:30:00Z'), expect: 'execute' },
    { name: 'at the very opening of the window', now: Date.parse('2026-11-25T02:00:00Z'), expect: 'execute' },
    { name: 'at the end of the window (exclusive)', now: Date.parse('2026-11-25T04:00:00Z'), expect: 'outside-window' },
    { name: 'outside the window', now: Date.parse('2026-11-25T12:00:00Z'), expect: 'outside-window' },
  ];
  for (const c of windowCases) {
    it(`windows: ${c.name}`, () => {
      const p = policy({
        rules: {
          serviceConnectRefresh: { windows: [{ schedule: '0 2 * * *', durationMs: 2 * HOUR, timezone: 'UTC' }] },
        },
      });
      const result = plan([p], staleClients(['checkout']), c.now).plan;
      assert.equal(result.actions[0].decision === 'execute' ? 'execute' : result.actions[0].blockedBy, c.expect);
      if (c.expect === 'outside-window')
        assert.match(result.actions[0].detail ?? '', /next window opens at 2026-11-2[56]T02:00:00.000Z/);
    });
  }

  it('reads window schedules in their time zone', () => {
    const p = policy({
      rules: {
        serviceConnectRefresh: { windows: [{ schedule: '0 2 * * *', durationMs: HOUR, timezone: 'Asia/Tokyo' }] },
      },
    });
    // 02:30 in Tokyo is 17:30 UTC the day before; 02:30 UTC is 11:30 in Tokyo.
    assert.equal(
      plan([p], staleClients(['checkout']), Date.parse('2026-11-25T17:30:00Z')).plan.actions[0].decision,
      'execute',
    );
    assert.equal(
      plan([p], staleClients(['checkout']), Date.parse('2026-11-26T02:30:00Z')).plan.actions[0].blockedBy,
      'outside-window',
    );
  });

  it('honours the cooldown from the client deployment timestamp', () => {
    const p = policy({ rules: { serviceConnectRefresh: { cooldownMs: 6 * HOUR } } });
    const inv = staleClients(['checkout']);
    assert.equal(plan([p], inv, T0 + 5 * HOUR).plan.actions[0].blockedBy, 'cooldown');
    assert.equal(plan([p], inv, T0 + 7 * HOUR).plan.actions[0].decision, 'execute');
  });

  it('counts deployments already in progress against maxConcurrent', () => {
    const busy = ecsService('busy', {
      deployments: [deployment({ rolloutState: 'IN_PROGRESS', serviceConnect: sc('sc.local') })],
    });
    const result = plan([policy()], staleClients(['a', 'b', 'c'], { services: [busy] }), T0 + 6 * HOUR).plan;
    assert.deepEqual(decisions(result), [
      'ecs:ForceNewDeployment serviceConnectRefresh/prod/a execute',
      'ecs:ForceNewDeployment serviceConnectRefresh/prod/b max-concurrent',
      'ecs:ForceNewDeployment serviceConnectRefresh/prod/c max-concurrent',
    ]);
  });

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

  it('blocks pruning under a protect tag and under scope read errors, but still reports', () => {
    const inv = inventory({ namespaces: [NS], ...cloudMapFleet(NS, 0, 3) });
    const kept = cmService('kept', NS, { tags: { 'discovery-controller/protect': 'true' } });
    const withProtected = { ...inv, cloudMapServices: [...inv.cloudMapServices, kept] };
    assert.deepEqual(decisions(plan([policy()], withProtected, T0).plan), [
      'cloudmap:DeleteService cloudMapOrphans/service/srv-kept protected',
    ]);
    const dead = cmService('dead', NS, { instances: [ecsInstance('t9', 'prod', 'dead')] });
    const broken = {
      ...inv,
      cloudMapServices: [...inv.cloudMapServices, dead],
      readErrors: [
        {
          scope: { kind: 'namespace' as const, namespaceId: NS.id },
          operation: 'servicediscovery:ListServices',
          code: 'ThrottlingException',
          message: 'Rate exceeded',
        },
      ],
    };
    const result = plan([policy()], broken, T0).plan;
    assert.deepEqual(decisions(result), [
      'cloudmap:DeregisterInstance cloudMapOrphans/instance/srv-dead/t9 scope-read-error',
      'cloudmap:DeleteService cloudMapOrphans/service/srv-dead scope-read-error',
    ]);
    assert.equal(result.findings.length, 2);
  });

  const modeCases = [
    {
      name: 'audit mode never writes, and says what enforce would do',
      p: policy({ mode: 'audit' }),
      dryRun: false,
      expect: 'audit-mode',
      detail: /in enforce mode it would execute/,
    },
    {
      name: 'suspend never writes',
      p: policy({ suspend: true }),
      dryRun: false,
      expect: 'suspended',
      detail: /otherwise it would execute/,
    },
    {
      name: 'dry run never writes',
      p: policy(),
      dryRun: true,
      expect: 'dry-run',
      detail: /without --dry-run it would execute/,
    },
    {
      name: 'dry run shows the reason enforce would block for',
      p: policy({ rules: { serviceConnectRefresh: { cooldownMs: 24 * HOUR } } }),
      dryRun: true,
      expect: 'cooldown',
      detail: /cooldown 24h/,
    },
    {
      name: 'audit shows the reason enforce would block for',
      p: policy({ mode: 'audit', rules: { serviceConnectRefresh: { cooldownMs: 24 * HOUR } } }),
      dryRun: false,
      expect: 'audit-mode',
      detail: /would be blocked by cooldown/,
    },
    { name: 'enforce executes', p: policy(), dryRun: false, expect: 'execute', detail: /^$/ },
  ];
  for (const c of modeCases) {
    it(c.name, () => {
      const [action] = plan([c.p], staleClients(['checkout']), T0 + 6 * HOUR, { dryRun: c.dryRun }).plan.actions;
      assert.equal(action.decision === 'execute' ? 'execute' : action.blockedBy, c.expect);
      assert.match(action.detail ?? '', c.detail);
    });
  }

  it('gives a rule-level block precedence over suspension', () => {
    const rolling = scService('checkout', 'sc.local', [], { rollout: 'IN_PROGRESS' });
    const inv = staleClients([], { services: [rolling], tasks: [task('checkout', T0 + HOUR)] });
    assert.equal(
      plan([policy({ suspend: true })], inv, T0 + 6 * HOUR).plan.actions[0].blockedBy,
      'deployment-in-progress',
    );
  });

  it('summarizes every policy, including ones without drift', () => {
    const { plan: result } = plan(
      [policy({ name: 'a' }), policy({ name: 'b', target: { clusters: ['none'] } })],
      staleClients(['checkout']),
      T0 + 6 * HOUR,
    );
    assert.deepEqual(
      result.summaries.map((s) => `${s.policy}:${s.findings}/${s.actionsToExecute}/${s.actionsBlocked}`),
      ['a:1/1/0', 'b:0/0/0'],
    );
    assert.equal(result.revision, 'rev-1');
  });
});
