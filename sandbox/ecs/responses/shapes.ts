/** Wire shapes of ECS resources (JSON 1.1: timestamps as epoch seconds). */
import {
  isStarting,
  type Cluster,
  type Deployment,
  type Service,
  type Task,
  type TaskDefinition,
  type Tags,
} from '../models/model.js';
import { taskArn } from '../models/model.js';
import type { EcsState } from '../models/state.js';

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** ECS tag list form: [{key, value}]. */
export function tagList(tags: Tags): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function deploymentShape(deployment: Deployment, service: Service): Record<string, unknown> {
  return {
    id: deployment.id,
    status: deployment.status,
    taskDefinition: deployment.taskDefinition.arn,
    desiredCount: deployment.desiredCount,
    pendingCount: deployment.pendingCount,
    runningCount: deployment.runningCount,
    failedTasks: deployment.failedTasks,
    createdAt: seconds(deployment.createdAt),
    updatedAt: seconds(deployment.updatedAt),
    launchType: service.launchType,
    platformVersion: service.launchType === 'FARGATE' ? '1.4.0' : undefined,
    networkConfiguration: service.networkConfiguration,
    rolloutState: deployment.rolloutState,
    rolloutStateReason: deployment.rolloutStateReason,
    serviceConnectConfiguration: deployment.serviceConnect,
    serviceConnectResources: deployment.serviceConnectResources.length
      ? deployment.serviceConnectResources.map((r) => ({
          discoveryName: r.discoveryName,
          discoveryArn: r.discoveryArn,
        }))
      : undefined,
  };
}

/** DescribeServices / CreateService / UpdateService / DeleteService "service" member. */
export function serviceShape(service: Service, includeTags: boolean): Record<string, unknown> {
  const running = service.deployments.reduce((sum, d) => sum + d.runningCount, 0);
  const pending = service.deployments.reduce((sum, d) => sum + d.pendingCount, 0);
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    loadBalancers: [],
    serviceRegistries: service.serviceRegistries.map((r) => ({
      registryArn: r.registryArn,
      port: r.port,
      containerName: r.containerName,
      containerPort: r.containerPort,
    })),
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: service.launchType,
    platformVersion: service.launchType === 'FARGATE' ? 'LATEST' : undefined,
    taskDefinition: service.taskDefinition.arn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: service.maximumPercent,
      minimumHealthyPercent: 100,
    },
    deployments: service.deployments.map((d) => deploymentShape(d, service)),
    events: service.events.map((e) => ({ id: e.id, createdAt: seconds(e.createdAt), message: e.message })),
    createdAt: seconds(service.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: service.networkConfiguration,
    schedulingStrategy: service.schedulingStrategy,
    deploymentController: { type: service.deploymentController },
    taskSets:
      service.deploymentController === 'ECS' ? undefined : service.taskSets.map((set) => taskSetShape(service, set)),
    createdBy: service.createdBy,
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags ?? 'NONE',
    enableExecuteCommand: false,
    availabilityZoneRebalancing: 'DISABLED',
    tags: includeTags ? tagList(service.tags) : undefined,
  };
}

/** DescribeTasks / StopTask "task" member. */
export function taskShape(state: EcsState, task: Task, includeTags: boolean): Record<string, unknown> {
  const arn = taskArn(state.region, state.account, task.cluster.name, task.id);
  return {
    taskArn: arn,
    clusterArn: task.cluster.arn,
    taskDefinitionArn: task.taskDefinition.arn,
    overrides: {
      containerOverrides: task.taskDefinition.containerDefinitions.map((c) => ({ name: c.name })),
      inferenceAcceleratorOverrides: [],
    },
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    cpu: task.taskDefinition.cpu ?? '256',
    memory: task.taskDefinition.memory ?? '512',
    containers: task.taskDefinition.containerDefinitions.map((c) => ({
      containerArn: `arn:aws:ecs:${state.region}:${state.account}:container/${task.cluster.name}/${task.id}/${String(c.name)}`,
      taskArn: arn,
      name: c.name,
      image: c.image,
      lastStatus: task.lastStatus,
      networkInterfaces: [{ attachmentId: task.id.slice(0, 8), privateIpv4Address: task.ip }],
      healthStatus: 'UNKNOWN',
    })),
    startedBy: task.startedBy,
    version: task.version,
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    connectivity: isStarting(task) ? undefined : 'CONNECTED',
    connectivityAt: seconds(task.startedAt),
    createdAt: seconds(task.createdAt),
    startedAt: seconds(task.startedAt),
    stoppingAt: seconds(task.stoppingAt),
    stoppedAt: seconds(task.stoppedAt),
    group: task.group,
    launchType: task.launchType,
    platformVersion: task.launchType === 'FARGATE' ? '1.4.0' : undefined,
    availabilityZone: task.availabilityZone,
    attachments: [],
    healthStatus: 'UNKNOWN',
    tags: includeTags ? tagList(task.tags) : undefined,
  };
}

/** DescribeClusters / CreateCluster "cluster" member. */
export function clusterShape(state: EcsState, cluster: Cluster, includeTags: boolean): Record<string, unknown> {
  // Only busy services have pending tasks, so this stays cheap however large the cluster.
  let pending = 0;
  for (const service of state.busy) {
    if (service.cluster !== cluster) continue;
    for (const d of service.deployments) pending += d.pendingCount;
  }
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: cluster.runningTaskIds.size - pending,
    pendingTasksCount: pending,
    activeServicesCount: cluster.activeServiceNames.size,
    statistics: [],
    tags: includeTags ? tagList(cluster.tags) : undefined,
    settings: cluster.settings,
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    serviceConnectDefaults: cluster.serviceConnectDefaults
      ? { namespace: stateNamespaceArn(state, cluster.serviceConnectDefaults.namespace) }
      : undefined,
  };
}

function stateNamespaceArn(state: EcsState, ref: string): string {
  return state.cloudMap.namespaceByRef(ref)?.arn ?? ref;
}

/** RegisterTaskDefinition / DescribeTaskDefinition "taskDefinition" member. */
export function taskDefinitionShape(definition: TaskDefinition): Record<string, unknown> {
  return {
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    containerDefinitions: definition.containerDefinitions,
    networkMode: definition.networkMode,
    cpu: definition.cpu,
    memory: definition.memory,
    requiresCompatibilities: definition.requiresCompatibilities,
    compatibilities: ['EC2', 'FARGATE'],
    status: 'ACTIVE',
    registeredAt: definition.registeredAt / 1000,
    volumes: [],
    placementConstraints: [],
  };
}

/** DescribeTaskSets / CreateTaskSet / DescribeServices "taskSet" member. */
export function taskSetShape(service: Service, set: Deployment): Record<string, unknown> {
  const stable = set.rolloutState === 'COMPLETED';
  return {
    id: set.id,
    taskSetArn: set.taskSet?.arn,
    serviceArn: service.arn,
    clusterArn: service.cluster.arn,
    startedBy: service.deploymentController === 'CODE_DEPLOY' ? 'codedeploy' : undefined,
    externalId: set.taskSet?.externalId,
    status: set.status,
    taskDefinition: set.taskDefinition.arn,
    computedDesiredCount: set.desiredCount,
    pendingCount: set.pendingCount,
    runningCount: set.runningCount,
    createdAt: seconds(set.createdAt),
    updatedAt: seconds(set.updatedAt),
    launchType: service.launchType,
    serviceRegistries: set.serviceRegistries.map((r) => ({
      registryArn: r.registryArn,
      port: r.port,
      containerName: r.containerName,
      containerPort: r.containerPort,
    })),
    scale: { value: set.taskSet?.scalePercent ?? 100, unit: 'PERCENT' },
    stabilityStatus: stable ? 'STEADY_STATE' : 'STABILIZING',
    stabilityStatusAt: seconds(set.updatedAt),
  };
}
