import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cloudMapServiceSpecificity,
  coversCloudMapService,
  coversCluster,
  coversEcsService,
  coversNamespace,
  ecsServiceSpecificity,
} from '../../controller/rules/scope.js';
import { cluster, clusterArn, cmService, ecsService, inventory, namespace, policy } from './fixtures.js';

const EMPTY = inventory({});

describe('scope', () => {
  const clusterCases = [
    { patterns: ['prod'], cluster: 'prod', covered: true },
    { patterns: ['prod-*'], cluster: 'prod-eu', covered: true },
    { patterns: ['prod-*'], cluster: 'staging', covered: false },
    { patterns: [clusterArn('prod')], cluster: 'prod', covered: true },
    { patterns: ['arn:aws:ecs:*:111122223333:cluster/prod*'], cluster: 'prod-eu', covered: true },
    { patterns: ['*'], cluster: 'anything', covered: true },
    { patterns: [], cluster: 'prod', covered: false },
  ];
  for (const c of clusterCases) {
    it(`clusters ${JSON.stringify(c.patterns)} ${c.covered ? 'cover' : 'do not cover'} ${c.cluster}`, () => {
      assert.equal(coversCluster(policy({ target: { clusters: c.patterns } }), cluster(c.cluster)), c.covered);
    });
  }

  it('matches namespaces by name, id or glob', () => {
    const ns = namespace('internal.example.com');
    assert.ok(coversNamespace(policy({ target: { namespaces: ['internal.example.com'] } }), ns));
    assert.ok(coversNamespace(policy({ target: { namespaces: [ns.id] } }), ns));
    assert.ok(coversNamespace(policy({ target: { namespaces: ['*.example.com'] } }), ns));
    assert.ok(!coversNamespace(policy({ target: { namespaces: ['other.example.com'] } }), ns));
  });

  it('selects ECS services by include, exclude and tags', () => {
    const svc = ecsService('legacy-api', { tags: { discovery: 'managed' } });
    assert.ok(coversEcsService(policy(), EMPTY, svc));
    assert.ok(!coversEcsService(policy({ target: { services: { exclude: ['legacy-*'] } } }), EMPTY, svc));
    assert.ok(!coversEcsService(policy({ target: { services: { include: ['web'] } } }), EMPTY, svc));
    assert.ok(coversEcsService(policy({ target: { services: { tags: { discovery: 'managed' } } } }), EMPTY, svc));
    assert.ok(!coversEcsService(policy({ target: { services: { tags: { discovery: 'other' } } } }), EMPTY, svc));
    assert.ok(!coversEcsService(policy({ target: { clusters: ['staging'] } }), EMPTY, svc));
  });

  it('ranks exact names above globs above match-all', () => {
    const svc = ecsService('checkout');
    const exact = ecsServiceSpecificity(policy({ target: { services: { include: ['checkout'] } } }), EMPTY, svc);
    const glob = ecsServiceSpecificity(policy({ target: { services: { include: ['check*'] } } }), EMPTY, svc);
    const star = ecsServiceSpecificity(policy({ target: { services: { include: ['*'] } } }), EMPTY, svc);
    const all = ecsServiceSpecificity(policy(), EMPTY, svc);
    assert.ok(exact > glob && glob > star && star === all && all > 0);
    assert.ok(
      ecsServiceSpecificity(policy({ target: { clusters: ['prod'] } }), EMPTY, svc) >
        ecsServiceSpecificity(policy({ target: { clusters: ['pr*'] } }), EMPTY, svc),
    );
  });

  it('covers a Cloud Map service only through its namespace, never through a referring ECS service elsewhere', () => {
    const ns = namespace('other.local');
    const svc = cmService('api', ns);
    const inv = inventory({
      namespaces: [ns],
      cloudMapServices: [svc],
      services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })],
    });
    assert.ok(coversCloudMapService(policy({ target: { namespaces: ['other.local'], clusters: [] } }), inv, svc));
    assert.ok(!coversCloudMapService(policy(), inv, svc), 'the default policy covers internal.local only');
    const both = policy({ target: { namespaces: ['other.local'] } });
    assert.ok(
      cloudMapServiceSpecificity(both, inv, svc) >=
        cloudMapServiceSpecificity(
          policy({ target: { namespaces: ['other.local'], clusters: ['staging'] } }),
          inv,
          svc,
        ),
    );
  });

  it('splits the services of a shared cluster between policies by discovery namespace', () => {
    const teamA = namespace('a.internal');
    const teamB = namespace('b.internal');
    const regA = cmService('orders', teamA);
    const regB = cmService('ledger', teamB);
    const orders = ecsService('orders', { serviceRegistries: [{ registryArn: regA.arn }] });
    const ledger = ecsService('ledger', { serviceRegistries: [{ registryArn: regB.arn }] });
    const plain = ecsService('batch');
    const inv = inventory({
      namespaces: [teamA, teamB],
      cloudMapServices: [regA, regB],
      services: [orders, ledger, plain],
    });
    const a = policy({ name: 'a', target: { namespaces: ['a.internal'] } });
    const b = policy({ name: 'b', target: { namespaces: ['b.internal'] } });
    assert.deepEqual(
      [orders, ledger].map((s) => [coversEcsService(a, inv, s), coversEcsService(b, inv, s)]),
      [
        [true, false],
        [false, true],
      ],
    );
    assert.ok(
      coversEcsService(a, inv, plain) && coversEcsService(b, inv, plain),
      'a service without discovery is covered by cluster alone',
    );
  });
});
