/**
 * The sanity guard counts every prune candidate of a namespace, blocked or not, and the deletions of the last
 * hour; the operator's hourly budget holds across runs and policy revisions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../controller/plan/build.js';
import { MemoryDeletionLedger } from '../../controller/plan/deletion-budget.js';
import type { Policy } from '../../controller/policy/types.js';
import {
  cmService,
  ecsInstance,
  ecsService,
  HOUR,
  inventory,
  MINUTE,
  namespace,
  policy,
  scService,
  T0,
  task,
} from '../rules/fixtures.js';

const NS = namespace('internal.local');

/** A Cloud Map service in use by "api" with `live` running tasks and `dead` stale instances. */
function fleet(live: number, dead: number) {
  const liveIds = Array.from({ length: live }, (_, i) => `live${i}`);
  const deadIds = Array.from({ length: dead }, (_, i) => `dead${i}`);
  const svc = cmService('api', NS, { instances: [...liveIds, ...deadIds].map((id) => ecsInstance(id)) });
  return inventory({
    namespaces: [NS],
    cloudMapServices: [svc],
    services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })],
    tasks: liveIds.map((id) => task('api', T0, { id })),
  });
}

const decisions = (actions: readonly { decision: string; blockedBy?: string }[]) =>
  actions.map((a) => (a.decision === 'execute' ? 'execute' : a.blockedBy));

describe('sanity guard and hourly budget', () => {
  it('count candidates still in their grace period: a namespace going dark is not pruned one slice at a time', () => {
    const grace = 15 * MINUTE;
    const p = policy({ rules: { cloudMapOrphans: { gracePeriodMs: grace } } });
    // dead0 has been orphaned for an hour; dead1..dead3 just became orphans: 4 of 6 instances.
    const firstSeen = new Map([['cloudMapOrphans/instance/srv-api/dead0', T0]]);
    const { plan } = buildPlan({
      policies: { revision: 'r', policies: [p] },
      inventory: fleet(2, 4),
      now: T0 + HOUR,
      firstSeen,
    });
    assert.deepEqual(decisions(plan.actions), ['sanity-guard', 'grace-period', 'grace-period', 'grace-period']);
    assert.match(
      plan.actions[0].detail ?? '',
      /4 of 6 instances in namespace internal\.local, counting every candidate, blocked or not/,
    );
  });

  it("keep the operator's hourly budget across runs and policy revisions", async () => {
    const ledger = new MemoryDeletionLedger();
    const bounds = { protectTagKey: 'discovery-controller/protect', maxDeletionsPerHour: 3 };
    const executed = new Set<string>();
    let dead = 0;
    const runRevision = async (name: string, now: number, maxDeletionsPerRun = 3) => {
      // Two more tasks die before each revision; every revision renames the policy (a fresh per-run budget).
      dead += 2;
      const base = fleet(14, dead);
      const inv = {
        ...base,
        cloudMapServices: base.cloudMapServices.map((s) => ({
          ...s,
          instances: s.instances?.filter((x) => !executed.has(x.id)),
        })),
      };
      const p: Policy = policy({ name, rules: { cloudMapOrphans: { maxDeletionsPerRun } } });
      const { plan } = buildPlan({
        policies: { revision: name, policies: [p], bounds },
        inventory: inv,
        now,
        firstSeen: new Map(),
        recentDeletions: await ledger.recent([NS.id], now),
      });
      const run = plan.actions.filter(
        (a) => a.decision === 'execute' && a.action.type === 'cloudmap:DeregisterInstance',
      );
      for (const a of run) if (a.action.type === 'cloudmap:DeregisterInstance') executed.add(a.action.instanceId);
      await ledger.record(NS.id, 'instances', run.length, now);
      return plan;
    };
    assert.deepEqual(decisions((await runRevision('rev-a', T0)).actions), ['execute', 'execute']);
    const second = await runRevision('rev-b', T0 + 10 * MINUTE);
    assert.deepEqual(decisions(second.actions), ['execute', 'budget-exhausted']);
    assert.match(
      second.actions[1].detail ?? '',
      /the operator's budget of 3 deletions per namespace per hour \(--max-deletions-per-hour \/ MAX_DELETIONS_PER_HOUR\) is used in namespace internal\.local: 2 in the last hour/,
    );
    assert.deepEqual(decisions((await runRevision('rev-c', T0 + 20 * MINUTE)).actions), [
      'budget-exhausted',
      'budget-exhausted',
      'budget-exhausted',
    ]);
    assert.equal(executed.size, 3);
    // An hour after the first deletions the budget is available again, and still caps a run.
    const later = await runRevision('rev-d', T0 + HOUR + 15 * MINUTE, 5);
    assert.deepEqual(decisions(later.actions), [
      'execute',
      'execute',
      'execute',
      'budget-exhausted',
      'budget-exhausted',
    ]);
  });

  it("cap redeploys over every policy together at the operator's --max-concurrent-redeploys", () => {
    // Four stale Service Connect clients, two per team; each team's policy allows 2 at once, the operator 3.
    const clients = ['a1', 'a2', 'b1', 'b2'];
    const inv = inventory({
      namespaces: [namespace('sc.local', 'HTTP')],
      services: [
        scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR }),
        ...clients.map((n) => scService(n, 'sc.local', [], { deployedAt: T0 })),
      ],
      tasks: clients.map((n) => task(n, T0 + HOUR)),
    });
    const team = (name: string, prefix: string) =>
      policy({
        name,
        target: { namespaces: ['sc.local'], services: { include: [`${prefix}*`] } },
        rules: { serviceConnectRefresh: { maxConcurrent: 2 } },
      });
    const bounds = { protectTagKey: 'discovery-controller/protect', maxConcurrentRedeploys: 3 };
    const { plan } = buildPlan({
      policies: { revision: 'r', policies: [team('team-a', 'a'), team('team-b', 'b')], bounds },
      inventory: inv,
      now: T0 + 6 * HOUR,
      firstSeen: new Map(),
    });
    assert.deepEqual(decisions(plan.actions), ['execute', 'execute', 'execute', 'max-concurrent']);
    assert.match(
      plan.actions[3].detail ?? '',
      /the operator's maximum is 3 concurrent redeploys \(--max-concurrent-redeploys \/ MAX_CONCURRENT_REDEPLOYS\)/,
    );
  });

  it('do not count protected services: they are never candidates', () => {
    const protectedTag = { 'discovery-controller/protect': 'true' };
    const used = cmService('used', NS);
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [
        cmService('keep1', NS, { tags: protectedTag }),
        cmService('keep2', NS, { tags: protectedTag }),
        cmService('keep3', NS, { tags: protectedTag }),
        cmService('old', NS),
        used,
      ],
      services: [ecsService('used', { serviceRegistries: [{ registryArn: used.arn }] })],
    });
    const { plan } = buildPlan({
      policies: { revision: 'r', policies: [policy()] },
      inventory: inv,
      now: T0,
      firstSeen: new Map(),
    });
    const old = plan.actions.find(
      (a) =>
        a.action.type === 'cloudmap:DeleteService' &&
        a.finding.resource.kind === 'cloudmap-service' &&
        a.finding.resource.name === 'old',
    );
    assert.equal(old?.decision, 'execute', JSON.stringify(plan.actions.map((a) => [a.finding.key, a.blockedBy])));
  });
});
