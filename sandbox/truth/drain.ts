/**
 * Truth for drain-safe DNS TTLs and negative caching (issue #15). ECS deregisters a task's Cloud Map instance when
 * the task begins to stop and kills its containers stopTimeout later; a caller that cached the record keeps
 * calling that address for up to the record's TTL (aws/containers-roadmap #343). A namespace's SOA TTL is how long
 * resolvers cache "no such name" (https://docs.aws.amazon.com/cloud-map/latest/api/API_SOA.html).
 */
import type { CloudMapPort } from '../core/ports.js';
import type { EcsState } from '../ecs/models/state.js';
import { shortestStopTimeout } from '../ecs/models/stop-timeout.js';

/** The margin subtracted from the shortest stopTimeout (the dnsTtl rule's drainMargin default, 5 s). */
export const DRAIN_MARGIN_SECONDS = 5;
/** The SOA TTL above which truth lists a namespace (negative caching longer than a minute). */
export const NAMESPACE_SOA_TTL_MAX_SECONDS = 60;

export interface TtlExceedsDrain {
  serviceId: string;
  name: string;
  namespaceId: string;
  /** Highest TTL of the service's DNS records. */
  ttl: number;
  /** stopTimeoutSeconds minus the margin: the longest TTL that drains safely. */
  boundSeconds: number;
  stopTimeoutSeconds: number;
  /** The task definition and container that set the bound (the shortest stopTimeout). */
  taskDefinition: string;
  container: string;
  /** ECS services ("cluster/name") whose tasks register into the Cloud Map service. */
  ecsServices: string[];
}

export interface NamespaceSoaTtl {
  namespaceId: string;
  name: string;
  type: string;
  soaTtl: number;
}

/**
 * Cloud Map services with DNS records whose TTL exceeds the shortest stopTimeout, minus the margin, among the
 * containers of the task definitions registering into them (ACTIVE and DRAINING ECS services' deployments and task sets).
 */
export function ttlExceedsDrain(
  ecs: EcsState,
  cloudMap: CloudMapPort,
  marginSeconds = DRAIN_MARGIN_SECONDS,
): TtlExceedsDrain[] {
  const byService = new Map<
    string,
    { stop: ReturnType<typeof shortestStopTimeout>; taskDefinition: string; ecsServices: Set<string> }
  >();
  for (const service of ecs.servicesByArn.values()) {
    if (service.status === 'INACTIVE') continue;
    for (const deployment of [...service.deployments, ...service.taskSets]) {
      const stop = shortestStopTimeout(deployment.taskDefinition);
      for (const registry of deployment.serviceRegistries) {
        const known = byService.get(registry.cloudMapServiceId);
        if (!known || stop.seconds < known.stop.seconds) {
          byService.set(registry.cloudMapServiceId, {
            stop,
            taskDefinition: deployment.taskDefinition.arn,
            ecsServices: known?.ecsServices ?? new Set(),
          });
        }
        byService.get(registry.cloudMapServiceId)!.ecsServices.add(`${service.cluster.name}/${service.name}`);
      }
    }
  }
  const found: TtlExceedsDrain[] = [];
  for (const [serviceId, bound] of byService) {
    const view = cloudMap.serviceById(serviceId);
    if (!view || view.dnsRecords.length === 0) continue;
    const ttl = Math.max(...view.dnsRecords.map((r) => r.TTL));
    const boundSeconds = Math.max(0, bound.stop.seconds - marginSeconds);
    if (ttl <= boundSeconds) continue;
    found.push({
      serviceId,
      name: view.name,
      namespaceId: view.namespaceId,
      ttl,
      boundSeconds,
      stopTimeoutSeconds: bound.stop.seconds,
      taskDefinition: bound.taskDefinition,
      container: bound.stop.container,
      ecsServices: [...bound.ecsServices].sort(),
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name) || a.serviceId.localeCompare(b.serviceId));
}

/** SOA TTL of every DNS namespace (HTTP namespaces have none). */
export function soaTtlByNamespace(cloudMap: CloudMapPort): Record<string, number> {
  return Object.fromEntries(
    cloudMap.namespaces().flatMap((ns) => (ns.soaTtl === undefined ? [] : [[ns.id, ns.soaTtl]])),
  );
}

/** DNS namespaces whose SOA TTL is above `maxSeconds`. */
export function namespaceSoaTtl(cloudMap: CloudMapPort, maxSeconds = NAMESPACE_SOA_TTL_MAX_SECONDS): NamespaceSoaTtl[] {
  return cloudMap
    .namespaces()
    .filter((ns) => ns.soaTtl !== undefined && ns.soaTtl > maxSeconds)
    .map((ns) => ({ namespaceId: ns.id, name: ns.name, type: ns.type, soaTtl: ns.soaTtl! }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
