import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate as dnsTtl } from '../../controller/rules/dns-ttl.js';
import { evaluateAll, RULES } from '../../controller/rules/index.js';
import { evaluate as taskLimit } from '../../controller/rules/task-limit.js';
import { cmService, deployment, ecsService, inventory, namespace, policy, sc, scService, T0 } from './fixtures.js';

const NS = namespace('internal.local');
const SC_NS = namespace('sc.local', 'HTTP');

describe('dnsTtl', () => {
  const cases = [
    { name: 'A and SRV records, one above max: only that one is lowered (the actuator resends the other unchanged)', records: [{ type: 'A' as const, ttl: 300 }, { type: 'SRV' as const, ttl: 10 }], ns: NS, expect: [{ type: 'A', ttl: 10 }] },
    { name: 'a record below max is never raised to set', records: [{ type: 'A' as const, ttl: 6 }, { type: 'SRV' as const, ttl: 60 }], ns: NS, expect: [{ type: 'SRV', ttl: 10 }] },
    { name: 'every record at or below max: no finding', records: [{ type: 'A' as const, ttl: 10 }], ns: NS, expect: undefined },
    { name: 'an SC HTTP-only service with no DNS records: no finding', records: [], ns: SC_NS, expect: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const inv = inventory({ namespaces: [NS, SC_NS], cloudMapServices: [cmService('api', c.ns, { dnsRecords: c.records })] });
      const findings = dnsTtl(policy({ target: { namespaces: ['*.local'] } }), inv, T0);
      const action = findings[0]?.action;
      assert.deepEqual(action?.type === 'cloudmap:UpdateDnsTtl' ? action.records : undefined, c.expect);
    });
  }

  it('reports a protected service as blocked: protected means the controller changes nothing of it', () => {
    const inv = inventory({ namespaces: [NS], cloudMapServices: [cmService('gw', NS, { tags: { 'discovery-controller/protect': 'true' }, dnsRecords: [{ type: 'A', ttl: 60 }] })] });
    assert.deepEqual(dnsTtl(policy(), inv, T0)[0].blocked, { reason: 'protected', detail: 'tagged discovery-controller/protect=true' });
  });

  it('reports an SC-managed DNS service as blocked', () => {
    const inv = inventory({ namespaces: [NS], cloudMapServices: [cmService('api', NS, { tags: { AmazonECSManaged: 'true' }, dnsRecords: [{ type: 'A', ttl: 60 }] })] });
    assert.equal(dnsTtl(policy(), inv, T0)[0].blocked?.reason, 'service-connect-managed');
  });

  it('never reaches a Cloud Map service outside the listed namespaces, even one a covered ECS service uses', () => {
    const other = namespace('other.local');
    const svc = cmService('api', other, { dnsRecords: [{ type: 'A', ttl: 60 }] });
    const inv = inventory({ namespaces: [NS, other], cloudMapServices: [svc], services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })] });
    assert.equal(dnsTtl(policy(), inv, T0).length, 0);
    assert.equal(dnsTtl(policy({ target: { namespaces: ['other.local'] } }), inv, T0).length, 1);
  });
});

describe('taskLimit', () => {
  const registry = [{ registryArn: 'arn:aws:servicediscovery:eu-west-1:111122223333:service/srv-x' }];
  const cases = [
    { name: 'a registry service with desiredCount at warnAt', svc: ecsService('api', { desiredCount: 900, serviceRegistries: registry }), expect: 1 },
    { name: 'a registry service whose auto scaling max reaches warnAt', svc: ecsService('api', { desiredCount: 10, maxCount: 1000, serviceRegistries: registry }), expect: 1 },
    { name: 'an SC server at warnAt', svc: scService('api', 'sc.local', ['api'], { desiredCount: 950 }), expect: 1 },
    { name: 'an SC client-only service does not register instances', svc: scService('api', 'sc.local', [], { desiredCount: 950 }), expect: 0 },
    { name: 'a service without discovery is not limited', svc: ecsService('api', { desiredCount: 5000 }), expect: 0 },
    { name: 'below warnAt', svc: ecsService('api', { desiredCount: 899, serviceRegistries: registry }), expect: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const findings = taskLimit(policy(), inventory({ services: [c.svc] }), T0);
      assert.equal(findings.length, c.expect);
      if (c.expect) {
        assert.equal(findings[0].action, undefined);
        assert.equal(findings[0].blocked?.reason, 'report-only');
      }
    });
  }
});

describe('evaluateAll', () => {
  it('runs every rule, skips disabled rules, and still evaluates suspended and audit policies', () => {
    assert.deepEqual(Object.keys(RULES).sort(), ['cloudMapOrphans', 'dnsTtl', 'serviceConnectRefresh', 'taskLimit']);
    const inv = inventory({
      namespaces: [NS],
      cloudMapServices: [cmService('orphan', NS, { dnsRecords: [{ type: 'A', ttl: 60 }] })],
      services: [ecsService('big', { desiredCount: 999, serviceRegistries: [{ registryArn: 'srv-x' }], deployments: [deployment({ serviceConnect: sc('sc.local') })] })],
    });
    const rules = (p: Parameters<typeof policy>[0]) => evaluateAll(policy(p), inv, T0).map((f) => f.rule).sort();
    assert.deepEqual(rules({}), ['cloudMapOrphans', 'dnsTtl', 'taskLimit']);
    assert.deepEqual(rules({ rules: { dnsTtl: { enabled: false }, taskLimit: { enabled: false } } }), ['cloudMapOrphans']);
    assert.deepEqual(rules({ suspend: true, mode: 'audit' }), ['cloudMapOrphans', 'dnsTtl', 'taskLimit']);
  });
});
