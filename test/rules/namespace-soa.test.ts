import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate as namespaceSoa } from '../../controller/rules/namespace-soa.js';
import { planReadScope } from '../../controller/inventory/read-scope.js';
import { inventory, namespace, policy, T0 } from './fixtures.js';

const soaPolicy = (max = 60, set = 15) =>
  policy({ rules: { namespaceSoa: { enabled: true, maxSeconds: max, setSeconds: set } } });

describe('namespaceSoa', () => {
  it('reports a covered DNS namespace whose SOA TTL is above max, with the update that sets it', () => {
    const ns = { ...namespace('internal.local'), soaTtl: 86400 };
    const [finding, ...rest] = namespaceSoa(soaPolicy(), inventory({ namespaces: [ns] }), T0);
    assert.equal(rest.length, 0);
    assert.equal(finding.key, `namespaceSoa/${ns.id}`);
    assert.equal(finding.observed, 'SOA ttl 86400s');
    assert.deepEqual(finding.action, {
      type: 'cloudmap:UpdateNamespaceSoa',
      namespaceId: ns.id,
      namespaceType: 'DNS_PRIVATE',
      ttl: 15,
      aboveSeconds: 60,
    });
    assert.equal(finding.blocked, undefined);
  });

  it('leaves alone namespaces at or below max, HTTP namespaces, unknown SOA, and namespaces outside the policy', () => {
    const namespaces = [
      { ...namespace('internal.local'), soaTtl: 60 },
      { ...namespace('sc.local', 'HTTP') },
      { ...namespace('unread.local'), id: 'ns-unread' },
      { ...namespace('other.local'), soaTtl: 3600 },
    ];
    assert.deepEqual(namespaceSoa(soaPolicy(), inventory({ namespaces }), T0), []);
  });

  it('reports, but never changes, a namespace another account shares with this one', () => {
    const ns = { ...namespace('internal.local'), soaTtl: 300, resourceOwner: '999988887777' };
    assert.equal(namespaceSoa(soaPolicy(), inventory({ namespaces: [ns] }), T0)[0].blocked?.reason, 'other-account');
  });

  it('asks the reader for the SOA of exactly the namespaces the policy covers', () => {
    const scope = planReadScope([soaPolicy()]);
    assert.equal(scope.namespaceSoa.all, false);
    assert.deepEqual(
      scope.namespaceSoa.patterns.map((p) => p.source),
      ['internal.local', 'sc.local'],
    );
    const off = planReadScope([policy({ rules: { namespaceSoa: { enabled: false } } })]);
    assert.equal(off.namespaceSoa.patterns.length, 0);
  });
});
