/** dnsTtl's drain bound (issue #15): max auto, drainMargin, drainBound (report, enforce, ignore), and their policy fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate as dnsTtl } from '../../controller/rules/dns-ttl.js';
import { planReadScope } from '../../controller/inventory/read-scope.js';
import type { TaskDefinitionStops } from '../../controller/inventory/model.js';
import { cmService, deployment, ecsService, inventory, namespace, policy, T0 } from './fixtures.js';
import { errors, load, policy as policyYaml } from '../policy/helpers.js';

const ns = namespace('internal.local');
const api = cmService('api', ns, {
  dnsRecords: [
    { type: 'A', ttl: 60 },
    { type: 'SRV', ttl: 4 },
  ],
});
const td = (name: string, revision: number, containers: TaskDefinitionStops['containers']): TaskDefinitionStops => ({
  arn: `arn:aws:ecs:eu-west-1:111122223333:task-definition/${name}:${revision}`,
  family: name,
  revision,
  containers,
});
const app7 = td('api', 7, [
  { name: 'app', stopTimeoutSeconds: 20 },
  { name: 'envoy', stopTimeoutSeconds: 10 },
]);
const app8 = td('api', 8, [{ name: 'app' }]);
/** An ECS service registering into `api` mid-deployment: revision 8 (PRIMARY) and 7 (ACTIVE). */
const registering = ecsService('api', {
  serviceRegistries: [{ registryArn: api.arn }],
  deployments: [deployment({ taskDefinition: app8.arn }), deployment({ status: 'ACTIVE', taskDefinition: app7.arn })],
});
const fleet = (taskDefinitions: Record<string, TaskDefinitionStops> = { [app7.arn]: app7, [app8.arn]: app8 }) =>
  inventory({ namespaces: [ns], services: [registering], cloudMapServices: [api], taskDefinitions });
const auto = (extra = {}) =>
  policy({ rules: { dnsTtl: { maxSeconds: 'auto', setSeconds: 10, drainMarginSeconds: 5, ...extra } } });

describe('dnsTtl max: auto', () => {
  it('bounds the TTL by the shortest stopTimeout of every active deployment minus drainMargin, and names who set it', () => {
    const [finding, ...rest] = dnsTtl(auto(), fleet(), T0);
    assert.equal(rest.length, 0);
    // envoy of revision 7 (still ACTIVE) stops after 10 s; 10 - 5 = 5 s. The 4 s SRV record is left alone.
    assert.deepEqual(finding.action, {
      type: 'cloudmap:UpdateDnsTtl',
      serviceId: api.id,
      records: [{ type: 'A', ttl: 5 }],
      aboveSeconds: 5,
    });
    assert.match(
      finding.desired,
      /ttl <= 5s \(drain bound: api:7 container envoy stopTimeout 10s - drainMargin 5s; set to 5s\)/,
    );
    assert.match(finding.reason, /api:7 \(container envoy, stopTimeout 10s\)/);
  });

  it('writes set when it is below the bound, and counts an unset stopTimeout as ECS does (30 s)', () => {
    const only8 = ecsService('api', {
      serviceRegistries: [{ registryArn: api.arn }],
      deployments: [deployment({ taskDefinition: app8.arn })],
    });
    const inv = inventory({
      namespaces: [ns],
      services: [only8],
      cloudMapServices: [api],
      taskDefinitions: { [app8.arn]: app8 },
    });
    const [finding] = dnsTtl(auto({ setSeconds: 10 }), inv, T0);
    assert.deepEqual(finding.action && 'records' in finding.action ? finding.action.records : undefined, [
      { type: 'A', ttl: 10 },
    ]);
    assert.equal(finding.action && 'aboveSeconds' in finding.action ? finding.action.aboveSeconds : undefined, 25);
  });

  it("never writes below the operator's floor (--min-dns-ttl): it lowers to the floor and reports the bound", () => {
    const [lowered, report, ...rest] = dnsTtl(auto({ floorSeconds: 10 }), fleet(), T0);
    assert.equal(rest.length, 0);
    // 60 s comes down to the floor, 10 s: as close to the 5 s bound as the operator allows.
    assert.deepEqual(lowered.action && 'records' in lowered.action ? lowered.action.records : undefined, [
      { type: 'A', ttl: 10 },
    ]);
    assert.equal(lowered.blocked, undefined);
    assert.match(
      lowered.desired,
      /ttl <= 10s \(the operator's minimum DNS TTL \(--min-dns-ttl\), above the drain bound/,
    );
    // The 10 s left still outlives the drain: reported, for the owner to raise stopTimeout.
    assert.equal(report.action, undefined);
    assert.equal(report.key, `dnsTtl/${api.id}/drain`);
    assert.equal(report.blocked?.reason, 'report-only');
    assert.match(report.blocked?.detail ?? '', /drain bound 5s is below the operator's minimum DNS TTL 10s/);
    assert.match(report.observed, /^A ttl 60s \(10s once lowered\)$/);
  });

  it('finds nothing where the bound is unknown: no registering ECS service, or a revision not read', () => {
    assert.deepEqual(dnsTtl(auto(), inventory({ namespaces: [ns], cloudMapServices: [api] }), T0), []);
    assert.deepEqual(dnsTtl(auto(), fleet({ [app8.arn]: app8 }), T0), []);
  });

  it('counts task sets (EXTERNAL and CODE_DEPLOY services) and Service Connect registrations', () => {
    const sc = cmService('api-sc', ns, { dnsRecords: [{ type: 'A', ttl: 60 }] });
    const external = ecsService('ext', {
      deploymentController: 'EXTERNAL',
      deployments: [],
      taskSets: [
        {
          id: 'ecs-svc/1',
          arn: 'ts',
          status: 'PRIMARY',
          createdAt: T0,
          taskDefinition: app7.arn,
          serviceRegistries: [{ registryArn: api.arn }],
          computedDesiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
        },
      ],
    });
    const connect = ecsService('conn', {
      deployments: [
        deployment({
          taskDefinition: app8.arn,
          serviceConnectResources: [{ discoveryName: 'api-sc', discoveryArn: sc.arn }],
        }),
      ],
    });
    const inv = inventory({
      namespaces: [ns],
      services: [external, connect],
      cloudMapServices: [api, sc],
      taskDefinitions: { [app7.arn]: app7, [app8.arn]: app8 },
    });
    const byService = new Map(dnsTtl(auto(), inv, T0).map((f) => [f.key.replace('dnsTtl/', ''), f]));
    assert.match(byService.get(api.id)!.desired, /api:7 container envoy/);
    // Service Connect's Cloud Map services are ECS's to change: reported with the bound, blocked.
    assert.match(byService.get(sc.id)!.desired, /api:8 container app stopTimeout 30s/);
    assert.equal(byService.get(sc.id)!.blocked?.reason, 'service-connect-managed');
  });
});

/** A policy with an explicit max and the given drainBound mode. */
const explicit = (drainBound: 'ignore' | 'report' | 'enforce', extra = {}) =>
  policy({ rules: { dnsTtl: { maxSeconds: 10, setSeconds: 10, drainMarginSeconds: 5, drainBound, ...extra } } });
const recordsOf = (f: { action?: object }) => (f.action && 'records' in f.action ? f.action.records : undefined);
/** `api` with only an 8 s A record: within the 10 s max, above the 5 s drain bound. */
const within = cmService('api', ns, { dnsRecords: [{ type: 'A', ttl: 8 }] });
const withinFleet = () =>
  inventory({
    namespaces: [ns],
    services: [registering],
    cloudMapServices: [within],
    taskDefinitions: { [app7.arn]: app7, [app8.arn]: app8 },
  });

describe('dnsTtl drainBound with an explicit max', () => {
  it('reports by default, without an action, records within max but above the drain bound, naming who set it', () => {
    // policy() leaves drainBound to the CRD's default, report.
    const [finding, ...rest] = dnsTtl(
      policy({ rules: { dnsTtl: { maxSeconds: 10, setSeconds: 10 } } }),
      withinFleet(),
      T0,
    );
    assert.equal(rest.length, 0);
    assert.equal(finding.action, undefined);
    assert.equal(finding.key, `dnsTtl/${within.id}/drain`);
    assert.equal(finding.observed, 'A ttl 8s');
    assert.equal(finding.desired, 'ttl <= 5s (drain bound: api:7 container envoy stopTimeout 10s - drainMargin 5s)');
    assert.match(finding.reason, /api:7 \(container envoy, stopTimeout 10s\).*drainBound: enforce would lower them/);
    assert.deepEqual(dnsTtl(explicit('ignore'), withinFleet(), T0), []);
  });

  it('report: above max, the usual finding acts, and a drain report follows when set still outlives the bound', () => {
    const [lowered, report, ...rest] = dnsTtl(explicit('report'), fleet(), T0);
    assert.equal(rest.length, 0);
    assert.deepEqual(recordsOf(lowered), [{ type: 'A', ttl: 10 }]);
    assert.equal(lowered.desired, 'ttl <= 10s (set to 10s)');
    assert.equal(report.action, undefined);
    assert.equal(report.observed, 'A ttl 60s (10s once lowered)');
  });

  it('enforce: the drain bound caps the explicit max, and the written TTL is min(set, bound)', () => {
    const [finding, ...rest] = dnsTtl(explicit('enforce'), withinFleet(), T0);
    assert.equal(rest.length, 0, 'no drain report left: the action brings the record within the bound');
    assert.deepEqual(finding.action, {
      type: 'cloudmap:UpdateDnsTtl',
      serviceId: within.id,
      records: [{ type: 'A', ttl: 5 }],
      aboveSeconds: 5,
    });
    assert.match(
      finding.desired,
      /^ttl <= 5s \(drain bound: api:7 container envoy stopTimeout 10s - drainMargin 5s; set to 5s\)$/,
    );
    assert.match(finding.reason, /api:7 \(container envoy, stopTimeout 10s\)/);
    // A bound above max (revision 8 alone: 30 s - 5 s = 25 s) leaves max in charge.
    const only8 = ecsService('api', {
      serviceRegistries: [{ registryArn: api.arn }],
      deployments: [deployment({ taskDefinition: app8.arn })],
    });
    const [capped] = dnsTtl(
      explicit('enforce'),
      inventory({
        namespaces: [ns],
        services: [only8],
        cloudMapServices: [api],
        taskDefinitions: { [app8.arn]: app8 },
      }),
      T0,
    );
    assert.equal(capped.desired, 'ttl <= 10s (set to 10s)');
  });

  it('enforce: a service without a known bound (no registering ECS service, a revision not read) keeps the explicit max', () => {
    const unregistered = dnsTtl(explicit('enforce'), inventory({ namespaces: [ns], cloudMapServices: [api] }), T0);
    assert.deepEqual(unregistered.map(recordsOf), [[{ type: 'A', ttl: 10 }]]);
    assert.equal(unregistered[0].desired, 'ttl <= 10s (set to 10s)');
    const unread = dnsTtl(explicit('enforce'), fleet({ [app8.arn]: app8 }), T0);
    assert.deepEqual(unread.map(recordsOf), [[{ type: 'A', ttl: 10 }]]);
  });

  it("enforce: never below the operator's floor; the part of the bound under it stays a report", () => {
    const [finding, report, ...rest] = dnsTtl(explicit('enforce', { floorSeconds: 8 }), fleet(), T0);
    assert.equal(rest.length, 0);
    assert.deepEqual(recordsOf(finding), [{ type: 'A', ttl: 8 }]);
    assert.equal(finding.blocked, undefined);
    assert.equal(report.blocked?.reason, 'report-only');
    assert.match(report.blocked?.detail ?? '', /drain bound 5s is below the operator's minimum DNS TTL 8s/);
  });
});

describe('dnsTtl drain: reading and policy', () => {
  it('asks for task definitions whenever an enabled dnsTtl uses the bound (report, the default, or enforce)', () => {
    assert.equal(planReadScope([policy()]).taskDefinitionClusters.all, true);
    assert.equal(planReadScope([auto()]).taskDefinitionClusters.all, true);
    assert.equal(planReadScope([explicit('ignore')]).taskDefinitionClusters.all, false);
    assert.equal(planReadScope([explicit('ignore')]).taskDefinitionClusters.patterns.length, 0);
    assert.equal(
      planReadScope([policy({ rules: { dnsTtl: { enabled: false, maxSeconds: 'auto' } } })]).taskDefinitionClusters.all,
      false,
    );
  });

  const rules = (dnsTtl: string) =>
    policyYaml('p', `target:\n  clusters: [prod]\n  namespaces: [internal.example.com]\nrules:\n  dnsTtl: ${dnsTtl}`);

  it('loads max: auto as enforce, drainBound as written, and keeps set <= max for durations only', () => {
    const { set, problems } = load({ 'p.yaml': rules('{ max: auto, set: 30s, drainMargin: 3s }') });
    assert.deepEqual(errors(problems), []);
    assert.deepEqual(set?.policies[0].rules.dnsTtl, {
      enabled: true,
      maxSeconds: 'auto',
      setSeconds: 30,
      drainMarginSeconds: 3,
      drainBound: 'enforce',
    });
    const written = load({ 'p.yaml': rules('{ max: 30s, drainBound: enforce }') }, {});
    assert.equal(written.set?.policies[0].rules.dnsTtl.drainBound, 'enforce');
    assert.equal(load({ 'p.yaml': rules('{ max: automatic }') }).set?.policies.length ?? 0, 0);
    assert.equal(load({ 'p.yaml': rules('{ drainBound: off }') }).set?.policies.length ?? 0, 0, 'off is not a mode');
  });

  it('refuses max: auto with drainBound report or ignore, naming the file, line and field', () => {
    for (const mode of ['report', 'ignore']) {
      const { set, problems } = load({ 'p.yaml': rules(`\n    max: auto\n    drainBound: ${mode}`) });
      assert.equal(set?.policies.length ?? 0, 0);
      const [message, ...rest] = errors(problems);
      assert.equal(rest.length, 0, errors(problems).join('\n'));
      assert.match(
        message,
        /^p\.yaml:\d+:\d+ spec\.rules\.dnsTtl\.drainBound: max: auto makes the drain bound the maximum/,
      );
      assert.ok(message.includes(`not ${mode}`), message);
    }
  });
});
