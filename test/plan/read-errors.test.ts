import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadError } from '../../controller/inventory/model.js';
import { affectsPolicy, readErrorsByPolicy } from '../../controller/plan/read-errors.js';
import { inventory, namespace, policy } from '../rules/fixtures.js';

const error = (scope: ReadError['scope']): ReadError => ({
  scope,
  operation: 'x:Y',
  code: 'AccessDeniedException',
  message: 'denied',
});

describe('which read errors make a policy incomplete', () => {
  const shop = namespace('shop.local');
  const other = namespace('other.local');
  const inv = inventory({ namespaces: [shop, other] });
  const ttlOnly = policy({
    name: 'ttl',
    target: { clusters: ['prod'], namespaces: ['shop.local'] },
    rules: {
      dnsTtl: { enabled: true },
      cloudMapOrphans: { enabled: false },
      taskLimit: { enabled: false },
      serviceConnectRefresh: { enabled: false },
    },
  });
  const orphans = policy({
    name: 'orphans',
    target: { clusters: ['prod'], namespaces: ['shop.local'] },
    rules: { cloudMapOrphans: { enabled: true }, taskLimit: { enabled: true } },
  });

  it('an account-wide error concerns every policy; a namespace error only the policies covering it', () => {
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'account' })), true);
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'namespace', namespaceId: shop.id })), true);
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'namespace', namespaceId: other.id })), false);
    assert.equal(
      affectsPolicy(ttlOnly, inv, error({ kind: 'namespace', namespaceId: 'ns-unknown' })),
      true,
      "an undescribed namespace may be the policy's",
    );
  });

  it('a cluster error concerns policies covering the cluster, and every policy that prunes (orphans are judged account-wide)', () => {
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'cluster', cluster: 'prod' })), true);
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'cluster', cluster: 'staging' })), false);
    assert.equal(affectsPolicy(orphans, inv, error({ kind: 'cluster', cluster: 'staging' })), true);
  });

  it('scaling-target errors concern only policies with taskLimit on', () => {
    assert.equal(affectsPolicy(ttlOnly, inv, error({ kind: 'scaling-targets', cluster: 'prod' })), false);
    assert.equal(affectsPolicy(orphans, inv, error({ kind: 'scaling-targets', cluster: 'prod' })), true);
    const byPolicy = readErrorsByPolicy([
      { policies: [ttlOnly, orphans], inventory: { ...inv, readErrors: [error({ kind: 'scaling-targets' })] } },
    ]);
    assert.deepEqual([...byPolicy.keys()], ['orphans']);
  });
});
