/**
 * Small facts derived from the inventory model that several rules and the plan share.
 * Pure: no I/O, no clock.
 */
import {
  ECS_ATTRIBUTES,
  type CloudMapInstance,
  type CloudMapService,
  type Deployment,
  type EcsService,
  type EcsTask,
  type Inventory,
  type ReadError,
  type ServiceConnectConfig,
} from './model.js';
import { cloudMapIndex, taskIndex } from './indexes.js';

/** Tag that (per community reports) Service Connect puts on the Cloud Map services it creates. */
export const SC_MANAGED_TAG = { key: 'AmazonECSManaged', value: 'true' } as const;

/** The last path segment of an ARN ("arn:...:service/srv-abc" -> "srv-abc"). */
export function lastArnSegment(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}

function sameCloudMapService(arn: string, service: CloudMapService): boolean {
  return arn === service.arn || lastArnSegment(arn) === service.id;
}

/** The service registries of an ECS service, its task sets' included (EXTERNAL and CODE_DEPLOY services keep them there). */
export function registriesOf(ecs: EcsService): { registryArn: string }[] {
  return [...ecs.serviceRegistries, ...(ecs.taskSets ?? []).flatMap((t) => t.serviceRegistries)];
}

/** The task definitions an ECS service may run tasks of: every listed deployment's and task set's (ARNs). */
export function taskDefinitionsOf(ecs: EcsService): string[] {
  const arns = [...ecs.deployments.map((d) => d.taskDefinition), ...(ecs.taskSets ?? []).map((t) => t.taskDefinition)];
  return [...new Set(arns.filter((arn) => arn !== ''))];
}

/** Does this ECS service refer to the Cloud Map service (classic registry, a task set's, or Service Connect resource)? */
export function referencesCloudMapService(ecs: EcsService, service: CloudMapService): boolean {
  if (registriesOf(ecs).some((r) => sameCloudMapService(r.registryArn, service))) return true;
  return ecs.deployments.some((d) =>
    d.serviceConnectResources.some((r) => sameCloudMapService(r.discoveryArn, service)),
  );
}

interface ReferenceIndex {
  /** Cloud Map service id -> ECS services naming it in serviceRegistries or serviceConnectResources. */
  referrers: Map<string, EcsService[]>;
  /** Cloud Map service ids that some deployment names in serviceConnectResources (Service Connect created them). */
  serviceConnect: Set<string>;
}

// One pass over the ECS services per inventory snapshot instead of one per Cloud Map service (2,000 x 10,000).
const referenceIndexes = new WeakMap<Inventory, ReferenceIndex>();

function referenceIndex(inventory: Inventory): ReferenceIndex {
  let index = referenceIndexes.get(inventory);
  if (index) return index;
  const built: ReferenceIndex = { referrers: new Map(), serviceConnect: new Set() };
  const add = (arn: string, ecs: EcsService) => {
    const id = lastArnSegment(arn);
    const list = built.referrers.get(id);
    if (!list) built.referrers.set(id, [ecs]);
    else if (!list.includes(ecs)) list.push(ecs);
  };
  for (const ecs of inventory.services) {
    for (const r of registriesOf(ecs)) add(r.registryArn, ecs);
    for (const d of ecs.deployments) {
      for (const r of d.serviceConnectResources) {
        add(r.discoveryArn, ecs);
        built.serviceConnect.add(lastArnSegment(r.discoveryArn));
      }
    }
  }
  referenceIndexes.set(inventory, built);
  return built;
}

/** The inventory's Cloud Map service an ARN (or id) names, found through an index built once per snapshot. */
export function cloudMapServiceByArn(inventory: Inventory, arn: string): CloudMapService | undefined {
  return cloudMapIndex(inventory).get(lastArnSegment(arn));
}

/** Carries the reference index to a patched snapshot whose ECS services are the same array (indexes.ts does the rest). */
export function carryReferenceIndex(from: Inventory, to: Inventory): void {
  const index = referenceIndexes.get(from);
  if (index && from.services === to.services) referenceIndexes.set(to, index);
}

/** ACTIVE or DRAINING ECS services of the inventory that refer to the Cloud Map service. */
export function liveReferrers(inventory: Inventory, service: CloudMapService): EcsService[] {
  return (referenceIndex(inventory).referrers.get(service.id) ?? []).filter(
    (ecs) => ecs.status !== 'INACTIVE' && referencesCloudMapService(ecs, service),
  );
}

/** Did Service Connect create this Cloud Map service? (named by any deployment, or tagged AmazonECSManaged=true) */
export function isServiceConnectManaged(inventory: Inventory, service: CloudMapService): boolean {
  if (service.tags[SC_MANAGED_TAG.key] === SC_MANAGED_TAG.value) return true;
  return referenceIndex(inventory).serviceConnect.has(service.id);
}

/** Did ECS register this instance? Proven only by both attributes ECS writes, never by a name prefix. */
export function isEcsRegistered(instance: CloudMapInstance): boolean {
  return Boolean(instance.attributes[ECS_ATTRIBUTES.cluster]) && Boolean(instance.attributes[ECS_ATTRIBUTES.service]);
}

/**
 * Is the task's registration still ECS's business? Every state but STOPPED: PROVISIONING to RUNNING hold (or
 * are about to hold) it, and DEACTIVATING, STOPPING and DEPROVISIONING are going away: ECS deregisters the
 * task's instances in DEACTIVATING (ECS task lifecycle,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html).
 */
export function isTaskAlive(task: EcsTask): boolean {
  return task.lastStatus !== 'STOPPED';
}

/** Was the instance registered by another account (a namespace shared through AWS RAM)? Then it is never ours. */
export function isOtherAccount(inventory: Inventory, createdByAccount: string | undefined): boolean {
  return Boolean(createdByAccount && inventory.account && createdByAccount !== inventory.account);
}

/** The deployment ECS calls PRIMARY, else the newest one. */
export function primaryDeployment(ecs: EcsService): Deployment | undefined {
  const primary = ecs.deployments.find((d) => d.status === 'PRIMARY');
  if (primary) return primary;
  return [...ecs.deployments].sort((a, b) => b.createdAt - a.createdAt)[0];
}

/** The Service Connect configuration the service runs with now, when enabled. */
export function serviceConnectOf(ecs: EcsService): ServiceConnectConfig | undefined {
  const sc = primaryDeployment(ecs)?.serviceConnect;
  return sc?.enabled ? sc : undefined;
}

/** A deployment is under way: a rollout IN_PROGRESS, or more than one deployment still active. */
export function hasDeploymentInProgress(ecs: EcsService): boolean {
  const live = ecs.deployments.filter((d) => d.status !== 'INACTIVE');
  return live.some((d) => d.rolloutState === 'IN_PROGRESS') || live.length > 1;
}

/** createdAt of the service's newest deployment (the AWS timestamp cooldowns derive from). */
export function latestDeploymentAt(ecs: EcsService): number | undefined {
  if (ecs.deployments.length === 0) return undefined;
  return Math.max(...ecs.deployments.map((d) => d.createdAt));
}

/** Running tasks of an ECS service. */
export function liveTasksOf(inventory: Inventory, ecs: EcsService): EcsTask[] {
  return (taskIndex(inventory).byService.get(`${ecs.clusterArn}|${ecs.name}`) ?? []).filter(
    (t) => t.lastStatus === 'RUNNING',
  );
}

/**
 * Does the ECS service run tasks? Its running counts say so, or a running task the read described: a full read
 * describes only the tasks some rule asks about (instances' and Service Connect clients'), not every task.
 */
export function runsTasks(inventory: Inventory, ecs: EcsService): boolean {
  return (
    ecs.runningCount > 0 ||
    (ecs.taskSets ?? []).some((ts) => ts.runningCount > 0) ||
    liveTasksOf(inventory, ecs).length > 0
  );
}

/** The task with this id in the cluster of this exact name, if the inventory has it. */
export function findTask(inventory: Inventory, taskId: string, clusterName: string): EcsTask | undefined {
  return taskIndex(inventory)
    .byId.get(taskId)
    ?.find((t) => t.clusterName === clusterName);
}

function errorCoversCluster(error: ReadError, clusterName: string, clusterArn?: string): boolean {
  return (
    error.scope.kind === 'cluster' &&
    (error.scope.cluster === clusterName ||
      error.scope.cluster === clusterArn ||
      lastArnSegment(error.scope.cluster) === clusterName)
  );
}

/** Whether the tasks of a cluster are known: 'read', 'error' (a read error covers it), 'unknown' (not read). */
export function clusterTaskState(inventory: Inventory, clusterName: string): 'read' | 'error' | 'unknown' {
  const cluster = inventory.clusters.find((c) => c.name === clusterName);
  if (
    inventory.readErrors.some((e) => e.scope.kind === 'account' || errorCoversCluster(e, clusterName, cluster?.arn))
  ) {
    return 'error';
  }
  return cluster ? 'read' : 'unknown';
}

/**
 * The read error that forbids pruning this Cloud Map service, if any: the account, its namespace, the service
 * itself, or any ECS cluster (a cluster whose services could not be listed may hold one that refers to it).
 */
export function pruneBlockingReadError(inventory: Inventory, service: CloudMapService): ReadError | undefined {
  return inventory.readErrors.find((e) => {
    switch (e.scope.kind) {
      case 'account':
        return true;
      case 'namespace':
        return e.scope.namespaceId === service.namespaceId;
      case 'cloudmap-service':
        return e.scope.serviceId === service.id;
      case 'cluster':
        return true;
      // Autoscaling maxima only inform the report-only taskLimit rule; they never decide what exists.
      case 'scaling-targets':
        return false;
      // Service Connect history only dates client aliases.
      case 'service-history':
        return false;
      // Stop timeouts only bound dnsTtl's TTLs.
      case 'task-definitions':
        return false;
    }
  });
}

/** One-line description of a read error for finding details ("ecs:ListServices AccessDeniedException on cluster prod-a"). */
export function describeReadError(error: ReadError): string {
  const scope = error.scope;
  const where =
    scope.kind === 'account'
      ? 'the account'
      : scope.kind === 'cluster'
        ? `cluster ${scope.cluster}`
        : scope.kind === 'namespace'
          ? `namespace ${scope.namespaceId}`
          : scope.kind === 'scaling-targets'
            ? `the scaling targets of ${scope.cluster ? `cluster ${scope.cluster}` : 'several clusters'}`
            : scope.kind === 'service-history'
              ? `the Service Connect history of services in cluster ${scope.cluster}`
              : scope.kind === 'task-definitions'
                ? `the task definitions of services in cluster ${scope.cluster}`
                : `Cloud Map service ${scope.serviceId}`;
  return `${error.operation} failed with ${error.code} on ${where}`;
}

/** `{ serviceArn }` for a Cloud Map service in a namespace another account shares with this one (the API wants the ARN there). */
export function sharedServiceRef(inventory: Inventory, service: CloudMapService): { serviceArn?: string } {
  return service.resourceOwner && inventory.account && service.resourceOwner !== inventory.account && service.arn
    ? { serviceArn: service.arn }
    : {};
}
