/**
 * taskLimit through the real SDK against the sandbox: a Cloud Map service holds at most 1,000 instances (not
 * adjustable) and a namespace 2,000 by default (Cloud Map quotas page, aws-facts §5). The rule counts every
 * instance plus the headroom deployments need (desired × maximumPercent / 100 per registering ECS service),
 * and the sandbox refuses ECS registrations past the per-service quota, as Cloud Map does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ListInstancesCommand } from '@aws-sdk/client-servicediscovery';
import { startHarness, type Harness } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';

const NS = 'internal.example.com';
const SCENARIO = {
  name: 'task-limit',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: NS, type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        // 600 tasks, 1,200 during a deployment (maximumPercent 200): past warnAt 900 although desired is not.
        { name: 'bulk', desiredCount: 600, maximumPercent: 200, created: '-10d', registry: { namespace: NS, ttl: 10 } },
        // Two ECS services registering into one Cloud Map service: 300 + 300 now, 450 + 450 during deployments.
        {
          name: 'shared-a',
          desiredCount: 300,
          maximumPercent: 150,
          created: '-10d',
          registry: { namespace: NS, service: 'shared', ttl: 10 },
        },
        {
          name: 'shared-b',
          desiredCount: 300,
          maximumPercent: 150,
          created: '-10d',
          registry: { namespace: NS, service: 'shared', ttl: 10 },
        },
        // 5 tasks in a Cloud Map service that also holds 990 EC2 registrations; the test scales it to 20: only 10 fit.
        {
          name: 'late',
          desiredCount: 5,
          maximumPercent: 100,
          created: '-1d',
          registry: { namespace: NS, service: 'full', ttl: 10 },
        },
        // Well below every threshold.
        { name: 'small', desiredCount: 5, created: '-10d', registry: { namespace: NS, ttl: 10 } },
      ],
    },
  ],
  cloudMap: {
    services: [
      {
        namespace: NS,
        name: 'full',
        ttl: 10,
        created: '-100d',
        instances: Array.from({ length: 990 }, (_, i) => ({
          id: `i-${String(i).padStart(17, '0')}`,
          registeredBy: 'other',
          attributes: { AWS_INSTANCE_IPV4: `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}` },
        })),
      },
    ],
  },
};

const POLICY = policyYaml({
  name: 'limits',
  mode: 'audit',
  target: { clusters: ['prod'], namespaces: [NS] },
  rules: { taskLimit: { warnAt: 900, namespaceWarnAt: 1800 } },
});

describe('taskLimit against the sandbox', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ mode: 'audit', scenario: SCENARIO, start: false, policyText: POLICY });
  });
  after(async () => {
    await h?.close();
  });

  it('the sandbox refuses ECS registrations past 1,000 instances per Cloud Map service and says so in the service events', async () => {
    const full = h.sandbox.cloudMap.services().find((s) => s.name === 'full')!;
    assert.equal(h.sandbox.cloudMap.instances(full.id).length, 995);
    await h.clients.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'late', desiredCount: 20 }));
    h.advance(5 * 60_000); // the new tasks start
    let count = 0;
    let token: string | undefined;
    do {
      const page = await h.clients.serviceDiscovery.send(
        new ListInstancesCommand({ ServiceId: full.id, NextToken: token }),
      );
      count += page.Instances?.length ?? 0;
      token = page.NextToken;
    } while (token);
    assert.equal(count, 1000);
    const { services } = await h.clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['late'] }));
    assert.equal(services?.[0].runningCount, 20, 'the tasks run, unregistered');
    assert.ok(
      services?.[0].events?.some((e) => /unable to register task .* 1000 instances/.test(e.message ?? '')),
      JSON.stringify(services?.[0].events?.slice(0, 3)),
    );
  });

  it('reports Cloud Map services by instances plus deployment headroom, and the namespace near its quota', async () => {
    const { plan } = await h.controller.runOnce();
    const findings = plan.findings.filter((f) => f.rule === 'taskLimit');
    const byResource = new Map(
      findings.map((f) => [
        f.resource.kind === 'cloudmap-service' || f.resource.kind === 'cloudmap-namespace' ? f.resource.name : '',
        f,
      ]),
    );
    assert.deepEqual(
      [...byResource.keys()].sort(),
      ['bulk', 'full', 'internal.example.com', 'shared'],
      JSON.stringify(findings.map((f) => [f.resource, f.observed])),
    );
    assert.match(
      byResource.get('bulk')!.observed,
      /^600 instances, up to 1200 during deployments; deployments: bulk: desired 600 × 200%$/,
    );
    assert.match(
      byResource.get('shared')!.observed,
      /^600 instances, up to 900 during deployments; deployments: shared-a: desired 300 × 150%, shared-b: desired 300 × 150%$/,
    );
    // The quota is reached: every instance counts, EC2's too, whatever ECS would add.
    assert.match(
      byResource.get('full')!.observed,
      /^1000 instances, up to 1000 during deployments; deployments: late: desired 20 × 100%$/,
    );
    assert.equal(byResource.get('small'), undefined);
    const namespace = byResource.get('internal.example.com')!;
    assert.equal(namespace.resource.kind, 'cloudmap-namespace');
    assert.match(namespace.observed, /^2\d{3} instances in 4 services, up to \d+ during deployments$/);
    assert.ok(findings.every((f) => f.blocked?.reason === 'report-only' && f.action === undefined));
  });
});
