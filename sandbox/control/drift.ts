/** Drift injection (POST /_sandbox/drift and scenario `drift:`): the ways real fleets go wrong between API calls. */
import { AwsError } from '../core/errors.js';
import type { CloudMapPort } from '../core/ports.js';
import type { Service, Task } from '../ecs/models/model.js';
import type { EcsState } from '../ecs/models/state.js';
import { settleService } from '../ecs/models/scheduler.js';
import { shortestStopTimeout } from '../ecs/models/stop-timeout.js';
import { ecsInstanceAttributes, stopTask } from '../ecs/models/tasks.js';
import { DRAIN_MARGIN_SECONDS } from '../truth/drain.js';

export interface DriftRequest {
  kind: string;
  /** Cloud Map service id, or namespace + cloudMapService names. */
  serviceId?: string;
  namespace?: string;
  cloudMapService?: string;
  /** ECS service by names (default: the first ECS service that fits). */
  cluster?: string;
  ecsService?: string;
  ttl?: number;
}

/** How long `namespace-soa-ttl` drift makes resolvers cache "no such name" when the request names no ttl. */
const DRIFT_SOA_TTL_SECONDS = 3600;

const bad = (message: string) => new AwsError('InvalidInput', message, 400);

/** Every kind POST /_sandbox/drift accepts: these five, and the listing drifts of hidden-listing.ts. */
export const DRIFT_KINDS = [
  'stale-instance',
  'ttl',
  'failed-registration',
  'ttl-exceeds-drain',
  'namespace-soa-ttl',
  'hide-services',
  'show-services',
] as const;

function cloudMapServiceId(cloudMap: CloudMapPort, request: DriftRequest): string | undefined {
  if (request.serviceId) {
    if (!cloudMap.serviceById(request.serviceId)) throw bad(`Cloud Map service ${request.serviceId} does not exist.`);
    return request.serviceId;
  }
  if (request.cloudMapService) {
    const namespace = request.namespace ? cloudMap.namespaceByRef(request.namespace) : undefined;
    const match = cloudMap
      .services()
      .find((s) => s.name === request.cloudMapService && (!namespace || s.namespaceId === namespace.id));
    if (!match)
      throw bad(
        `Cloud Map service ${request.cloudMapService} was not found${request.namespace ? ` in ${request.namespace}` : ''}.`,
      );
    return match.id;
  }
  return undefined;
}

/** An ACTIVE ECS service with a registry (to `serviceId` when given) and a running task, chosen deterministically. */
function registryBackedService(
  ecs: EcsState,
  request: DriftRequest,
  serviceId: string | undefined,
): Service | undefined {
  if (request.ecsService) {
    const cluster = ecs.requireCluster(request.cluster);
    const service = ecs.findService(cluster, request.ecsService);
    if (service?.status === 'ACTIVE') return service;
    // A deleted service can still name the ghost instance left in a given Cloud Map service.
    if (serviceId) return undefined;
    throw bad(`ECS service ${request.ecsService} is not ACTIVE in cluster ${cluster.name}.`);
  }
  const candidates = [...ecs.servicesByArn.values()]
    .filter(
      (s) =>
        s.status === 'ACTIVE' &&
        s.serviceRegistries.some((r) => serviceId === undefined || r.cloudMapServiceId === serviceId),
    )
    .filter((s) => s.deployments[0].runningCount > 0)
    .sort((a, b) => a.arn.localeCompare(b.arn));
  return candidates[0];
}

function oldestRunningTask(service: Service, serviceId: string | undefined): Task | undefined {
  let oldest: Task | undefined;
  for (const deployment of service.deployments) {
    for (const task of deployment.tasks) {
      if (task.lastStatus !== 'RUNNING' || (serviceId && !task.registeredIn.includes(serviceId))) continue;
      if (!oldest || (task.startedAt ?? 0) < (oldest.startedAt ?? 0)) oldest = task;
    }
  }
  return oldest;
}

/**
 * Raises the DNS TTL of a registry-backed ECS service's Cloud Map service above its drain bound: the shortest
 * stopTimeout of its task definitions' containers minus the margin (truth/drain.ts). Default TTL: the stopTimeout
 * itself plus 30 s.
 */
function ttlAboveDrain(
  ecs: EcsState,
  cloudMap: CloudMapPort,
  request: DriftRequest,
  serviceId: string | undefined,
): Record<string, unknown> {
  const service = registryBackedService(ecs, request, serviceId);
  const registry = service?.serviceRegistries.find((r) => serviceId === undefined || r.cloudMapServiceId === serviceId);
  if (!service || !registry)
    throw bad(
      'ttl-exceeds-drain drift needs an ACTIVE ECS service with a service registry (cluster + ecsService, or serviceId).',
    );
  const stop = shortestStopTimeout(service.deployments[0]?.taskDefinition ?? service.taskDefinition);
  const bound = Math.max(0, stop.seconds - DRAIN_MARGIN_SECONDS);
  const ttl = request.ttl ?? stop.seconds + 30;
  if (!Number.isInteger(ttl) || ttl <= bound)
    throw bad(`ttl-exceeds-drain drift: "ttl" must be a whole number above the drain bound, ${bound} s.`);
  if (!cloudMap.serviceById(registry.cloudMapServiceId)?.dnsRecords.length)
    throw bad(`Cloud Map service ${registry.cloudMapServiceId} has no DNS records.`);
  cloudMap.setTtl(registry.cloudMapServiceId, ttl);
  return {
    kind: 'ttl-exceeds-drain',
    serviceId: registry.cloudMapServiceId,
    ttl,
    boundSeconds: bound,
    container: stop.container,
    ecsService: service.name,
    cluster: service.cluster.name,
  };
}

/** Applies one drift; returns what it did (ids) so tests can assert on it. */
export function injectDrift(ecs: EcsState, cloudMap: CloudMapPort, request: DriftRequest): Record<string, unknown> {
  if (!request || typeof request !== 'object') throw bad('drift body must be an object with "kind".');
  const serviceId = cloudMapServiceId(cloudMap, request);
  switch (request.kind) {
    case 'ttl': {
      if (!serviceId) throw bad('ttl drift needs serviceId (or namespace + cloudMapService).');
      if (!Number.isInteger(request.ttl) || request.ttl! < 0)
        throw bad('ttl drift needs "ttl", a whole number of seconds.');
      if (!cloudMap.serviceById(serviceId)!.dnsRecords.length)
        throw bad(`Cloud Map service ${serviceId} has no DNS records (HTTP namespace?).`);
      cloudMap.setTtl(serviceId, request.ttl!);
      return { kind: 'ttl', serviceId, ttl: request.ttl };
    }
    case 'stale-instance': {
      const service = registryBackedService(ecs, request, serviceId);
      const task = service && oldestRunningTask(service, serviceId);
      if (service && task) {
        // The task dies but ECS never deregisters it; the scheduler starts a replacement as usual.
        const registeredIn = serviceId ?? task.registeredIn[0];
        stopTask(ecs, task, {
          reason: 'Essential container in task exited',
          stopCode: 'EssentialContainerExited',
          deregister: false,
        });
        settleService(ecs, service);
        return {
          kind: 'stale-instance',
          serviceId: registeredIn,
          instanceId: task.id,
          ecsService: service.name,
          cluster: service.cluster.name,
        };
      }
      if (!serviceId)
        throw bad(
          'no ACTIVE ECS service with a service registry and a running task; pass serviceId to leave a stale instance in a given Cloud Map service.',
        );
      // No ECS service backs this Cloud Map service: leave an instance that looks like a long-gone ECS task.
      const view = cloudMap.serviceById(serviceId)!;
      const taskId = ecs.newTaskId();
      const ghost = {
        id: taskId,
        ip: ecs.nextPlacement().ip,
        availabilityZone: `${ecs.region}a`,
        cluster: { name: request.cluster ?? 'default' },
        service: { name: request.ecsService ?? view.name },
        taskDefinition: { family: request.ecsService ?? view.name },
      } as unknown as Task;
      cloudMap.registerInstance(serviceId, taskId, ecsInstanceAttributes(ecs, ghost, 80), 'ecs');
      return { kind: 'stale-instance', serviceId, instanceId: taskId };
    }
    case 'failed-registration': {
      const service = registryBackedService(ecs, request, serviceId);
      const task = service && oldestRunningTask(service, serviceId);
      if (!service || !task || task.registeredIn.length === 0)
        throw bad('no running task registered in a service registry to drop.');
      const target = serviceId ?? task.registeredIn[0];
      cloudMap.removeInstance(target, task.id);
      task.registeredIn = task.registeredIn.filter((id) => id !== target);
      return {
        kind: 'failed-registration',
        serviceId: target,
        taskId: task.id,
        ecsService: service.name,
        cluster: service.cluster.name,
      };
    }
    case 'ttl-exceeds-drain':
      return ttlAboveDrain(ecs, cloudMap, request, serviceId);
    case 'namespace-soa-ttl': {
      // A namespace caches "no such name" longer than its services take to appear (issue #15, negative caching).
      const namespace = request.namespace ? cloudMap.namespaceByRef(request.namespace) : undefined;
      if (!namespace)
        throw bad(
          `namespace-soa-ttl drift needs "namespace", the name or id of a DNS namespace${request.namespace ? ` (${request.namespace} was not found)` : ''}.`,
        );
      const ttl = request.ttl ?? DRIFT_SOA_TTL_SECONDS;
      if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647)
        throw bad('namespace-soa-ttl drift: "ttl" must be a whole number of seconds (0 to 2147483647).');
      cloudMap.setSoaTtl(namespace.id, ttl);
      return { kind: 'namespace-soa-ttl', namespaceId: namespace.id, ttl };
    }
    default:
      throw bad(`unknown drift kind "${request.kind}": use ${DRIFT_KINDS.join(', ')}.`);
  }
}
