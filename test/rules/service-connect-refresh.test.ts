import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../controller/rules/service-connect-refresh.js';
import type { Finding } from '../../controller/model/findings.js';
import type { EcsService, EcsTask, Inventory } from '../../controller/inventory/model.js';
import {
  cluster,
  cmService,
  deployment,
  HOUR,
  inventory,
  namespace,
  policy,
  sc,
  scService,
  T0,
  task,
} from './fixtures.js';

const NS = namespace('sc.local', 'HTTP');

/** A fleet where checkout (client only) started at T0+1h and orders joined the namespace at T0+4h. */
function fleet(extra: { services?: EcsService[]; tasks?: EcsTask[] } & Partial<Inventory> = {}): Inventory {
  const { services = [], tasks = [], ...rest } = extra;
  return inventory({
    namespaces: [NS],
    services: [
      scService('checkout', 'sc.local', [], { deployedAt: T0 }),
      scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR }),
      ...services,
    ],
    tasks: [
      task('checkout', T0 + HOUR, { id: 'c1' }),
      task('checkout', T0 + 5 * HOUR, { id: 'c2' }),
      task('orders', T0 + 4 * HOUR),
      ...tasks,
    ],
    ...rest,
  });
}

function byService(findings: Finding[]): Record<string, Finding> {
  return Object.fromEntries(findings.map((f) => [f.resource.kind === 'ecs-service' ? f.resource.name : f.key, f]));
}

describe('serviceConnectRefresh', () => {
  it('flags a client whose running task started before an endpoint appeared, with a stable key and a redeploy', () => {
    const [finding, ...rest] = evaluate(policy(), fleet(), T0 + 6 * HOUR);
    assert.equal(rest.length, 0);
    assert.equal(finding.key, 'serviceConnectRefresh/prod/checkout');
    assert.deepEqual(finding.action, {
      type: 'ecs:ForceNewDeployment',
      cluster: 'prod',
      service: 'checkout',
      serviceArn: finding.resource.kind === 'ecs-service' ? finding.resource.arn : '',
    });
    assert.equal(finding.blocked, undefined);
    assert.match(
      finding.observed,
      /1 of 2 running tasks belong to deployments created before orders.svc:80 appeared \(oldest 3h before orders.svc:80\)/,
    );
    assert.match(finding.observed, /judged by their start time: the deployment that started them is unknown \(c1\)/);
    assert.equal(finding.namespace, 'sc.local');
  });

  const staleAfterCases = [
    { name: 'staleAfter 0s: any task older than the endpoint is stale', staleAfterMs: 0, lead: 3 * HOUR, stale: true },
    {
      name: 'staleAfter 5h: a task 3h older than the endpoint is tolerated',
      staleAfterMs: 5 * HOUR,
      lead: 3 * HOUR,
      stale: false,
    },
    {
      name: 'staleAfter 5h: a task 6h older than the endpoint is stale',
      staleAfterMs: 5 * HOUR,
      lead: 6 * HOUR,
      stale: true,
    },
    { name: 'staleAfter 0s: a task started after the endpoint is fine', staleAfterMs: 0, lead: -1, stale: false },
    {
      name: 'staleAfter 5h: a task exactly 5h older is not yet "more than" 5h',
      staleAfterMs: 5 * HOUR,
      lead: 5 * HOUR,
      stale: false,
    },
  ];
  for (const c of staleAfterCases) {
    it(c.name, () => {
      const inv = inventory({
        namespaces: [NS],
        services: [
          scService('checkout', 'sc.local', []),
          scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 10 * HOUR }),
        ],
        tasks: [task('checkout', T0 + 10 * HOUR - c.lead)],
      });
      const findings = evaluate(
        policy({ rules: { serviceConnectRefresh: { staleAfterMs: c.staleAfterMs } } }),
        inv,
        T0 + 12 * HOUR,
      );
      assert.equal(findings.length, c.stale ? 1 : 0);
    });
  }

  it('blocks the redeploy while the client has a deployment in progress', () => {
    const rolling = scService('checkout', 'sc.local', [], {
      deployments: [
        deployment({
          status: 'PRIMARY',
          rolloutState: 'IN_PROGRESS',
          createdAt: T0 + 5 * HOUR,
          serviceConnect: sc('sc.local'),
        }),
        deployment({ status: 'ACTIVE', rolloutState: 'COMPLETED', createdAt: T0, serviceConnect: sc('sc.local') }),
      ],
    });
    const inv = fleet();
    const findings = evaluate(
      policy(),
      { ...inv, services: [rolling, ...inv.services.filter((s) => s.name !== 'checkout')] },
      T0 + 6 * HOUR,
    );
    assert.equal(findings[0].blocked?.reason, 'deployment-in-progress');
    assert.ok(findings[0].action, 'the remedy is still named, only blocked');
  });

  it('waits for the endpoint deployment to complete before redeploying the client', () => {
    const inv = fleet();
    const pendingOrders = scService('orders', 'sc.local', ['orders'], {
      deployedAt: T0 + 4 * HOUR,
      rollout: 'IN_PROGRESS',
    });
    const findings = evaluate(policy(), { ...inv, services: [inv.services[0], pendingOrders] }, T0 + 6 * HOUR);
    assert.equal(findings[0].blocked?.reason, 'endpoint-deployment-pending');
    assert.match(findings[0].blocked?.detail ?? '', /orders/);
  });

  it('lists every endpoint a client cannot reach in one finding', () => {
    const inv = fleet({ services: [scService('inventory', 'sc.local', ['inventory'], { deployedAt: T0 + 3 * HOUR })] });
    const findings = evaluate(policy(), inv, T0 + 6 * HOUR);
    const checkout = byService(findings).checkout;
    assert.match(checkout.observed, /before inventory.svc:80, orders.svc:80 appeared/);
    assert.equal(findings.filter((f) => f.key === 'serviceConnectRefresh/prod/checkout').length, 1);
  });

  const dependencyCases: { name: string; dependencies?: Record<string, string[]>; stale: string[] }[] = [
    {
      name: 'no dependencies: every client may call every endpoint',
      dependencies: undefined,
      stale: ['checkout', 'web'],
    },
    {
      name: 'a client declared to call nothing is never stale',
      dependencies: { checkout: ['orders'], web: [] },
      stale: ['checkout'],
    },
    {
      name: 'a client the map does not name may call anything',
      dependencies: { checkout: ['legacy'] },
      stale: ['web'],
    },
    {
      name: 'dependencies by client alias DNS name count too',
      dependencies: { web: ['orders.svc'], checkout: [] },
      stale: ['web'],
    },
    {
      name: 'a dependency on an older endpoint does not make the client stale',
      dependencies: { checkout: ['legacy'], web: ['legacy'] },
      stale: [],
    },
  ];
  for (const c of dependencyCases) {
    it(c.name, () => {
      const inv = fleet({
        services: [
          scService('web', 'sc.local', []),
          scService('legacy', 'sc.local', ['legacy'], { deployedAt: T0 - HOUR }),
        ],
        tasks: [task('web', T0 + 2 * HOUR)],
      });
      const findings = evaluate(
        policy({ rules: { serviceConnectRefresh: { dependencies: c.dependencies } } }),
        inv,
        T0 + 6 * HOUR,
      );
      assert.deepEqual(Object.keys(byService(findings)).sort(), c.stale);
    });
  }

  it('does not treat a service as its own client', () => {
    // orders' old task predates its own newer endpoint "orders-v2", which only orders serves.
    const inv = inventory({
      namespaces: [NS],
      services: [scService('orders', 'sc.local', ['orders', 'orders-v2'], { deployedAt: T0 + 4 * HOUR })],
      tasks: [task('orders', T0 + HOUR)],
    });
    assert.deepEqual(evaluate(policy(), inv, T0 + 6 * HOUR), []);
  });

  it("dates an endpoint by its server's creation when the introducing deployment is no longer listed; a recreated server appears anew", () => {
    // Cloud Map may hand the recreated server the old Service Connect service: its creation date says nothing.
    const cm = cmService('orders', NS, { createdAt: T0 - 24 * HOUR });
    const resources = [{ discoveryName: 'orders', discoveryArn: cm.arn }];
    const redeployed = scService('orders', 'sc.local', ['orders'], {
      createdAt: T0 - 24 * HOUR,
      deployedAt: T0 + 4 * HOUR,
      resources,
    });
    const recreated = scService('orders', 'sc.local', ['orders'], {
      createdAt: T0 + 3 * HOUR,
      deployedAt: T0 + 4 * HOUR,
      resources,
    });
    const inv = fleet();
    const judge = (orders: EcsService) =>
      evaluate(policy(), { ...inv, services: [inv.services[0], orders], cloudMapServices: [cm] }, T0 + 6 * HOUR);
    assert.deepEqual(judge(redeployed), []);
    const [finding] = judge(recreated);
    assert.match(finding.observed, /oldest 2h before orders.svc:80\).*orders.svc:80 dated by the server's creation/);
  });

  it('judges a task by its deployment (or task set) creation, not its start; by its start only when the deployment is unknown', () => {
    const base = scService('checkout', 'sc.local', [], { deployedAt: T0 });
    const checkout: EcsService = {
      ...base,
      taskSets: [
        {
          id: 'ecs-svc/77',
          arn: 'arn:ts',
          status: 'PRIMARY',
          createdAt: T0 + 2 * HOUR,
          taskDefinition: 'td:1',
          serviceRegistries: [],
          computedDesiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
        },
      ],
    };
    const judge = (tasks: EcsTask[]) =>
      evaluate(
        policy(),
        inventory({
          namespaces: [NS],
          services: [checkout, scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR })],
          tasks,
        }),
        T0 + 6 * HOUR,
      );
    // Replacement started after orders appeared, by the deployment created before it: stale.
    const [byDeployment] = judge([task('checkout', T0 + 5 * HOUR, { deploymentId: base.deployments[0].id })]);
    assert.match(
      byDeployment.observed,
      /^1 of 1 running tasks belong to deployments created before orders.svc:80 appeared \(oldest 4h before/,
    );
    assert.doesNotMatch(byDeployment.observed, /start time/);
    const [byTaskSet] = judge([task('checkout', T0 + 5 * HOUR, { deploymentId: 'ecs-svc/77' })]);
    assert.match(byTaskSet.observed, /oldest 2h before orders.svc:80\)$/);
    const [byStart] = judge([task('checkout', T0 + 3 * HOUR, { id: 'lost', deploymentId: 'ecs-svc/999' })]);
    assert.match(
      byStart.observed,
      /oldest 1h before orders.svc:80\); 1 judged by their start time: the deployment that started them is unknown \(lost\)/,
    );
  });

  it('handles a namespace shared by several clusters: endpoints anywhere, clients only where the policy reaches', () => {
    const inv = inventory({
      clusters: [cluster('prod'), cluster('edge')],
      namespaces: [NS],
      services: [
        scService('checkout', NS.arn, [], { cluster: 'prod' }),
        scService('gateway', 'sc.local', [], { cluster: 'edge' }),
        scService('orders', 'sc.local', ['orders'], { cluster: 'edge', deployedAt: T0 + 4 * HOUR }),
      ],
      tasks: [task('checkout', T0 + HOUR), task('gateway', T0 + HOUR, { cluster: 'edge' })],
    });
    assert.deepEqual(
      evaluate(policy(), inv, T0 + 6 * HOUR).map((f) => f.key),
      ['serviceConnectRefresh/prod/checkout'],
    );
    assert.deepEqual(
      evaluate(policy({ target: { clusters: ['*'] } }), inv, T0 + 6 * HOUR).map((f) => f.key),
      ['serviceConnectRefresh/edge/gateway', 'serviceConnectRefresh/prod/checkout'],
    );
  });

  it('ignores services the policy excludes and endpoints of other namespaces', () => {
    const inv = fleet({ services: [scService('billing', 'other.local', ['billing'], { deployedAt: T0 + 5 * HOUR })] });
    assert.deepEqual(evaluate(policy({ target: { services: { exclude: ['check*'] } } }), inv, T0 + 6 * HOUR), []);
    assert.deepEqual(
      evaluate(policy(), inv, T0 + 6 * HOUR).map((f) => f.key),
      ['serviceConnectRefresh/prod/checkout'],
    );
  });
});
