import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, load, policy } from './helpers.js';

describe('omitted spec.target.clusters and namespaces', () => {
  it('a TTL policy without clusters covers every cluster the operator allows ("*" with no limit)', () => {
    const ttl = policy(
      'ttl',
      'target:\n  namespaces: [internal.example.com]\nrules:\n  dnsTtl: { max: 10s, set: 10s }',
    );
    const open = load({ 'ttl.yaml': ttl });
    assert.deepEqual(errors(open.problems), []);
    assert.deepEqual(open.set!.policies[0].target.clusters, ['*']);
    const bounded = load({ 'ttl.yaml': ttl }, { clusters: ['prod-*', 'shared'], namespaces: ['internal.example.com'] });
    assert.deepEqual(errors(bounded.problems), []);
    assert.deepEqual(bounded.set!.policies[0].target.clusters, ['prod-*', 'shared']);
  });

  it('a taskLimit-only policy needs neither list; rules acting within namespaces still need namespaces', () => {
    const limit = load(
      { 'limit.yaml': policy('limit', 'target: {}\nrules:\n  taskLimit: { warnAt: 900 }') },
      { namespaces: ['*.internal'] },
    );
    assert.deepEqual(errors(limit.problems), []);
    assert.deepEqual(limit.set!.policies[0].target.namespaces, ['*.internal']);
    const orphans = load({
      'orphans.yaml': policy('orphans', 'target: {}\nrules:\n  cloudMapOrphans: {}\n  dnsTtl: {}'),
    });
    assert.equal(orphans.set, undefined);
    assert.deepEqual(
      errors(orphans.problems).map((e) => e.replace(/^orphans\.yaml:\d+:\d+ /, '')),
      [
        'spec.target: spec.target.namespaces is required when cloudMapOrphans, dnsTtl are on: they act within Cloud Map namespaces ("*" for every namespace the operator allows)',
      ],
    );
  });
});
