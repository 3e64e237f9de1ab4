import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate as dnsTtl } from '../../controller/rules/dns-ttl.js';
import { evaluateAll } from '../../controller/rules/index.js';
import { evaluate as taskLimit } from '../../controller/rules/task-limit.js';
import type { CloudMapService, EcsService } from '../../controller/inventory/model.js';
import { cmService, deployment, ecsService, inventory, namespace, policy, sc, scService, T0 } from './fixtures.js';

const NS = namespace('internal.local');
const SC_NS = namespace('sc.local', 'HTTP');

describe('dnsTtl', () => {
  const cases = [
    {
      name: 'A and SRV records, one above max: only that one is lowered (the actuator resends the other unchanged)',
      records: [
        { type: 'A' as const, ttl: 300 },
        { type: 'SRV' as const, ttl: 10 },
      ],
      ns: NS,
      expect: [{ type: 'A', ttl: 10 }],
    },
    {
      name: 'a record below max is never raised to set',
      records: [
        { type: 'A' as const, ttl: 6 },
        { type: 'SRV' as const, ttl: 60 },
      ],
      ns: NS,
      expect: [{ type: 'SRV', ttl: 10 }],
    },
    {
      name: 'every record at or below max: no finding',
      records: [{ type: 'A' as const, ttl: 10 }],
      ns: NS,
      expect: undefined,
    },
    { name: 'an SC HTTP-only service with no DNS records: no finding', records: [], ns: SC_NS, expect: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const inv = inventory({
        namespaces: [NS, SC_NS],
        cloudMapServices: [cmService('api', c.ns, { dnsRecords: c.records })],
      });
      const findings = dnsTtl(policy({ target: { namespaces: ['*.local'] } }), inv, T0);
      const action = findings[0]?.action;
      assert.deepEqual(action?.type === 'cloudmap:UpdateDnsTtl' ? action.records : undefined, c.expect);
    });
  }

  it('reports a protected service as blocked: protected means the controller changes nothing of it', () => {
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [
        cmService('gw', NS, { tags: { 'discovery-controller/protect': 'true' }, dnsRecords: [{ type: 'A', ttl: 60 }] }),
      ],
    });
    assert.deepEqual(dnsTtl(policy(), inv, T0)[0].blocked, {
      reason: 'protected',
      detail: 'tagged discovery-controller/protect=true',
    });
  });

  it('reports an SC-managed DNS service as blocked', () => {
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [
        cmService('api', NS, { tags: { AmazonECSManaged: 'true' }, dnsRecords: [{ type: 'A', ttl: 60 }] }),
      ],
    });
    assert.equal(dnsTtl(policy(), inv, T0)[0].blocked?.reason, 'service-connect-managed');
  });

  it('never reaches a Cloud Map service outside the listed namespaces, even one a covered ECS service uses', () => {
    const other = namespace('other.local');
    const svc = cmService('api', other, { dnsRecords: [{ type: 'A', ttl: 60 }] });
    const inv = inventory({
      namespaces: [NS, other],
      cloudMapServices: [svc],
      services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })],
    });
    assert.equal(dnsTtl(policy(), inv, T0).length, 0);
    assert.equal(dnsTtl(policy({ target: { namespaces: ['other.local'] } }), inv, T0).length, 1);
  });
});

describe('taskLimit', () => {
  const REG = cmService('api', NS);
  const registry = [{ registryArn: REG.arn }];
  const ecsInstances = (service: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${service}-${i}`,
      attributes: { ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: service },
    }));
  const others = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `i-${i}`, attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } }));
  const run = (services: EcsService[], cm: CloudMapService[] = [REG], rules = {}) =>
    taskLimit(
      policy({ target: { namespaces: ['*.local'] }, rules: { taskLimit: rules } }),
      inventory({ namespaces: [NS, SC_NS], cloudMapServices: cm, services }),
      T0,
    );
  const cases: { name: string; services: EcsService[]; cm?: CloudMapService[]; expect: number }[] = [
    {
      name: 'desired 450 × maximumPercent 200: a deployment reaches 900',
      services: [ecsService('api', { desiredCount: 450, runningCount: 0, serviceRegistries: registry })],
      expect: 1,
    },
    {
      name: 'desired 450 at maximumPercent 100 stays at 450',
      services: [
        ecsService('api', { desiredCount: 450, runningCount: 0, maximumPercent: 100, serviceRegistries: registry }),
      ],
      expect: 0,
    },
    {
      name: 'the auto scaling maximum counts, times maximumPercent',
      services: [
        ecsService('api', { desiredCount: 10, maxCount: 500, maximumPercent: 180, serviceRegistries: registry }),
      ],
      expect: 1,
    },
    {
      name: 'two ECS services sharing one registry add up (400 + 400 at 150%)',
      services: [
        ecsService('a', { desiredCount: 400, runningCount: 0, maximumPercent: 150, serviceRegistries: registry }),
        ecsService('b', { desiredCount: 400, runningCount: 0, maximumPercent: 150, serviceRegistries: registry }),
      ],
      expect: 1,
    },
    {
      name: 'instances ECS did not register count too (850 EC2 + desired 30 × 200%)',
      services: [ecsService('api', { desiredCount: 30, runningCount: 0, serviceRegistries: registry })],
      cm: [cmService('api', NS, { instances: others(850) })],
      expect: 1,
    },
    {
      name: 'registered tasks are not counted twice (400 registered, desired 400 × 100%)',
      services: [
        ecsService('api', { desiredCount: 400, runningCount: 400, maximumPercent: 100, serviceRegistries: registry }),
      ],
      cm: [cmService('api', NS, { instances: ecsInstances('api', 400) })],
      expect: 0,
    },
    {
      name: 'a task set registering into it counts (EXTERNAL deployment controller)',
      services: [
        ecsService('api', {
          desiredCount: 0,
          deploymentController: 'EXTERNAL',
          taskSets: [
            {
              id: 'ecs-svc/1',
              arn: 'ts-1',
              status: 'PRIMARY',
              createdAt: T0,
              taskDefinition: 'td',
              serviceRegistries: registry,
              computedDesiredCount: 460,
              runningCount: 0,
              pendingCount: 0,
            },
          ],
        }),
      ],
      expect: 1,
    },
    {
      name: 'a service without discovery is not limited',
      services: [ecsService('api', { desiredCount: 5000 })],
      expect: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const findings = run(c.services, c.cm);
      assert.equal(findings.length, c.expect, JSON.stringify(findings.map((f) => f.observed)));
      if (c.expect) {
        assert.equal(findings[0].resource.kind, 'cloudmap-service');
        assert.equal(findings[0].action, undefined);
        assert.equal(findings[0].blocked?.reason, 'report-only');
      }
    });
  }

  it("a Service Connect endpoint's Cloud Map service counts its servers", () => {
    const endpoint = cmService('orders', SC_NS);
    const server = scService('orders', 'sc.local', ['orders'], {
      desiredCount: 460,
      runningCount: 0,
      resources: [{ discoveryName: 'orders', discoveryArn: endpoint.arn }],
    });
    const [finding] = run([server], [endpoint]);
    assert.match(
      finding.observed,
      /0 instances, up to 920 during deployments; deployments: orders: desired 460 × 200%/,
    );
  });

  it('a namespace near its instance quota is reported once, with the sum over its services', () => {
    const services = ['a', 'b', 'c'].map((n) =>
      cmService(n, NS, { instances: others(620).map((i) => ({ ...i, id: `${n}-${i.id}` })) }),
    );
    const findings = run([], services);
    const namespaces = findings.filter((f) => f.resource.kind === 'cloudmap-namespace');
    assert.deepEqual(
      namespaces.map((f) => [f.key, f.observed]),
      [[`taskLimit/namespace/${NS.id}`, '1860 instances in 3 services, up to 1860 during deployments']],
    );
    assert.equal(
      run([], services, { namespaceWarnAt: 1900 }).filter((f) => f.resource.kind === 'cloudmap-namespace').length,
      0,
    );
  });
});

describe('evaluateAll', () => {
  it('runs every rule, skips disabled rules, and still evaluates suspended and audit policies', () => {
    const big = cmService('big', NS);
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [cmService('orphan', NS, { dnsRecords: [{ type: 'A', ttl: 60 }] }), big],
      services: [
        ecsService('big', {
          desiredCount: 460,
          serviceRegistries: [{ registryArn: big.arn }],
          deployments: [deployment({ serviceConnect: sc('sc.local') })],
        }),
      ],
    });
    const rules = (p: Parameters<typeof policy>[0]) =>
      evaluateAll(policy(p), inv, T0)
        .map((f) => f.rule)
        .sort();
    assert.deepEqual(rules({}), ['cloudMapOrphans', 'dnsTtl', 'taskLimit']);
    assert.deepEqual(rules({ rules: { dnsTtl: { enabled: false }, taskLimit: { enabled: false } } }), [
      'cloudMapOrphans',
    ]);
    assert.deepEqual(rules({ suspend: true, mode: 'audit' }), ['cloudMapOrphans', 'dnsTtl', 'taskLimit']);
  });
});
