/** Ties between policies at run time: nobody owns the resource, nothing is done, and the plan says why. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../controller/plan/build.js';
import { cmService, inventory, namespace, policy, policySet, T0 } from '../rules/fixtures.js';

describe('ownership ties at run time', () => {
  it("block the tied policies' actions instead of giving the resource to the name that sorts first", () => {
    const ns = namespace('shared.local');
    const inv = inventory({
      namespaces: [ns],
      cloudMapServices: [cmService('api', ns, { dnsRecords: [{ type: 'A', ttl: 300 }] })],
    });
    const only = {
      serviceConnectRefresh: { enabled: false },
      cloudMapOrphans: { enabled: false },
      taskLimit: { enabled: false },
    };
    const a = policy({ name: 'aaa', target: { clusters: ['other'], namespaces: ['shared.local'] }, rules: only });
    const b = policy({ name: 'team', target: { clusters: ['team-a'], namespaces: ['shared.local'] }, rules: only });
    const { plan } = buildPlan({ policies: policySet(a, b), inventory: inv, now: T0, firstSeen: new Map() });
    assert.deepEqual(
      plan.actions.map((x) => [x.finding.policy, x.decision, x.blockedBy]),
      [
        ['aaa', 'blocked', 'ownership-conflict'],
        ['team', 'blocked', 'ownership-conflict'],
      ],
    );
    assert.match(plan.actions[0].detail ?? '', /policies "team" claim this resource with the same specificity/);
    const narrow = policy({
      name: 'team',
      target: { clusters: ['team-a'], namespaces: ['shared.local'] },
      rules: only,
    });
    const broad = policy({ name: 'aaa', target: { clusters: ['other'], namespaces: ['shared.*'] }, rules: only });
    const owned = buildPlan({ policies: policySet(broad, narrow), inventory: inv, now: T0, firstSeen: new Map() }).plan;
    assert.deepEqual(
      owned.actions.map((x) => [x.finding.policy, x.decision]),
      [['team', 'execute']],
    );
  });
});
