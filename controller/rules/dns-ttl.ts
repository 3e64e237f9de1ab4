/**
 * dnsTtl: DNS records of Cloud Map services with a TTL above the policy's maximum keep callers on dead task
 * addresses during scale-in. The remedy resends the full record list (records left out would be deleted).
 * `max: auto` takes the maximum from the drain bound instead (rules/drain-bound.ts: shortest container stopTimeout
 * of the registering task definitions minus drainMargin); `drainReport` reports records within an explicit max
 * but above that bound, without acting. A service with no known registering task definition has no bound.
 */
import type { RuleDefinition } from './definition.js';
import { isServiceConnectManaged, sharedServiceRef } from '../inventory/facts.js';
import { isProtected, protectedBlock } from './cloud-map-guards.js';
import { coversCloudMapService, namespaceById } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';
import type { CloudMapService, Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { drainBound, type DrainBound } from './drain-bound.js';

/** spec.rules.dnsTtl as written, with the CRD's defaults filled in. */
export interface DnsTtlRaw {
  enabled: boolean;
  /** A duration, or "auto": the drain bound. */
  max: string;
  set: string;
  drainMargin: string;
  drainReport: boolean;
}

export interface DnsTtlRule {
  enabled: boolean;
  /** 'auto': each service's drain bound is its maximum (and `set` caps what is written). */
  maxSeconds: number | 'auto';
  setSeconds: number;
  /** Taken off the shortest stopTimeout: time for a caller to notice and retry elsewhere. */
  drainMarginSeconds: number;
  /** With a duration max: also report (no action) records within max but above the drain bound. */
  drainReport: boolean;
  /** The operator's floor (--min-dns-ttl) the policy was loaded under: max auto never writes below it. */
  floorSeconds?: number;
}

/** Does the rule need task definitions read (their stopTimeouts)? */
export function usesDrainBound(rule: DnsTtlRule): boolean {
  return rule.enabled && (rule.maxSeconds === 'auto' || rule.drainReport);
}

/** Why a write to this service is not ours to make, if it is not. */
function writeBlock(policy: Policy, inventory: Inventory, service: CloudMapService): Finding['blocked'] {
  // Service Connect's services are ECS's to change; protected ones are nobody's (the IAM role denies it too).
  // The protect tag gates every write, so a service whose tags could not be read is not changed either.
  return isServiceConnectManaged(inventory, service)
    ? {
        reason: 'service-connect-managed' as const,
        detail: 'Service Connect created this Cloud Map service; change it through ECS',
      }
    : service.tagsRead === false
      ? {
          reason: 'scope-read-error' as const,
          detail: 'its tags could not be read, so a protect tag cannot be ruled out',
        }
      : isProtected(policy, service)
        ? protectedBlock(policy, service)
        : undefined;
}

/** "tasks of payments:7 (container app, stopTimeout 10s) are killed 10s after ECS deregisters them". */
function drainText(bound: DrainBound): string {
  return `tasks of ${bound.taskDefinition} (container ${bound.container}, stopTimeout ${bound.stopTimeoutSeconds}s) are killed ${bound.stopTimeoutSeconds}s after ECS deregisters them`;
}

/** Finds covered Cloud Map services with a DNS record TTL above `max` (or the drain bound). */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.dnsTtl;
  const findings: Finding[] = [];
  for (const service of inventory.cloudMapServices) {
    const namespace = namespaceById(inventory, service.namespaceId);
    // HTTP namespaces and HTTP services have no DNS records; Cloud Map refuses UpdateService there anyway.
    if (service.type === 'HTTP' || namespace.type === 'HTTP' || service.dnsRecords.length === 0) continue;
    const bound = usesDrainBound(rule) ? drainBound(inventory, service, rule.drainMarginSeconds) : undefined;
    // With max: auto, a service without a known bound has no maximum at all.
    const maxSeconds = rule.maxSeconds === 'auto' ? bound?.seconds : rule.maxSeconds;
    if (maxSeconds === undefined) continue;
    const tooLong = service.dnsRecords.filter((r) => r.ttl > maxSeconds);
    const draining =
      tooLong.length === 0 && bound && rule.drainReport ? service.dnsRecords.filter((r) => r.ttl > bound.seconds) : [];
    if ((tooLong.length === 0 && draining.length === 0) || !coversCloudMapService(policy, inventory, service)) continue;
    const resource = {
      kind: 'cloudmap-service' as const,
      id: service.id,
      arn: service.arn,
      name: service.name,
      namespaceId: service.namespaceId,
    };
    if (tooLong.length === 0 && bound) {
      // Within an explicit max but above the drain bound: reported, not acted on (max is the policy's word).
      findings.push({
        policy: policy.name,
        rule: 'dnsTtl',
        resource,
        namespace: namespace.name,
        observed: draining.map((r) => `${r.type} ttl ${r.ttl}s`).join(', '),
        desired: `ttl <= ${bound.seconds}s (drain bound: ${bound.taskDefinition} container ${bound.container} stopTimeout ${bound.stopTimeoutSeconds}s - drainMargin ${rule.drainMarginSeconds}s)`,
        reason: `${drainText(bound)}, yet callers cache these records for up to ${Math.max(...draining.map((r) => r.ttl))}s: calls fail on every scale-in and deployment (max: auto would lower them)`,
        key: `dnsTtl/${service.id}/drain`,
      });
      continue;
    }
    const setSeconds = bound && rule.maxSeconds === 'auto' ? Math.min(rule.setSeconds, bound.seconds) : rule.setSeconds;
    // A bound below the operator's floor cannot be written: reported, for the owner to raise stopTimeout.
    const belowFloor =
      rule.floorSeconds !== undefined && setSeconds < rule.floorSeconds
        ? {
            reason: 'report-only' as const,
            detail: `the drain bound ${setSeconds}s is below the operator's minimum DNS TTL ${rule.floorSeconds}s (--min-dns-ttl); raise the containers' stopTimeout`,
          }
        : undefined;
    const blocked = writeBlock(policy, inventory, service) ?? belowFloor;
    const longest = Math.max(...tooLong.map((r) => r.ttl));
    findings.push({
      policy: policy.name,
      rule: 'dnsTtl',
      resource,
      namespace: namespace.name,
      observed: tooLong.map((r) => `${r.type} ttl ${r.ttl}s`).join(', '),
      desired:
        rule.maxSeconds === 'auto' && bound
          ? `ttl <= ${maxSeconds}s (drain bound: ${bound.taskDefinition} container ${bound.container} stopTimeout ${bound.stopTimeoutSeconds}s - drainMargin ${rule.drainMarginSeconds}s; set to ${setSeconds}s)`
          : `ttl <= ${maxSeconds}s (set to ${setSeconds}s)`,
      reason:
        rule.maxSeconds === 'auto' && bound
          ? `${drainText(bound)}, yet callers cache these records for up to ${longest}s: calls fail on every scale-in and deployment`
          : `callers cache these records for up to ${longest}s, so after a scale-in they keep calling task addresses that are gone`,
      // Only the records above max change; one already at or below it (say 5s under a 10s max) stays as it is.
      action: {
        type: 'cloudmap:UpdateDnsTtl',
        serviceId: service.id,
        records: tooLong.map((r) => ({ type: r.type, ttl: setSeconds })),
        aboveSeconds: maxSeconds,
        ...sharedServiceRef(inventory, service),
      },
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
      const maxSeconds = raw.max === 'auto' ? 'auto' : ctx.ttlSeconds(raw.max, ['max']);
      const setSeconds = ctx.ttlSeconds(raw.set, ['set']);
      const drainMarginSeconds = ctx.ttlSeconds(raw.drainMargin, ['drainMargin']);
      if (typeof maxSeconds === 'number' && setSeconds !== undefined && setSeconds > maxSeconds) {
        ctx.issue(
          ['set'],
          `set (${raw.set}) is above max (${raw.max}): the TTL written when enforcing would itself be drift`,
        );
      }
      const floor = ctx.operator.minDnsTtlSeconds;
      return {
        enabled: raw.enabled,
        maxSeconds: maxSeconds ?? 0,
        setSeconds: setSeconds ?? 0,
        drainMarginSeconds: drainMarginSeconds ?? 0,
        drainReport: raw.drainReport,
        ...(maxSeconds === 'auto' && floor !== undefined ? { floorSeconds: floor } : {}),
      };
    },
    checkBounds(config, bounds, flagOf) {
      if (bounds.minDnsTtlSeconds === undefined || config.setSeconds >= bounds.minDnsTtlSeconds) return [];
      return [
        {
          segments: ['set'],
          message: `set ${config.setSeconds}s is below the operator's minimum DNS TTL ${bounds.minDnsTtlSeconds}s (${flagOf('minDnsTtlSeconds')})`,
        },
      ];
    },
    needsNamespaces: true,
    claimsCloudMapServicesByNamespace: true,
  },
  defaults: { enabled: true, maxSeconds: 10, setSeconds: 10, drainMarginSeconds: 5, drainReport: false },
  evaluate,
  // The protect tag gates every write, TTL changes included: the covered namespaces' services need their tags.
  // The drain bound needs the task definitions of every ECS service read that registers into a covered service.
  readScope: (config, covered) => ({
    tagNamespaces: covered.namespaces,
    ...(usesDrainBound(config) ? { taskDefinitionClusters: covered.everything } : {}),
  }),
  affectedBy: (error, policy) => error.scope.kind === 'task-definitions' && usesDrainBound(policy.rules.dnsTtl),
  ownershipVia: 'any',
  mootWhenServiceDeleted: true,
};
