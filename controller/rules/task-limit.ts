/**
 * taskLimit: a Cloud Map service holds at most 1,000 instances (Cloud Map quota "instances per service", not
 * adjustable; https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-limits.html), and ECS registers one per
 * task of every ECS service and task set that uses it as a registry or Service Connect endpoint. During a
 * deployment a service runs up to desired × maximumPercent / 100 tasks, all registered; past the quota new
 * tasks stay unregistered. A namespace holds at most 2,000 instances by default (adjustable). Report only.
 */
import { ECS_ATTRIBUTES, type CloudMapService, type EcsService, type Inventory } from '../inventory/model.js';
import type { RuleDefinition } from './definition.js';
import { coversCloudMapService, coversCluster, coversNamespace, namespaceById } from './scope.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';

export interface TaskLimitRule {
  enabled: boolean;
  /** Per Cloud Map service: instances plus deployment headroom (quota 1,000, fixed). */
  warnAt: number;
  /** Per namespace: the same sum over its services (default quota 2,000, adjustable). */
  namespaceWarnAt: number;
}

/** The Cloud Map instances-per-service quota (not adjustable). */
export const CLOUD_MAP_INSTANCES_PER_SERVICE = 1000;
/** The Cloud Map instances-per-namespace quota's default (adjustable: policies set namespaceWarnAt below theirs). */
export const CLOUD_MAP_INSTANCES_PER_NAMESPACE = 2000;
/** ECS's default deploymentConfiguration.maximumPercent for rolling updates, used when the service does not say. */
const DEFAULT_MAXIMUM_PERCENT = 200;

/** One ECS service's share of a Cloud Map service: what it has registered now and what a deployment may reach. */
interface Registrant {
  ecs: EcsService;
  /** Instances it holds now (counted from the listed instances, else its running tasks). */
  registered: number;
  /** desired (or the scaling maximum) × maximumPercent / 100, summed over its task sets when it has them. */
  peak: number;
  detail: string;
}

/** A Cloud Map service's projected instance count: every instance now, plus what deployments may add. */
export interface InstanceProjection {
  instances: number;
  projected: number;
  registrants: Registrant[];
}

function registersInto(
  ecs: EcsService,
  arn: string,
): { viaTaskSets: NonNullable<EcsService['taskSets']>; direct: boolean } {
  const viaTaskSets = (ecs.taskSets ?? []).filter((ts) => ts.serviceRegistries.some((r) => r.registryArn === arn));
  const direct =
    ecs.serviceRegistries.some((r) => r.registryArn === arn) ||
    ecs.deployments.some((d) => d.serviceConnectResources.some((r) => r.discoveryArn === arn));
  return { viaTaskSets, direct };
}

/** Registry and Service Connect ARN -> the ECS services that may register there, built once per inventory. */
const registrantIndex = new WeakMap<Inventory, Map<string, EcsService[]>>();

function candidatesFor(inventory: Inventory, arn: string): readonly EcsService[] {
  let index = registrantIndex.get(inventory);
  if (!index) {
    index = new Map();
    for (const ecs of inventory.services) {
      if (ecs.status === 'INACTIVE') continue;
      const arns = new Set([
        ...ecs.serviceRegistries.map((r) => r.registryArn),
        ...ecs.deployments.flatMap((d) => d.serviceConnectResources.map((r) => r.discoveryArn)),
        ...(ecs.taskSets ?? []).flatMap((ts) => ts.serviceRegistries.map((r) => r.registryArn)),
      ]);
      for (const a of arns) index.set(a, [...(index.get(a) ?? []), ecs]);
    }
    registrantIndex.set(inventory, index);
  }
  return index.get(arn) ?? [];
}

/** Counts a Cloud Map service's instances and the headroom of the ECS services and task sets registering into it. */
export function projectInstances(inventory: Inventory, service: CloudMapService): InstanceProjection {
  const instances = service.instances?.length ?? service.instanceCount;
  const registrants: Registrant[] = [];
  for (const ecs of candidatesFor(inventory, service.arn)) {
    const { viaTaskSets, direct } = registersInto(ecs, service.arn);
    if (!direct && viaTaskSets.length === 0) continue;
    const percent = ecs.maximumPercent ?? DEFAULT_MAXIMUM_PERCENT;
    let peak: number;
    let detail: string;
    if (viaTaskSets.length > 0) {
      peak = viaTaskSets.reduce((sum, ts) => sum + Math.ceil((ts.computedDesiredCount * percent) / 100), 0);
      detail = `${ecs.name}: task sets ${viaTaskSets.map((ts) => ts.computedDesiredCount).join('+')} × ${percent}%`;
    } else {
      const desired = Math.max(ecs.desiredCount, ecs.maxCount ?? 0);
      peak = Math.ceil((desired * percent) / 100);
      detail = `${ecs.name}: ${ecs.maxCount !== undefined && ecs.maxCount > ecs.desiredCount ? `max ${ecs.maxCount}` : `desired ${ecs.desiredCount}`} × ${percent}%`;
    }
    const running =
      viaTaskSets.length > 0 ? viaTaskSets.reduce((sum, ts) => sum + ts.runningCount, 0) : ecs.runningCount;
    const registered = service.instances
      ? service.instances.filter(
          (i) =>
            i.attributes[ECS_ATTRIBUTES.service] === ecs.name &&
            i.attributes[ECS_ATTRIBUTES.cluster] === ecs.clusterName,
        ).length
      : Math.min(running, instances);
    registrants.push({ ecs, registered, peak, detail });
  }
  // Every instance counts (other registrations too); each registrant may add what its deployment needs beyond
  // what it has registered now.
  const projected = instances + registrants.reduce((sum, r) => sum + Math.max(0, r.peak - r.registered), 0);
  return { instances, projected, registrants };
}

/** Reports covered Cloud Map services, and namespaces, whose instances plus deployment headroom reach the thresholds. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const { warnAt, namespaceWarnAt } = policy.rules.taskLimit;
  const findings: Finding[] = [];
  const perNamespace = new Map<string, { instances: number; projected: number; services: number }>();
  for (const service of inventory.cloudMapServices) {
    if (!coversCloudMapService(policy, inventory, service)) continue;
    const projection = projectInstances(inventory, service);
    const total = perNamespace.get(service.namespaceId) ?? { instances: 0, projected: 0, services: 0 };
    perNamespace.set(service.namespaceId, {
      instances: total.instances + projection.instances,
      projected: total.projected + projection.projected,
      services: total.services + 1,
    });
    if (projection.projected < warnAt) continue;
    const namespace = namespaceById(inventory, service.namespaceId);
    const headroom = projection.registrants.length
      ? `; deployments: ${projection.registrants.map((r) => r.detail).join(', ')}`
      : '';
    findings.push({
      policy: policy.name,
      rule: 'taskLimit',
      resource: {
        kind: 'cloudmap-service',
        id: service.id,
        arn: service.arn,
        name: service.name,
        namespaceId: service.namespaceId,
      },
      namespace: namespace.name,
      observed: `${projection.instances} instances, up to ${projection.projected} during deployments${headroom}`,
      desired: `below ${warnAt} instances (Cloud Map allows ${CLOUD_MAP_INSTANCES_PER_SERVICE} per service, not adjustable)`,
      reason: `a Cloud Map service holds at most ${CLOUD_MAP_INSTANCES_PER_SERVICE} instances, and ECS registers every task of every service and task set using it, old and new during a deployment (up to maximumPercent); past the quota new tasks are not registered`,
      blocked: {
        reason: 'report-only',
        detail:
          'raise capacity per task, lower maximumPercent or split the service; the controller does not change task counts',
      },
      key: `taskLimit/${service.id}`,
    });
  }
  for (const [namespaceId, total] of perNamespace) {
    if (total.projected < namespaceWarnAt) continue;
    const namespace = namespaceById(inventory, namespaceId);
    if (!coversNamespace(policy, namespace)) continue;
    findings.push({
      policy: policy.name,
      rule: 'taskLimit',
      resource: { kind: 'cloudmap-namespace', id: namespace.id, arn: namespace.arn, name: namespace.name },
      namespace: namespace.name,
      observed: `${total.instances} instances in ${total.services} services, up to ${total.projected} during deployments`,
      desired: `below ${namespaceWarnAt} instances (Cloud Map's default quota is ${CLOUD_MAP_INSTANCES_PER_NAMESPACE} per namespace, adjustable)`,
      reason:
        'a namespace holds a limited number of instances (Cloud Map quota "instances per namespace"); past it, registrations in any of its services fail',
      blocked: {
        reason: 'report-only',
        detail: 'request a higher "instances per namespace" quota, or move services to another namespace',
      },
      key: `taskLimit/namespace/${namespace.id}`,
    });
  }
  return findings;
};

/** The taskLimit rule (report only). */
export const taskLimit: RuleDefinition<'taskLimit', TaskLimitRule, TaskLimitRule> = {
  name: 'taskLimit',
  policy: {
    parse: (raw) => ({ ...raw }),
    // It only reports, so it may look at every namespace of its clusters: namespaces default to all allowed.
    needsNamespaces: false,
    claimsCloudMapServicesByNamespace: false,
  },
  defaults: { enabled: true, warnAt: 900, namespaceWarnAt: 1800 },
  evaluate,
  // Autoscaling maxima set how far a deployment may grow.
  readScope: (_config, covered) => ({ scalingClusters: covered.clusters }),
  // Only this rule reads autoscaling maxima: their errors count where it covers the cluster (or anywhere).
  affectedBy: (error, policy) =>
    error.scope.kind === 'scaling-targets' &&
    (error.scope.cluster === undefined ||
      coversCluster(policy, {
        name: error.scope.cluster.slice(error.scope.cluster.lastIndexOf('/') + 1),
        arn: error.scope.cluster,
      })),
  ownershipVia: 'any',
};
