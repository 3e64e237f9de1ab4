/**
 * cloudMapOrphans: Cloud Map services that no ECS service refers to any more, and instances ECS registered for
 * tasks that are gone. Safety first: anything we cannot prove is ours and unused is reported, never pruned.
 */
import type { CloudMapService, Inventory } from '../inventory/model.js';
import { DEFAULT_PROTECT_TAG_KEY } from '../policy/bounds.js';
import type { Policy } from '../policy/types.js';
import { formatDuration } from '../util/duration.js';
import {
  describeReadError,
  isServiceConnectManaged,
  isOtherAccount,
  liveReferrers,
  runsTasks,
  pruneBlockingReadError,
} from '../inventory/facts.js';
import { isProtected, ownershipEvidence, protectedBlock } from './cloud-map-guards.js';
import { orphanGates } from './cloud-map-orphans-gates.js';
import { instanceReadError, instanceState, type InstanceState } from './cloud-map-orphans-instances.js';
import { instanceFinding, serviceFinding } from './cloud-map-orphans-findings.js';
import type { RuleDefinition } from './definition.js';
import { cloudMapServicesInCoveredNamespaces } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';

/** spec.rules.cloudMapOrphans as written, with the CRD's defaults filled in. */
export interface CloudMapOrphansRaw {
  enabled: boolean;
  services: boolean;
  instances: boolean;
  gracePeriod: string;
  maxDeletionsPerRun: number;
  protectTags: { key: string; value: string }[];
  emptyServices: 'report' | 'delete';
  ownershipTag?: { key: string; value: string };
}

/** A protect tag: the key, and the value that protects (undefined: any value but "false"). */
export interface ProtectTag {
  key: string;
  value?: string;
}

export interface CloudMapOrphansRule {
  enabled: boolean;
  services: boolean;
  instances: boolean;
  gracePeriodMs: number;
  maxDeletionsPerRun: number;
  /**
   * Tags that protect a Cloud Map service from every change. The operator's key comes first (any value but
   * "false" protects, value undefined); the policy's own protectTags follow (exact value).
   */
  protectTags: readonly ProtectTag[];
  /**
   * Unreferenced Cloud Map services with no evidence that ECS used them: 'report' (default) or 'delete' (the
   * policy declares its namespaces ECS-only). The operator can forbid 'delete' (AllowedScopes).
   */
  emptyServices: 'report' | 'delete';
  /** Opt-in tag the operator puts on Cloud Map services ECS uses: evidence of ownership. */
  ownershipTag?: { key: string; value: string };
}

/** A service whose tags were not read (or could not be) may carry a protect tag: nothing is done to it. */
const TAGS_UNREAD = {
  reason: 'scope-read-error' as const,
  detail: 'its tags could not be read, so a protect tag cannot be ruled out',
};

/** Findings for a service that no ECS service refers to (and its instances, which must go first). */
function unreferencedService(policy: Policy, inventory: Inventory, service: CloudMapService): Finding[] {
  if (service.instances === undefined) {
    return [
      serviceFinding(policy, inventory, service, 'unreferenced, but its instances were not listed', {
        reason: 'scope-read-error',
        detail: 'ListInstances did not return for this service, so it cannot be proven empty of foreign instances',
      }),
    ];
  }
  const states = service.instances.map((instance) => ({ instance, state: instanceState(inventory, instance) }));
  // A service holding instances ECS did not register (EC2, Lambda, by hand) or of live tasks is never ours to
  // delete; its stale ECS instances still are.
  if (states.some((s) => s.state.kind === 'foreign' || s.state.kind === 'alive')) {
    return policy.rules.cloudMapOrphans.instances ? orphanInstances(policy, inventory, service) : [];
  }
  const unknown = states.find((s) => s.state.kind === 'unknown');
  const readError = pruneBlockingReadError(inventory, service);
  let blocked: Finding['blocked'];
  if (readError)
    blocked = {
      reason: 'scope-read-error',
      detail: `${describeReadError(readError)}: cannot prove nothing refers to it`,
    };
  else if (unknown?.state.kind === 'unknown')
    blocked = {
      reason: 'scope-read-error',
      detail: `${unknown.state.why}: cannot prove instance ${unknown.instance.id} is orphaned`,
    };
  else if (service.tagsRead === false) blocked = TAGS_UNREAD;
  else if (isProtected(policy, service)) blocked = protectedBlock(policy, service);
  const observed =
    states.length === 0
      ? 'no ECS service refers to it; it holds no instances'
      : `no ECS service refers to it; it holds only ${states.length} ECS-registered instance(s) of tasks that are gone`;
  // The instances are proven ECS's one by one; the service itself needs positive evidence that ECS used it.
  const evidence = ownershipEvidence(policy, inventory, service);
  const serviceBlock: Finding['blocked'] =
    blocked ??
    (isOtherAccount(inventory, service.createdByAccount)
      ? {
          reason: 'other-account',
          detail: `created by account ${service.createdByAccount} in a shared namespace: never this controller's to remove`,
        }
      : evidence === undefined
        ? {
            reason: 'ownership-unproven',
            detail: `nothing proves ECS used it (no ECS-registered instances seen, no ECS RegisterInstance in CloudTrail's 90-day history${policy.rules.cloudMapOrphans.ownershipTag ? `, no ${policy.rules.cloudMapOrphans.ownershipTag.key} tag` : ''}, emptyServices is report): an empty service is normal (created ahead of its ECS service, or used by API Gateway, App Mesh, EC2 or another account)`,
          }
        : undefined);
  const findings = [
    serviceFinding(policy, inventory, service, evidence ? `${observed}; ECS's: ${evidence}` : observed, serviceBlock),
  ];
  for (const { instance, state } of states) {
    const why = state.kind === 'orphan' || state.kind === 'unknown' ? state.why : '';
    findings.push(instanceFinding(policy, inventory, service, instance, why, blocked));
  }
  return findings;
}

/**
 * Instance id = task id is how ECS registers instances, but AWS does not document it. When the ECS services
 * using this Cloud Map service run tasks and not one ECS-registered instance matches any of them, the
 * assumption does not hold here (or registrations lag a deployment): then no instance is proven stale.
 */
function ownershipUnproven(inventory: Inventory, service: CloudMapService, states: readonly InstanceState[]): boolean {
  if (states.some((s) => s.kind === 'alive')) return false;
  return liveReferrers(inventory, service).some((ecs) => runsTasks(inventory, ecs));
}

/** Orphaned instances of a service that stays (it is still referenced, or service pruning is off). */
function orphanInstances(policy: Policy, inventory: Inventory, service: CloudMapService): Finding[] {
  const findings: Finding[] = [];
  const serviceError = instanceReadError(inventory, service);
  const instances = service.instances ?? [];
  const states = instances.map((instance) => instanceState(inventory, instance));
  const unproven = ownershipUnproven(inventory, service, states);
  for (const [index, instance] of instances.entries()) {
    const state = states[index];
    if (state.kind === 'orphan') {
      const blocked = serviceError
        ? { reason: 'scope-read-error' as const, detail: describeReadError(serviceError) }
        : unproven
          ? {
              reason: 'unproven-ownership' as const,
              detail:
                'the ECS service runs tasks, yet no instance id here matches a task id: cannot tell which instance is stale',
            }
          : service.tagsRead === false
            ? TAGS_UNREAD
            : isProtected(policy, service)
              ? protectedBlock(policy, service)
              : undefined;
      findings.push(instanceFinding(policy, inventory, service, instance, state.why, blocked));
    } else if (state.kind === 'unknown' && state.readError) {
      findings.push(
        instanceFinding(policy, inventory, service, instance, state.why, {
          reason: 'scope-read-error',
          detail: `${state.why}: cannot prove the task is gone`,
        }),
      );
    }
  }
  return findings;
}

/** Finds orphaned Cloud Map services and instances in the namespaces the policy covers. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.cloudMapOrphans;
  const findings: Finding[] = [];
  for (const service of cloudMapServicesInCoveredNamespaces(policy, inventory)) {
    const referenced = liveReferrers(inventory, service).length > 0;
    if (isServiceConnectManaged(inventory, service)) {
      // ECS owns what Service Connect created: report the leftover, never touch it or its instances.
      if (!referenced && rule.services) {
        findings.push(
          serviceFinding(
            policy,
            inventory,
            service,
            'created by Service Connect; no ECS service refers to it any more',
            {
              reason: 'service-connect-managed',
              detail:
                'AWS warns against changing Cloud Map resources that Service Connect created; remove it through ECS',
            },
            false,
          ),
        );
      }
      continue;
    }
    if (!referenced && rule.services) findings.push(...unreferencedService(policy, inventory, service));
    else if (rule.instances) findings.push(...orphanInstances(policy, inventory, service));
  }
  return findings;
};

/** The cloudMapOrphans rule. */
export const cloudMapOrphans: RuleDefinition<'cloudMapOrphans', CloudMapOrphansRaw, CloudMapOrphansRule> = {
  name: 'cloudMapOrphans',
  policy: {
    parse: (raw, ctx) => ({
      enabled: raw.enabled,
      services: raw.services,
      instances: raw.instances,
      gracePeriodMs: ctx.duration(raw.gracePeriod, ['gracePeriod']),
      maxDeletionsPerRun: raw.maxDeletionsPerRun,
      // The operator's protect tag comes first and no policy can drop it; the policy's own tags only add to it.
      protectTags: [
        { key: ctx.operator.protectTagKey },
        ...raw.protectTags.map((t) => ({ key: t.key, value: t.value })),
      ],
      emptyServices: raw.emptyServices,
      ...(raw.ownershipTag ? { ownershipTag: { ...raw.ownershipTag } } : {}),
    }),
    checkBounds(config, bounds, flagOf) {
      const issues = [];
      if (bounds.minGracePeriodMs !== undefined && config.gracePeriodMs < bounds.minGracePeriodMs) {
        issues.push({
          segments: ['gracePeriod'],
          message: `gracePeriod ${formatDuration(config.gracePeriodMs)} is below the operator's minimum grace period ${formatDuration(bounds.minGracePeriodMs)} (${flagOf('minGracePeriodMs')})`,
        });
      }
      if (bounds.maxDeletionsPerHour !== undefined && config.maxDeletionsPerRun > bounds.maxDeletionsPerHour) {
        issues.push({
          segments: ['maxDeletionsPerRun'],
          message: `maxDeletionsPerRun ${config.maxDeletionsPerRun} is above the operator's maximum of ${bounds.maxDeletionsPerHour} deletions per namespace per hour (${flagOf('maxDeletionsPerHour')})`,
        });
      }
      return issues;
    },
    checkAllowed: (config, scopes) =>
      scopes.forbidEmptyServiceDeletion && config.emptyServices === 'delete'
        ? [
            {
              segments: ['emptyServices'],
              message:
                'emptyServices: delete is forbidden by the operator (--forbid-empty-service-deletion): use report',
            },
          ]
        : [],
    needsNamespaces: true,
    claimsCloudMapServicesByNamespace: true,
  },
  defaults: {
    enabled: true,
    services: true,
    instances: true,
    gracePeriodMs: 15 * 60_000,
    maxDeletionsPerRun: 20,
    protectTags: [{ key: DEFAULT_PROTECT_TAG_KEY }],
    emptyServices: 'report',
  },
  evaluate,
  // "Does ANY ECS service in the account and region still reference this Cloud Map service, and is this
  // instance's task running?" needs every cluster's services and tasks, not just the policy's; and the covered
  // namespaces' instances and tags.
  readScope: (_config, covered) => ({
    serviceClusters: covered.everything,
    taskClusters: covered.everything,
    instanceNamespaces: covered.namespaces,
    tagNamespaces: covered.namespaces,
  }),
  // Orphans are judged account-wide: a cluster that could not be read may hold a service that refers to one of
  // the policy's Cloud Map services, so it blocks the policy's pruning even outside its clusters.
  affectedBy: (error) => error.scope.kind === 'cluster',
  ownershipVia: 'any',
  gates: orphanGates,
  instanceFindingsAreOrphanedRegistrations: true,
};
