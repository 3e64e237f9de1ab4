/**
 * dnsTtl: DNS records of Cloud Map services with a TTL above the policy's maximum keep callers on dead task
 * addresses during scale-in. The remedy resends the full record list (records left out would be deleted).
 * The drain bound (rules/drain-bound.ts: shortest container stopTimeout of the registering task definitions minus
 * drainMargin, issue #15) is reported by default (`drainBound: report`, no action); `drainBound: enforce` caps the
 * maximum by it (`max: auto`: the bound alone). A service with no known registering task definition has no bound.
 */
import type { RuleDefinition } from './definition.js';
import { isServiceConnectManaged, sharedServiceRef } from '../inventory/facts.js';
import { isProtected, protectedBlock } from './cloud-map-guards.js';
import { coversCloudMapService, namespaceById } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';
import type { CloudMapService, Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { drainBound } from './drain-bound.js';
import { allowedTtl, drainReport, drainText, type DrainBoundMode } from './dns-ttl-drain.js';

/** spec.rules.dnsTtl as written, with the CRD's defaults filled in. */
export interface DnsTtlRaw {
  enabled: boolean;
  /** A duration, or "auto": the drain bound. */
  max: string;
  set: string;
  drainMargin: string;
  /** No CRD default: report, or enforce under max auto. */
  drainBound?: DrainBoundMode;
}

export interface DnsTtlRule {
  enabled: boolean;
  /** 'auto': each service's drain bound is its maximum (and `set` caps what is written). */
  maxSeconds: number | 'auto';
  setSeconds: number;
  /** Taken off the shortest stopTimeout: time for a caller to notice and retry elsewhere. */
  drainMarginSeconds: number;
  /** ignore: not read; report: records above the bound are reported, no action; enforce: the bound caps max. */
  drainBound: DrainBoundMode;
  /** The operator's floor (--min-dns-ttl) the policy was loaded under: the bound never caps below it. */
  floorSeconds?: number;
}

/** The drain-bound mode in effect: max auto is enforce whatever the field says (the loader refuses the rest). */
export function drainMode(rule: DnsTtlRule): DrainBoundMode {
  return rule.maxSeconds === 'auto' ? 'enforce' : rule.drainBound;
}

/** Does the rule need task definitions read (their stopTimeouts)? */
export function usesDrainBound(rule: DnsTtlRule): boolean {
  return rule.enabled && drainMode(rule) !== 'ignore';
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

/**
 * Finds covered Cloud Map services with a DNS record TTL above the allowed maximum (max, capped by the drain bound
 * under enforce), and reports records that outlive the drain bound even once that is fixed.
 */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.dnsTtl;
  const mode = drainMode(rule);
  const findings: Finding[] = [];
  for (const service of inventory.cloudMapServices) {
    const namespace = namespaceById(inventory, service.namespaceId);
    // HTTP namespaces and HTTP services have no DNS records; Cloud Map refuses UpdateService there anyway.
    if (service.type === 'HTTP' || namespace.type === 'HTTP' || service.dnsRecords.length === 0) continue;
    const bound = mode !== 'ignore' ? drainBound(inventory, service, rule.drainMarginSeconds) : undefined;
    const allowed = allowedTtl(rule, mode, bound);
    const tooLong = allowed ? service.dnsRecords.filter((r) => r.ttl > allowed.seconds) : [];
    const setSeconds = allowed ? Math.min(rule.setSeconds, allowed.seconds) : rule.setSeconds;
    // What each record's TTL is once this finding's action is done: the drain report judges that.
    const after = service.dnsRecords.map((r) => ({
      ...r,
      ttl: allowed && r.ttl > allowed.seconds ? setSeconds : r.ttl,
    }));
    const report = bound ? drainReport(rule, mode, bound, service.dnsRecords, after) : undefined;
    if ((tooLong.length === 0 && !report) || !coversCloudMapService(policy, inventory, service)) continue;
    const resource = {
      kind: 'cloudmap-service' as const,
      id: service.id,
      arn: service.arn,
      name: service.name,
      namespaceId: service.namespaceId,
    };
    if (allowed && tooLong.length > 0) {
      const blocked = writeBlock(policy, inventory, service);
      const longest = Math.max(...tooLong.map((r) => r.ttl));
      findings.push({
        policy: policy.name,
        rule: 'dnsTtl',
        resource,
        namespace: namespace.name,
        observed: tooLong.map((r) => `${r.type} ttl ${r.ttl}s`).join(', '),
        desired: `ttl <= ${allowed.seconds}s (${allowed.why}set to ${setSeconds}s)`,
        reason:
          allowed.by === 'drain' && bound
            ? `${drainText(bound)}, yet callers cache these records for up to ${longest}s: calls fail on every scale-in and deployment`
            : `callers cache these records for up to ${longest}s, so after a scale-in they keep calling task addresses that are gone`,
        // Only the records above the maximum change; one already at or below it (say 5s under 10s) stays as it is.
        action: {
          type: 'cloudmap:UpdateDnsTtl',
          serviceId: service.id,
          records: tooLong.map((r) => ({ type: r.type, ttl: setSeconds })),
          aboveSeconds: allowed.seconds,
          ...sharedServiceRef(inventory, service),
        },
        ...(blocked ? { blocked } : {}),
        key: `dnsTtl/${service.id}`,
      });
    }
    if (report) {
      const key = `dnsTtl/${service.id}/drain`;
      findings.push({ policy: policy.name, rule: 'dnsTtl', resource, namespace: namespace.name, ...report, key });
    }
  }
  return findings;
};

/** The dnsTtl rule. */
export const dnsTtl: RuleDefinition<'dnsTtl', DnsTtlRaw, DnsTtlRule> = {
  name: 'dnsTtl',
  policy: {
    parse(raw, ctx) {
      const maxSeconds = raw.max === 'auto' ? 'auto' : ctx.ttlSeconds(raw.max, ['max']);
      // max auto is "the drain bound is the maximum": enforce, written or not; ignore or report would leave none.
      const drainBoundMode = raw.drainBound ?? (maxSeconds === 'auto' ? 'enforce' : 'report');
      if (maxSeconds === 'auto' && drainBoundMode !== 'enforce') {
        ctx.issue(
          ['drainBound'],
          `max: auto makes the drain bound the maximum, which needs drainBound: enforce (or drainBound left out), not ${drainBoundMode}; give max a duration to ${drainBoundMode === 'ignore' ? 'ignore' : 'only report'} the bound`,
        );
      }
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
        drainBound: drainBoundMode,
        ...(drainBoundMode === 'enforce' && floor !== undefined ? { floorSeconds: floor } : {}),
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
  defaults: { enabled: true, maxSeconds: 10, setSeconds: 10, drainMarginSeconds: 5, drainBound: 'report' },
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
