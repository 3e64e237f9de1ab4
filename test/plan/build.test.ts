/** buildPlan: which policy owns what, grace clocks, windows, cooldowns, blocks and summaries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cmService,
  deployment,
  ecsInstance,
  ecsService,
  HOUR,
  inventory,
  MINUTE,
  policy,
  sc,
  scService,
  T0,
  task,
} from '../rules/fixtures.js';
import { NS, cloudMapFleet, staleClients, decisions, plan } from './build-fixtures.js';

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
