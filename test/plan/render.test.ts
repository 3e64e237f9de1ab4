import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPlan } from '../../controller/plan/build.js';
import { PLAN_JSON_SCHEMA_VERSION, renderPlanJson, renderPlanText } from '../../controller/plan/render.js';
import {
  cmService,
  ecsService,
  HOUR,
  inventory,
  namespace,
  policy,
  policySet,
  scService,
  T0,
  task,
} from '../rules/fixtures.js';

const NS = namespace('internal.local');
const SC_NS = namespace('sc.local', 'HTTP');

function samplePlan() {
  const used = ['a', 'b', 'c'].map((n) => cmService(n, NS));
  const inv = inventory({
    namespaces: [NS, SC_NS],
    cloudMapServices: [cmService('old', NS), ...used],
    services: [
      scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR }),
      scService('checkout', 'sc.local', [], { deployedAt: T0 }),
      // 460 tasks × maximumPercent 200: a deployment registers up to 920 instances in Cloud Map service a.
      ecsService('big', { desiredCount: 460, serviceRegistries: [{ registryArn: used[0].arn }] }),
      ...used.slice(1).map((s) => ecsService(s.name, { serviceRegistries: [{ registryArn: s.arn }] })),
    ],
    tasks: [task('checkout', T0 + HOUR)],
  });
  const policies = policySet(
    policy({ name: 'payments', rules: { cloudMapOrphans: { gracePeriodMs: 15 * 60_000 } } }),
    policy({ name: 'idle', mode: 'audit', target: { clusters: ['none'], namespaces: [] } }),
  );
  return buildPlan({ policies, inventory: inv, now: T0 + 6 * HOUR, firstSeen: new Map() }).plan;
}

describe('renderPlanText', () => {
  it('groups findings by policy with observed -> desired, will/would lines, and totals', () => {
    const text = renderPlanText(samplePlan(), { color: false });
    assert.match(text, /^policy payments \(enforce\)$/m);
    assert.match(text, /^policy idle \(audit\)\n  no drift$/m);
    assert.match(text, /~ serviceConnectRefresh  ecs-service prod\/checkout/);
    assert.match(
      text,
      /1 of 1 running tasks belong to deployments created before orders.svc:80 appeared .* -> every running task/,
    );
    assert.match(text, /will force a new deployment of prod\/checkout/);
    assert.match(
      text,
      /would delete Cloud Map service srv-old but grace-period: orphaned since 2026-11-25T06:00:00.000Z/,
    );
    assert.match(text, /! taskLimit  cloudmap-service a \(srv-a\)/);
    assert.match(text, /no action \(report-only: /);
    assert.match(text, /^  payments: 3 findings, 1 to execute, 1 blocked$/m);
    assert.match(
      text,
      /^  payments: 1 actionable finding not fixed yet; 1 finding blocked \(grace-period\); 1 finding accepted \(report-only\)$/m,
    );
    assert.match(
      text,
      /\n3 findings, 1 actions to execute, 1 blocked\n1 actionable finding not fixed yet; 1 finding blocked \(grace-period\); 1 finding accepted \(report-only\)\n$/,
    );
    assert.doesNotMatch(text, /\x1b\[/);
  });

  it('marks a policy whose scope was not read completely as incomplete, never as "no drift"', () => {
    const text = renderPlanText(samplePlan(), { color: false, readErrors: new Map([['idle', 2]]) });
    assert.match(
      text,
      /^policy idle \(audit\)\n  incomplete: 2 read errors \(listed on stderr\); pruning is blocked there$/m,
    );
    assert.doesNotMatch(text, /no drift/);
    assert.match(text, /\nincomplete \(read errors in 1 policy\): 1 actionable finding not fixed yet; .*\n$/);
    const doc = JSON.parse(renderPlanJson(samplePlan(), { readErrors: new Map([['idle', 2]]) }));
    assert.deepEqual(
      doc.policies.map((p: { name: string; complete: boolean; readErrors: number }) => [
        p.name,
        p.complete,
        p.readErrors,
      ]),
      [
        ['payments', true, 0],
        ['idle', false, 2],
      ],
    );
  });

  it('colours only when asked', () => {
    const text = renderPlanText(samplePlan(), { color: true });
    assert.match(text, /\x1b\[32mwill force a new deployment/);
    assert.match(text, /\x1b\[33mwould delete/);
  });
});

describe('renderPlanJson', () => {
  it('writes the documented, versioned shape with nulls for absent values and actions in apply order', () => {
    const doc = JSON.parse(renderPlanJson(samplePlan()));
    assert.equal(doc.schemaVersion, PLAN_JSON_SCHEMA_VERSION);
    assert.deepEqual(Object.keys(doc), [
      'schemaVersion',
      'generatedAt',
      'revision',
      'totals',
      'summary',
      'policies',
      'findings',
      'actions',
    ]);
    assert.equal(doc.generatedAt, '2026-11-25T06:00:00.000Z');
    assert.deepEqual(doc.totals, {
      findings: 3,
      actionsToExecute: 1,
      actionsBlocked: 1,
      actionable: 1,
      blocked: 1,
      accepted: 1,
    });
    assert.equal(
      doc.summary,
      '1 actionable finding not fixed yet; 1 finding blocked (grace-period); 1 finding accepted (report-only)',
    );
    assert.deepEqual(doc.policies[0].drift, { actionable: 1, blocked: 1, accepted: 1 });
    assert.deepEqual(
      doc.findings.map((f: { rule: string; state: string; stateReason: string | null }) => [
        f.rule,
        f.state,
        f.stateReason,
      ]),
      [
        ['serviceConnectRefresh', 'actionable', null],
        ['cloudMapOrphans', 'blocked', 'grace-period'],
        ['taskLimit', 'accepted', 'report-only'],
      ],
    );
    assert.deepEqual(
      doc.policies.map((p: { name: string }) => p.name),
      ['payments', 'idle'],
    );
    const taskLimit = doc.findings.find((f: { rule: string }) => f.rule === 'taskLimit');
    assert.equal(taskLimit.action, null);
    assert.equal(taskLimit.namespace, 'internal.local');
    assert.deepEqual(taskLimit.blocked.reason, 'report-only');
    assert.deepEqual(
      doc.actions.map((a: { order: number; action: { type: string }; decision: string; blockedBy: string | null }) => [
        a.order,
        a.action.type,
        a.decision,
        a.blockedBy,
      ]),
      [
        [1, 'cloudmap:DeleteService', 'blocked', 'grace-period'],
        [2, 'ecs:ForceNewDeployment', 'execute', null],
      ],
    );
    assert.equal(doc.actions[1].findingKey, 'serviceConnectRefresh/prod/checkout');
  });
});
