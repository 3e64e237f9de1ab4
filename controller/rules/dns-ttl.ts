/**
 * dnsTtl: DNS records of Cloud Map services with a TTL above the policy's maximum keep callers on dead task
 * addresses during scale-in. The remedy resends the full record list (records left out would be deleted).
 */
import type { RuleDefinition } from './definition.js';
import { isServiceConnectManaged, sharedServiceRef } from '../inventory/facts.js';
import { isProtected, protectedBlock } from './cloud-map-guards.js';
import { coversCloudMapService, namespaceById } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';

/** spec.rules.dnsTtl as written, with the CRD's defaults filled in. */
export interface DnsTtlRaw {
  enabled: boolean;
  max: string;
  set: string;
}

export interface DnsTtlRule {
  enabled: boolean;
  maxSeconds: number;
  setSeconds: number;
}

/** Finds covered Cloud Map services with a DNS record TTL above `max`. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.dnsTtl;
  const findings: Finding[] = [];
  for (const service of inventory.cloudMapServices) {
    const namespace = namespaceById(inventory, service.namespaceId);
    // HTTP namespaces and HTTP services have no DNS records; Cloud Map refuses UpdateService there anyway.
    if (service.type === 'HTTP' || namespace.type === 'HTTP' || service.dnsRecords.length === 0) continue;
    const tooLong = service.dnsRecords.filter((r) => r.ttl > rule.maxSeconds);
    if (tooLong.length === 0 || !coversCloudMapService(policy, inventory, service)) continue;
    // Service Connect's services are ECS's to change; protected ones are nobody's (the IAM role denies it too).
    // The protect tag gates every write, so a service whose tags could not be read is not changed either.
    const blocked = isServiceConnectManaged(inventory, service)
      ? { reason: 'service-connect-managed' as const, detail: 'Service Connect created this Cloud Map service; change it through ECS' }
      : service.tagsRead === false
        ? { reason: 'scope-read-error' as const, detail: 'its tags could not be read, so a protect tag cannot be ruled out' }
        : isProtected(policy, service) ? protectedBlock(policy, service) : undefined;
    findings.push({
      policy: policy.name,
      rule: 'dnsTtl',
      resource: { kind: 'cloudmap-service', id: service.id, arn: service.arn, name: service.name, namespaceId: service.namespaceId },
      namespace: namespace.name,
      observed: tooLong.map((r) => `${r.type} ttl ${r.ttl}s`).join(', '),
      desired: `ttl <= ${rule.maxSeconds}s (set to ${rule.setSeconds}s)`,
      reason: `callers cache these records for up to ${Math.max(...tooLong.map((r) => r.ttl))}s, so after a scale-in they keep calling task addresses that are gone`,
      // Only the records above max change; one already at or below it (say 5s under a 10s max) stays as it is.
      action: { type: 'cloudmap:UpdateDnsTtl', serviceId: service.id, records: tooLong.map((r) => ({ type: r.type, ttl: rule.setSeconds })), aboveSeconds: rule.maxSeconds, ...sharedServiceRef(inventory, service) },
      ...(blocked ? { blocked } : {}),
      key: `dnsTtl/${service.id}`,
    });
  }
  return findings;
};

/** The dnsTtl rule. */
export const dnsTtl: RuleDefinition<'dnsTtl', DnsTtlRaw, DnsTtlRule> = {
  name: 'dnsTtl',
  policy: {
    parse(raw, ctx) {
      const maxSeconds = ctx.ttlSeconds(raw.max, ['max']);
      const setSeconds = ctx.ttlSeconds(raw.set, ['set']);
      if (maxSeconds !== undefined && setSeconds !== undefined && setSeconds > maxSeconds) {
        ctx.issue(['set'], `set (${raw.set}) is above max (${raw.max}): the TTL written when enforcing would itself be drift`);
      }
      return { enabled: raw.enabled, maxSeconds: maxSeconds ?? 0, setSeconds: setSeconds ?? 0 };
    },
    checkBounds(config, bounds, flagOf) {
      if (bounds.minDnsTtlSeconds === undefined || config.setSeconds >= bounds.minDnsTtlSeconds) return [];
      return [{ segments: ['set'], message: `set ${config.setSeconds}s is below the operator's minimum DNS TTL ${bounds.minDnsTtlSeconds}s (${flagOf('minDnsTtlSeconds')})` }];
    },
    needsNamespaces: true,
    claimsCloudMapServicesByNamespace: true,
  },
  defaults: { enabled: true, maxSeconds: 10, setSeconds: 10 },
  evaluate,
  // The protect tag gates every write, TTL changes included: the covered namespaces' services need their tags.
  readScope: (_config, covered) => ({ tagNamespaces: covered.namespaces }),
  ownershipVia: 'any',
  mootWhenServiceDeleted: true,
};
