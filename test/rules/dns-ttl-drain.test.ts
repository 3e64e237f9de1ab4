/** dnsTtl's drain bound (issue #15): max auto, drainMargin, drainReport, and the policy fields behind them. */
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

  it("never writes below the operator's floor (--min-dns-ttl): a bound under it is reported, not written", () => {
    const [finding] = dnsTtl(auto({ floorSeconds: 10 }), fleet(), T0);
    assert.equal(finding.blocked?.reason, 'report-only');
    assert.match(finding.blocked?.detail ?? '', /drain bound 5s is below the operator's minimum DNS TTL 10s/);
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

describe('dnsTtl drainReport with an explicit max', () => {
  it('reports, without an action, records within max but above the drain bound', () => {
    const within = cmService('api', ns, { dnsRecords: [{ type: 'A', ttl: 8 }] });
    const inv = inventory({
      namespaces: [ns],
      services: [registering],
      cloudMapServices: [within],
      taskDefinitions: { [app7.arn]: app7, [app8.arn]: app8 },
    });
    const [finding, ...rest] = dnsTtl(
      policy({ rules: { dnsTtl: { maxSeconds: 10, setSeconds: 10, drainReport: true } } }),
      inv,
      T0,
    );
    assert.equal(rest.length, 0);
    assert.equal(finding.action, undefined);
    assert.equal(finding.key, `dnsTtl/${within.id}/drain`);
    assert.match(finding.desired, /ttl <= 5s \(drain bound: api:7 container envoy/);
    // Without drainReport, or above max (the usual finding, unchanged), there is no drain report.
    assert.deepEqual(dnsTtl(policy({ rules: { dnsTtl: { maxSeconds: 10, setSeconds: 10 } } }), inv, T0), []);
    const [above] = dnsTtl(
      policy({ rules: { dnsTtl: { maxSeconds: 10, setSeconds: 10, drainReport: true } } }),
      fleet(),
      T0,
    );
    assert.deepEqual(above.action && 'records' in above.action ? above.action.records : undefined, [
      { type: 'A', ttl: 10 },
    ]);
  });
});

describe('dnsTtl drain: reading and policy', () => {
  it('asks for task definitions only when some enabled dnsTtl uses auto or drainReport', () => {
    assert.equal(planReadScope([policy()]).taskDefinitionClusters.all, false);
    assert.equal(planReadScope([policy()]).taskDefinitionClusters.patterns.length, 0);
    assert.equal(planReadScope([auto()]).taskDefinitionClusters.all, true);
    assert.equal(
      planReadScope([policy({ rules: { dnsTtl: { drainReport: true } } })]).taskDefinitionClusters.all,
      true,
    );
    assert.equal(
      planReadScope([policy({ rules: { dnsTtl: { enabled: false, maxSeconds: 'auto' } } })]).taskDefinitionClusters.all,
      false,
    );
  });

  it('loads max: auto with drainMargin, and keeps set <= max for durations only', () => {
    const { set, problems } = load({
      'p.yaml': policyYaml(
        'p',
        'target:\n  clusters: [prod]\n  namespaces: [internal.example.com]\nrules:\n  dnsTtl: { max: auto, set: 30s, drainMargin: 3s }',
      ),
    });
    assert.deepEqual(errors(problems), []);
    assert.deepEqual(set?.policies[0].rules.dnsTtl, {
      enabled: true,
      maxSeconds: 'auto',
      setSeconds: 30,
      drainMarginSeconds: 3,
      drainReport: false,
    });
    const bad = load({
      'p.yaml': policyYaml(
        'p',
        'target:\n  clusters: [prod]\n  namespaces: [internal.example.com]\nrules:\n  dnsTtl: { max: automatic }',
      ),
    });
    assert.equal(bad.set?.policies.length ?? 0, 0);
  });
});
