/**
 * Ground truth for the Cloud Map instance quotas (1,000 per service, not adjustable; 2,000 per namespace by
 * default): each Cloud Map service's instances now, plus what the deployments of the ECS services registering
 * into it may add (desired, or the autoscaling maximum, × maximumPercent / 100, beyond what each has
 * registered), from the emulators' own state.
 */
import type { CloudMapPort } from '../core/ports.js';
import type { EcsState } from '../ecs/models/state.js';

export const INSTANCE_WARN_AT = 900;
export const NAMESPACE_INSTANCE_WARN_AT = 1800;

export interface QuotaTruth {
  /** Cloud Map services whose projected instances reach 900. */
  nearInstanceQuota: { id: string; name: string; namespaceId: string; instances: number; projected: number }[];
  /** Namespaces whose projected instances, over all their services, reach 1,800. */
  namespacesNearQuota: { id: string; name: string; instances: number; projected: number }[];
}

/** Computes both lists; O(fleet). */
export function quotaTruth(
  ecs: EcsState,
  cloudMap: CloudMapPort,
  maxCapacity?: (cluster: string, service: string) => number | undefined,
): QuotaTruth {
  const headroom = new Map<string, number>();
  for (const service of ecs.servicesByArn.values()) {
    if (service.status === 'INACTIVE') continue;
    // Cloud Map service id -> the most tasks of this ECS service a deployment may register there.
    const peaks = new Map<string, number>();
    const percent = (count: number) => Math.ceil((count * service.maximumPercent) / 100);
    if (service.taskSets.length > 0) {
      for (const taskSet of service.taskSets) {
        for (const r of taskSet.serviceRegistries)
          peaks.set(r.cloudMapServiceId, (peaks.get(r.cloudMapServiceId) ?? 0) + percent(taskSet.desiredCount));
      }
    } else {
      const peak = percent(Math.max(service.desiredCount, maxCapacity?.(service.cluster.name, service.name) ?? 0));
      for (const id of [
        ...service.serviceRegistries.map((r) => r.cloudMapServiceId),
        ...service.deployments.flatMap((d) => d.serviceConnectResources.map((r) => r.cloudMapServiceId)),
      ])
        peaks.set(id, peak);
    }
    for (const [id, peak] of peaks) {
      const registered = cloudMap
        .instances(id)
        .filter(
          (i) =>
            i.attributes.ECS_SERVICE_NAME === service.name && i.attributes.ECS_CLUSTER_NAME === service.cluster.name,
        ).length;
      headroom.set(id, (headroom.get(id) ?? 0) + Math.max(0, peak - registered));
    }
  }
  const truth: QuotaTruth = { nearInstanceQuota: [], namespacesNearQuota: [] };
  const perNamespace = new Map<string, { instances: number; projected: number }>();
  for (const service of cloudMap.services()) {
    const instances = cloudMap.instances(service.id).length;
    const projected = instances + (headroom.get(service.id) ?? 0);
    const total = perNamespace.get(service.namespaceId) ?? { instances: 0, projected: 0 };
    perNamespace.set(service.namespaceId, {
      instances: total.instances + instances,
      projected: total.projected + projected,
    });
    if (projected >= INSTANCE_WARN_AT)
      truth.nearInstanceQuota.push({
        id: service.id,
        name: service.name,
        namespaceId: service.namespaceId,
        instances,
        projected,
      });
  }
  for (const namespace of cloudMap.namespaces()) {
    const total = perNamespace.get(namespace.id);
    if (total && total.projected >= NAMESPACE_INSTANCE_WARN_AT)
      truth.namespacesNearQuota.push({ id: namespace.id, name: namespace.name, ...total });
  }
  return truth;
}
