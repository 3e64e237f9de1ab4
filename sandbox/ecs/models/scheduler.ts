/**
 * The service scheduler: creates services and deployments, keeps each deployment at its desired count,
 * replaces old tasks as new ones start (rolling update, 100 % minimum healthy / 200 % maximum), completes
 * rollouts, and drains deleted services. Only services in `state.busy` are visited, so a tick costs nothing
 * for a quiet fleet of any size.
 */
import type {
  Cluster,
  Deployment,
  Service,
  ServiceConnectConfiguration,
  ServiceRegistry,
  TaskDefinition,
  Tags,
} from './model.js';
import { serviceArn, shortServiceArn } from './model.js';
import type { EcsState } from './state.js';
import type { ResolvedServiceConnect } from './discovery.js';
import { indexNamespace, snapshotEndpoints, trackEndpoints } from './endpoints.js';
import { advanceStarting, advanceStopping, isStarting, launchTask, purgeStoppedTasks, stopTask } from './tasks.js';
import { emitDeploymentStateChange, emitServiceAction, recordServiceEvent } from './events.js';
import { SortedKeys } from './sorted-keys.js';
import { recordServiceDeployment } from './history.js';
import { settleTaskSets } from './task-sets.js';

/** Route 53 caps a service-discovery service at 1,000 instances, so ECS cannot place more tasks. */
export const SERVICE_DISCOVERY_TASK_LIMIT = 1000;

export interface ServiceSpec {
  cluster: Cluster;
  name: string;
  taskDefinition: TaskDefinition;
  desiredCount: number;
  launchType: string;
  tags: Tags;
  propagateTags?: string;
  enableECSManagedTags?: boolean;
  networkConfiguration?: unknown;
  serviceRegistries: ServiceRegistry[];
  serviceConnect?: ResolvedServiceConnect;
  /** deploymentConfiguration.maximumPercent (default 200, as in ECS). */
  maximumPercent?: number;
  createdAt: number;
  /** Scenario fleets: the deployment is already complete and its tasks RUNNING since these times. */
  runningSince?: number[];
  /** Scenario fleets: when the current deployment was created (default createdAt). */
  deployedAt?: number;
  /** The old ARN format `service/NAME`, kept by services created before the account opted in to the long one. */
  shortArn?: boolean;
  /** EXTERNAL and CODE_DEPLOY services have no deployments: their tasks run in task sets (task-sets.ts). */
  deploymentController?: Service['deploymentController'];
}

function newDeployment(
  state: EcsState,
  input: {
    taskDefinition: TaskDefinition;
    desiredCount: number;
    at: number;
    registries: ServiceRegistry[];
    serviceConnect?: ResolvedServiceConnect;
    completed: boolean;
  },
): Deployment {
  return {
    id: state.newDeploymentId(),
    status: 'PRIMARY',
    taskDefinition: input.taskDefinition,
    desiredCount: input.desiredCount,
    createdAt: input.at,
    updatedAt: input.at,
    rolloutState: input.completed ? 'COMPLETED' : 'IN_PROGRESS',
    rolloutStateReason: input.completed ? 'ECS deployment completed.' : 'ECS deployment in progress.',
    serviceConnect: input.serviceConnect?.configuration,
    serviceConnectNamespaceId: input.serviceConnect?.namespaceId,
    serviceConnectResources: input.serviceConnect?.resources ?? [],
    serviceRegistries: input.registries,
    tasks: new Set(),
    runningCount: 0,
    pendingCount: 0,
    failedTasks: 0,
  };
}

/** Creates an ACTIVE service with its first deployment; API-created services start tasks, scenario ones have them running. */
export function createService(state: EcsState, spec: ServiceSpec): Service {
  const preloaded = spec.runningSince !== undefined;
  const deployedAt = spec.deployedAt ?? spec.createdAt;
  const service: Service = {
    name: spec.name,
    arn: spec.shortArn
      ? shortServiceArn(state.region, state.account, spec.name)
      : serviceArn(state.region, state.account, spec.cluster.name, spec.name),
    cluster: spec.cluster,
    status: 'ACTIVE',
    desiredCount: spec.desiredCount,
    taskDefinition: spec.taskDefinition,
    launchType: spec.launchType,
    schedulingStrategy: 'REPLICA',
    createdAt: spec.createdAt,
    createdBy: `arn:aws:iam::${state.account}:role/sandbox-deployer`,
    tags: { ...spec.tags },
    propagateTags: spec.propagateTags,
    enableECSManagedTags: spec.enableECSManagedTags ?? false,
    networkConfiguration: spec.networkConfiguration,
    serviceRegistries: spec.serviceRegistries,
    serviceConnect: spec.serviceConnect?.configuration,
    deploymentController: spec.deploymentController ?? 'ECS',
    maximumPercent: spec.maximumPercent ?? 200,
    deployments: [],
    taskSets: [],
    events: [],
    runningTaskIds: new SortedKeys(),
    stoppedTaskIds: new SortedKeys(),
    endpointSince: new Map(),
  };
  if (service.deploymentController !== 'ECS') {
    // Task sets, created by the deployment tool with CreateTaskSet, run its tasks.
    spec.cluster.services.set(service.name, service);
    spec.cluster.activeServiceNames.add(service.name);
    state.servicesByArn.set(service.arn, service);
    return service;
  }
  const deployment = newDeployment(state, {
    taskDefinition: spec.taskDefinition,
    desiredCount: spec.desiredCount,
    at: deployedAt,
    registries: spec.serviceRegistries,
    serviceConnect: spec.serviceConnect,
    completed: preloaded,
  });
  service.deployments.push(deployment);
  recordServiceDeployment(state, service, deployment);
  trackEndpoints(state, service, deployment, undefined);
  // A scenario service redeployed since its creation has offered its endpoints since it was created.
  for (const entry of service.endpointSince.values()) entry.since = Math.min(spec.createdAt, deployedAt);
  spec.cluster.services.set(service.name, service);
  spec.cluster.activeServiceNames.add(service.name);
  state.servicesByArn.set(service.arn, service);
  indexNamespace(state, service, deployment.serviceConnectNamespaceId, true);
  if (!preloaded) snapshotEndpoints(state, deployment);
  if (preloaded) {
    for (const startedAt of spec.runningSince ?? []) launchTask(state, service, deployment, startedAt);
  } else {
    emitDeploymentStateChange(
      state,
      service,
      deployment,
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      `ECS deployment ${deployment.id} in progress.`,
    );
    state.busy.add(service);
    settleService(state, service);
  }
  return service;
}

export interface DeploymentChange {
  taskDefinition?: TaskDefinition;
  serviceRegistries?: ServiceRegistry[];
  /** null turns Service Connect off. */
  serviceConnect?: ResolvedServiceConnect | null;
}

/** Starts a new PRIMARY deployment (UpdateService with forceNewDeployment or a definition/discovery change). */
export function startDeployment(state: EcsState, service: Service, change: DeploymentChange): Deployment {
  const previous = service.deployments[0];
  const serviceConnect =
    change.serviceConnect === null
      ? undefined
      : (change.serviceConnect ??
        (previous.serviceConnect
          ? {
              configuration: previous.serviceConnect as ServiceConnectConfiguration,
              namespaceId: previous.serviceConnectNamespaceId!,
              resources: previous.serviceConnectResources,
            }
          : undefined));
  const deployment = newDeployment(state, {
    taskDefinition: change.taskDefinition ?? service.taskDefinition,
    desiredCount: service.desiredCount,
    at: state.now(),
    registries: change.serviceRegistries ?? service.serviceRegistries,
    serviceConnect,
    completed: false,
  });
  for (const old of service.deployments) {
    old.status = 'ACTIVE';
    if (old.rolloutState === 'IN_PROGRESS') {
      old.rolloutState = 'FAILED';
      old.rolloutStateReason = 'ECS deployment replaced by a newer deployment.';
    }
  }
  indexNamespace(state, service, previous.serviceConnectNamespaceId, false);
  service.deployments.unshift(deployment);
  recordServiceDeployment(state, service, deployment);
  service.taskDefinition = deployment.taskDefinition;
  service.serviceRegistries = deployment.serviceRegistries;
  service.serviceConnect = deployment.serviceConnect;
  trackEndpoints(state, service, deployment, previous.serviceConnectNamespaceId);
  indexNamespace(state, service, deployment.serviceConnectNamespaceId, true);
  snapshotEndpoints(state, deployment);
  emitDeploymentStateChange(
    state,
    service,
    deployment,
    'SERVICE_DEPLOYMENT_IN_PROGRESS',
    `ECS deployment ${deployment.id} in progress.`,
  );
  recordServiceEvent(state, service, `has started a new deployment ${deployment.id}.`);
  state.busy.add(service);
  settleService(state, service);
  return deployment;
}

/** Changes the desired count of the service and its PRIMARY deployment. */
export function setDesiredCount(state: EcsState, service: Service, desiredCount: number): void {
  service.desiredCount = desiredCount;
  if (service.deployments[0]) service.deployments[0].desiredCount = desiredCount;
  state.busy.add(service);
  settleService(state, service);
}

/** DeleteService: DRAINING now (tasks stopped, instances deregistered), INACTIVE after the drain period. The Cloud Map services stay. */
export function deleteService(state: EcsState, service: Service): void {
  service.status = 'DRAINING';
  service.desiredCount = 0;
  service.inactiveAt = state.now() + state.drainMs;
  service.cluster.activeServiceNames.delete(service.name);
  indexNamespace(state, service, service.deployments[0]?.serviceConnectNamespaceId, false);
  for (const deployment of [...service.deployments, ...service.taskSets]) {
    deployment.desiredCount = 0;
    for (const task of [...deployment.tasks])
      stopTask(state, task, { reason: 'Service deleted', stopCode: 'ServiceSchedulerInitiated' });
  }
  recordServiceEvent(state, service, 'has been deleted.');
  state.busy.add(service);
}

function targetCount(service: Service, deployment: Deployment): number {
  if (deployment.serviceRegistries.length > 0) return Math.min(deployment.desiredCount, SERVICE_DISCOVERY_TASK_LIMIT);
  return deployment.desiredCount;
}

/** Moves one service forward to the current virtual time. */
export function settleService(state: EcsState, service: Service): void {
  const now = state.now();
  if (service.deploymentController !== 'ECS') {
    if (service.status === 'DRAINING' && now >= (service.inactiveAt ?? now)) service.status = 'INACTIVE';
    if (settleTaskSets(state, service) && service.status !== 'DRAINING') state.busy.delete(service);
    return;
  }
  for (const deployment of service.deployments) {
    if (deployment.pendingCount === 0) continue;
    for (const task of [...deployment.tasks]) advanceStarting(state, task, now);
  }
  if (service.status !== 'ACTIVE') {
    // ECS makes a deleted service INACTIVE once every task is stopping or stopped (none still DEACTIVATING).
    const deactivating = [...state.stopping].some((t) => t.service === service && t.lastStatus === 'DEACTIVATING');
    if (service.status === 'DRAINING' && now >= (service.inactiveAt ?? now) && !deactivating) {
      service.status = 'INACTIVE';
      service.deployments = service.deployments.slice(0, 1);
    }
    if (service.status === 'INACTIVE') state.busy.delete(service);
    return;
  }
  const primary = service.deployments[0];
  const target = targetCount(service, primary);
  if (target < primary.desiredCount && !service.events[0]?.message.includes('1,000 tasks')) {
    recordServiceEvent(
      state,
      service,
      `is unable to place more than 1,000 tasks: a service registry holds at most 1,000 instances.`,
    );
    emitServiceAction(
      state,
      service,
      'ERROR',
      'SERVICE_TASK_PLACEMENT_FAILURE',
      'Service discovery instance limit reached',
    );
  }
  while (primary.tasks.size < target) launchTask(state, service, primary);
  if (primary.tasks.size > target) {
    const extra = [...primary.tasks].sort((a, b) =>
      isStarting(a) === isStarting(b) ? b.createdAt - a.createdAt : isStarting(a) ? -1 : 1,
    );
    for (const task of extra.slice(0, primary.tasks.size - target))
      stopTask(state, task, { reason: 'Scaling activity initiated by (deployment ' + primary.id + ')' });
  }
  // Rolling update: keep old tasks only while the new deployment lacks running tasks to replace them.
  const old = service.deployments.slice(1);
  let oldCount = old.reduce((sum, d) => sum + d.tasks.size, 0);
  const allowedOld = Math.max(0, target - primary.runningCount);
  for (let i = old.length - 1; i >= 0 && oldCount > allowedOld; i--) {
    const tasks = [...old[i].tasks].sort((a, b) => (isStarting(a) ? -1 : 0) - (isStarting(b) ? -1 : 0));
    for (const task of tasks) {
      if (oldCount <= allowedOld) break;
      stopTask(state, task, { reason: `Task replaced by deployment ${primary.id}` });
      oldCount--;
    }
  }
  service.deployments = [primary, ...old.filter((d) => d.tasks.size > 0)];
  const steady = service.deployments.length === 1 && primary.pendingCount === 0 && primary.runningCount === target;
  if (steady && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = 'ECS deployment completed.';
    primary.updatedAt = now;
    emitDeploymentStateChange(
      state,
      service,
      primary,
      'SERVICE_DEPLOYMENT_COMPLETED',
      `ECS deployment ${primary.id} completed.`,
    );
    emitServiceAction(state, service, 'INFO', 'SERVICE_STEADY_STATE');
    recordServiceEvent(state, service, `deployment ${primary.id} has completed.`);
    recordServiceEvent(state, service, 'has reached a steady state.');
  }
  if (steady) state.busy.delete(service);
}

/** Advances every busy service and purges expired stopped tasks; called on a short real-time tick and before each request. */
export function settle(state: EcsState): void {
  advanceStopping(state);
  for (const service of [...state.busy]) settleService(state, service);
  purgeStoppedTasks(state);
}
