/**
 * Ground truth for GET /_sandbox/truth: the drift that really exists in the emulated fleet, computed from
 * the emulators' own state (never through the API), so tests can score what the controller found and did.
 */
import type { CloudMapPort, DeletionRecord } from '../core/ports.js';
import { endpointId, type Deployment, type Service } from '../ecs/models/model.js';
import type { EcsState } from '../ecs/models/state.js';
import {
  namespaceSoaTtl,
  soaTtlByNamespace,
  ttlExceedsDrain,
  type NamespaceSoaTtl,
  type TtlExceedsDrain,
} from './drain.js';
import { quotaTruth, type QuotaTruth } from './quota.js';
import { isProtected, isServiceConnectCreated, liveTaskStatus, referencingServices } from './references.js';

export interface BrokenPair {
  namespace: string;
  /** The ECS service with a running task that cannot resolve the endpoint. */
  client: string;
  clientCluster: string;
  clientArn: string;
  /** The Service Connect discovery name behind the alias. */
  endpoint: string;
  /** The client alias ("dnsName:port") the client's tasks cannot resolve. */
  alias: string;
  endpointAppearedAt: string;
  /** Creation of the oldest client deployment whose running tasks miss the endpoint (their list dates from it). */
  clientDeploymentCreatedAt: string;
  /** Start of the oldest of those tasks (replacement tasks start later, and are just as stale). */
  oldestClientTaskStartedAt: string;
}

export interface SandboxTruth {
  brokenPairs: BrokenPair[];
  /** Cloud Map services the controller may delete: unreferenced, and ECS registered instances into them (CloudTrail). */
  orphanServices: { id: string; name: string; namespaceId: string }[];
  /**
   * Unreferenced services nothing proves ECS ever used (created ahead of an ECS service, by hand, for EC2...):
   * reported as ownership-unproven, deleted only when a policy declares emptyServices: delete or an opt-in tag.
   */
  unprovenServices: { id: string; name: string; namespaceId: string }[];
  /** ECS-registered instances whose task is not RUNNING (outside Service Connect services). */
  orphanInstances: { serviceId: string; instanceId: string }[];
  /** Highest DNS record TTL of every Cloud Map service with DNS records. */
  ttlByService: Record<string, number>;
  wronglyDeleted: DeletionRecord[];
  /** Unreferenced services that must survive anyway (protect tag), reported for completeness. */
  protectedServices: { id: string; name: string; namespaceId: string }[];
  /** Running tasks of a registry-backed service with no instance in the registry (failed registration). */
  missingInstances: { serviceId: string; taskId: string }[];
  /**
   * Service-discovery services whose desired or maximum count is 900 or more (the Route 53 cap is 1,000);
   * maxCount is the MaxCapacity of the service's Application Auto Scaling target, when it has one.
   */
  nearTaskLimit: { cluster: string; service: string; desiredCount: number; maxCount?: number }[];
  /** Cloud Map services whose instances plus deployment headroom reach 900 (quota 1,000): quota.ts. */
  nearInstanceQuota: QuotaTruth['nearInstanceQuota'];
  /** Namespaces whose instances plus deployment headroom reach 1,800 (default quota 2,000). */
  namespacesNearQuota: QuotaTruth['namespacesNearQuota'];
  /**
   * Drift kind `ttl-exceeds-drain`: Cloud Map services whose DNS TTL is above the shortest stopTimeout (minus 5 s)
   * of the task definitions registering into them (drain.ts).
   */
  ttlExceedsDrain: TtlExceedsDrain[];
  /** SOA TTL of every DNS namespace. */
  soaTtlByNamespace: Record<string, number>;
  /** Drift kind `namespace-soa-ttl`: DNS namespaces whose SOA TTL is above 60 s (negative caching). */
  namespaceSoaTtl: NamespaceSoaTtl[];
}

export const TASK_LIMIT_WARN_AT = 900;

/** Could tasks of this deployment resolve the endpoint? Its snapshot says; scenario deployments go by time. */
function resolvable(deployment: Deployment, id: string, since: number): boolean {
  return deployment.resolvable ? deployment.resolvable.has(id) : since <= deployment.createdAt;
}

function earliestStart(deployment: Deployment): number | undefined {
  let oldest: number | undefined;
  for (const task of deployment.tasks) {
    if (task.lastStatus !== 'RUNNING' || task.startedAt === undefined) continue;
    if (oldest === undefined || task.startedAt < oldest) oldest = task.startedAt;
  }
  return oldest;
}

/**
 * Service Connect clients with a running task that cannot resolve an endpoint of their namespace: each task has
 * the endpoint list its deployment took when it was created (aws-facts §1). With a resolve grace (the folk
 * variant), an endpoint counts as missing only when it appeared more than the grace after the deployment.
 */
export function brokenPairs(ecs: EcsState, cloudMap: CloudMapPort, resolveGraceMs: number): BrokenPair[] {
  const byNamespace = new Map<string, Service[]>();
  for (const service of ecs.servicesByArn.values()) {
    if (service.status === 'INACTIVE') continue;
    const namespaceId = service.deployments[0]?.serviceConnectNamespaceId;
    if (!namespaceId) continue;
    const list = byNamespace.get(namespaceId) ?? [];
    list.push(service);
    byNamespace.set(namespaceId, list);
  }
  const pairs = new Map<string, BrokenPair>();
  for (const [namespaceId, services] of byNamespace) {
    const namespace = cloudMap.namespaceByRef(namespaceId)?.name ?? namespaceId;
    const endpoints = services
      .filter((provider) => provider.status === 'ACTIVE')
      .flatMap((provider) =>
        [...provider.endpointSince].map(([alias, { since, discoveryName }]) => ({
          provider,
          alias,
          since,
          discoveryName,
          id: endpointId(provider, alias, since),
        })),
      );
    for (const client of services) {
      // Oldest deployment first, so each pair names the oldest deployment that misses the endpoint.
      for (const deployment of [...client.deployments].sort((a, b) => a.createdAt - b.createdAt)) {
        const started = earliestStart(deployment);
        if (started === undefined) continue;
        for (const endpoint of endpoints) {
          if (endpoint.provider === client || resolvable(deployment, endpoint.id, endpoint.since)) continue;
          if (!(deployment.createdAt < endpoint.since - resolveGraceMs)) continue;
          const key = `${client.arn}|${endpoint.alias}`;
          const known = pairs.get(key);
          if (known) {
            if (Date.parse(known.oldestClientTaskStartedAt) > started)
              known.oldestClientTaskStartedAt = new Date(started).toISOString();
            continue;
          }
          pairs.set(key, {
            namespace,
            client: client.name,
            clientCluster: client.cluster.name,
            clientArn: client.arn,
            endpoint: endpoint.discoveryName,
            alias: endpoint.alias,
            endpointAppearedAt: new Date(endpoint.since).toISOString(),
            clientDeploymentCreatedAt: new Date(deployment.createdAt).toISOString(),
            oldestClientTaskStartedAt: new Date(started).toISOString(),
          });
        }
      }
    }
  }
  return [...pairs.values()].sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) || a.client.localeCompare(b.client) || a.alias.localeCompare(b.alias),
  );
}

/** Computes the whole truth document; O(fleet), so only on request. */
export function computeTruth(
  ecs: EcsState,
  cloudMap: CloudMapPort,
  options: {
    resolveGraceMs: number;
    maxCapacity?: (cluster: string, service: string) => number | undefined;
    ecsUsed?: () => Set<string>;
  },
): SandboxTruth {
  const refs = referencingServices(ecs);
  const truth: SandboxTruth = {
    brokenPairs: brokenPairs(ecs, cloudMap, options.resolveGraceMs),
    orphanServices: [],
    unprovenServices: [],
    orphanInstances: [],
    ttlByService: {},
    wronglyDeleted: cloudMap.wronglyDeleted(),
    protectedServices: [],
    missingInstances: [],
    nearTaskLimit: [],
    ...quotaTruth(ecs, cloudMap, options.maxCapacity),
    ttlExceedsDrain: ttlExceedsDrain(ecs, cloudMap),
    soaTtlByNamespace: soaTtlByNamespace(cloudMap),
    namespaceSoaTtl: namespaceSoaTtl(cloudMap),
  };
  const instanceIds = new Map<string, Set<string>>();
  const ecsUsed = options.ecsUsed?.();
  for (const service of cloudMap.services()) {
    const instances = cloudMap.instances(service.id);
    instanceIds.set(service.id, new Set(instances.map((i) => i.id)));
    if (service.dnsRecords.length) truth.ttlByService[service.id] = Math.max(...service.dnsRecords.map((r) => r.TTL));
    if (isServiceConnectCreated(ecs, service)) continue;
    for (const instance of instances) {
      if (instance.registeredBy === 'ecs' && !liveTaskStatus(ecs, instance.id))
        truth.orphanInstances.push({ serviceId: service.id, instanceId: instance.id });
    }
    if (refs.has(service.id) || instances.some((i) => i.registeredBy !== 'ecs')) continue;
    const entry = { id: service.id, name: service.name, namespaceId: service.namespaceId };
    if (isProtected(service)) truth.protectedServices.push(entry);
    else if (ecsUsed && !ecsUsed.has(service.id)) truth.unprovenServices.push(entry);
    else truth.orphanServices.push(entry);
  }
  for (const service of ecs.servicesByArn.values()) {
    if (service.status !== 'ACTIVE' || service.serviceRegistries.length === 0) continue;
    const maxCount = options.maxCapacity?.(service.cluster.name, service.name);
    const peak = Math.max(service.desiredCount, maxCount ?? 0);
    if (peak >= TASK_LIMIT_WARN_AT) {
      truth.nearTaskLimit.push({
        cluster: service.cluster.name,
        service: service.name,
        desiredCount: service.desiredCount,
        maxCount,
      });
    }
    for (const deployment of [...service.deployments, ...service.taskSets]) {
      for (const task of deployment.tasks) {
        if (task.lastStatus !== 'RUNNING') continue;
        for (const registry of deployment.serviceRegistries) {
          if (!instanceIds.get(registry.cloudMapServiceId)?.has(task.id))
            truth.missingInstances.push({ serviceId: registry.cloudMapServiceId, taskId: task.id });
        }
      }
    }
  }
  return truth;
}
