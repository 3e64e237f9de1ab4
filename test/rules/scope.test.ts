import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coversCloudMapService, coversCluster, coversEcsService, coversNamespace, ecsServiceSpecificity } from '../../controller/rules/scope.js';
import { cluster, clusterArn, cmService, ecsService, inventory, namespace, policy } from './fixtures.js';

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
    assert.ok(coversEcsService(policy(), svc));
    assert.ok(!coversEcsService(policy({ target: { services: { exclude: ['legacy-*'] } } }), svc));
    assert.ok(!coversEcsService(policy({ target: { services: { include: ['web'] } } }), svc));
    assert.ok(coversEcsService(policy({ target: { services: { tags: { discovery: 'managed' } } } }), svc));
    assert.ok(!coversEcsService(policy({ target: { services: { tags: { discovery: 'other' } } } }), svc));
    assert.ok(!coversEcsService(policy({ target: { clusters: ['staging'] } }), svc));
  });

  it('ranks exact names above globs above match-all', () => {
    const svc = ecsService('checkout');
    const exact = ecsServiceSpecificity(policy({ target: { services: { include: ['checkout'] } } }), svc);
    const glob = ecsServiceSpecificity(policy({ target: { services: { include: ['check*'] } } }), svc);
    const star = ecsServiceSpecificity(policy({ target: { services: { include: ['*'] } } }), svc);
    const all = ecsServiceSpecificity(policy(), svc);
    assert.ok(exact > glob && glob > star && star === all && all > 0);
    assert.ok(ecsServiceSpecificity(policy({ target: { clusters: ['prod'] } }), svc) > ecsServiceSpecificity(policy({ target: { clusters: ['pr*'] } }), svc));
  });

  it('covers a Cloud Map service through its namespace or a covered ECS service that refers to it', () => {
    const ns = namespace('other.local');
    const svc = cmService('api', ns);
    const inv = inventory({ namespaces: [ns], cloudMapServices: [svc], services: [ecsService('api', { serviceRegistries: [{ registryArn: svc.arn }] })] });
    assert.ok(coversCloudMapService(policy({ target: { namespaces: ['other.local'], clusters: [] } }), inv, svc));
    assert.ok(coversCloudMapService(policy(), inv, svc));
    assert.ok(!coversCloudMapService(policy({ target: { clusters: ['staging'] } }), inv, svc));
  });
});
