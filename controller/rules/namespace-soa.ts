/**
 * namespaceSoa: negative caching. A DNS namespace's SOA TTL is how long resolvers may cache "no such name"
 * (Cloud Map API Reference, SOA: "The time to live (TTL) for purposes of negative caching"). A client that
 * looks a service up before it is registered keeps failing for that long after the service appears, which on
 * a fresh deployment reads as "the new service is unreachable". The remedy lowers the SOA TTL with
 * UpdatePrivateDnsNamespace / UpdatePublicDnsNamespace (an asynchronous Cloud Map operation). HTTP namespaces
 * have no SOA and are skipped; a namespace shared by another account (AWS RAM) is that account's to change.
 */
import type { RuleDefinition } from './definition.js';
import { isOtherAccount } from '../inventory/facts.js';
import { coversNamespace } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';

/** spec.rules.namespaceSoa as written, with the CRD's defaults filled in. */
export interface NamespaceSoaRaw {
  enabled: boolean;
  max: string;
  set: string;
}

export interface NamespaceSoaRule {
  enabled: boolean;
  maxSeconds: number;
  setSeconds: number;
}

/** Finds covered DNS namespaces whose SOA TTL (negative caching) is above `max`. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.namespaceSoa;
  const findings: Finding[] = [];
  for (const namespace of inventory.namespaces) {
    if (namespace.type === 'HTTP' || namespace.soaTtl === undefined || namespace.soaTtl <= rule.maxSeconds) continue;
    if (!coversNamespace(policy, namespace)) continue;
    const shared = isOtherAccount(inventory, namespace.resourceOwner);
    findings.push({
      policy: policy.name,
      rule: 'namespaceSoa',
      resource: { kind: 'cloudmap-namespace', id: namespace.id, arn: namespace.arn, name: namespace.name },
      namespace: namespace.name,
      observed: `SOA ttl ${namespace.soaTtl}s`,
      desired: `SOA ttl <= ${rule.maxSeconds}s (set to ${rule.setSeconds}s)`,
      reason: `resolvers may cache "no such name" for ${namespace.soaTtl}s, so a client that looked up a service before it was registered keeps failing that long after it appears`,
      action: {
        type: 'cloudmap:UpdateNamespaceSoa',
        namespaceId: namespace.id,
        namespaceType: namespace.type,
        ttl: rule.setSeconds,
        aboveSeconds: rule.maxSeconds,
      },
      ...(shared
        ? {
            blocked: {
              reason: 'other-account' as const,
              detail: `account ${namespace.resourceOwner} shares this namespace; only it can change the SOA`,
            },
          }
        : {}),
      key: `namespaceSoa/${namespace.id}`,
    });
  }
  return findings;
};

/** The namespaceSoa rule. */
export const namespaceSoa: RuleDefinition<'namespaceSoa', NamespaceSoaRaw, NamespaceSoaRule> = {
  name: 'namespaceSoa',
  policy: {
    parse(raw, ctx) {
      const maxSeconds = ctx.ttlSeconds(raw.max, ['max']);
      const setSeconds = ctx.ttlSeconds(raw.set, ['set']);
      if (maxSeconds !== undefined && setSeconds !== undefined && setSeconds > maxSeconds) {
        ctx.issue(
          ['set'],
          `set (${raw.set}) is above max (${raw.max}): the SOA TTL written when enforcing would itself be drift`,
        );
      }
      return { enabled: raw.enabled, maxSeconds: maxSeconds ?? 0, setSeconds: setSeconds ?? 0 };
    },
    needsNamespaces: true,
    // A namespace belongs to its namespace pattern whatever the clusters, as its services do.
    claimsCloudMapServicesByNamespace: true,
  },
  defaults: { enabled: true, maxSeconds: 60, setSeconds: 15 },
  evaluate,
  readScope: (_config, covered) => ({ namespaceSoa: covered.namespaces }),
  ownershipVia: 'any',
};
