/** ECS SDK shapes -> inventory model. The only place ECS response fields are interpreted. */
import type {
  Deployment as SdkDeployment,
  Service as SdkService,
  ServiceConnectConfiguration as SdkServiceConnect,
  Task as SdkTask,
  TaskSet as SdkTaskSet,
} from '@aws-sdk/client-ecs';
import type {
  Deployment,
  DeploymentStatus,
  EcsService,
  EcsServiceStatus,
  EcsTask,
  DeploymentController,
  RolloutState,
  ServiceConnectConfig,
  TaskSet,
  TaskStatus,
} from '../inventory/model.js';
import { arnName } from './read-context.js';

type Intern = (s: string) => string;
const identity: Intern = (s) => s;

function ms(date: Date | undefined): number | undefined {
  return date ? date.getTime() : undefined;
}

/** Maps a Service Connect configuration (of a deployment or a service revision). */
export function toServiceConnect(config: SdkServiceConnect | undefined): ServiceConnectConfig | undefined {
  if (!config) return undefined;
  return {
    enabled: config.enabled ?? false,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    services: (config.services ?? []).map((s) => ({
      portName: s.portName ?? '',
      discoveryName: s.discoveryName ?? s.portName ?? '',
      clientAliases: (s.clientAliases ?? []).map((a) => ({
        port: a.port ?? 0,
        ...(a.dnsName ? { dnsName: a.dnsName } : {}),
      })),
    })),
  };
}

function toDeployment(d: SdkDeployment): Deployment {
  const serviceConnect = toServiceConnect(d.serviceConnectConfiguration);
  return {
    id: d.id ?? '',
    status: (d.status ?? 'INACTIVE') as DeploymentStatus,
    ...(d.rolloutState ? { rolloutState: d.rolloutState as RolloutState } : {}),
    taskDefinition: d.taskDefinition ?? '',
    desiredCount: d.desiredCount ?? 0,
    runningCount: d.runningCount ?? 0,
    pendingCount: d.pendingCount ?? 0,
    createdAt: ms(d.createdAt) ?? 0,
    updatedAt: ms(d.updatedAt) ?? ms(d.createdAt) ?? 0,
    ...(serviceConnect ? { serviceConnect } : {}),
    serviceConnectResources: (d.serviceConnectResources ?? [])
      .filter((r) => r.discoveryArn)
      .map((r) => ({ discoveryName: r.discoveryName ?? '', discoveryArn: r.discoveryArn! })),
  };
}

function toTaskSet(t: SdkTaskSet): TaskSet | undefined {
  if (!t.id) return undefined;
  return {
    id: t.id,
    arn: t.taskSetArn ?? '',
    status: (t.status ?? 'ACTIVE') as TaskSet['status'],
    createdAt: ms(t.createdAt) ?? 0,
    taskDefinition: t.taskDefinition ?? '',
    serviceRegistries: (t.serviceRegistries ?? [])
      .filter((r) => r.registryArn)
      .map((r) => ({ registryArn: r.registryArn! })),
    computedDesiredCount: t.computedDesiredCount ?? 0,
    runningCount: t.runningCount ?? 0,
    pendingCount: t.pendingCount ?? 0,
  };
}

/** Maps a described ECS service; undefined when AWS left out the fields that identify it. */
export function toEcsService(s: SdkService, intern: Intern = identity): EcsService | undefined {
  if (!s.serviceArn || !s.serviceName) return undefined;
  // Older long-ARN-less services have no cluster in the service ARN; clusterArn is always present when described.
  const clusterArn = intern(s.clusterArn ?? '');
  const tags: Record<string, string> = {};
  for (const t of s.tags ?? []) if (t.key !== undefined) tags[t.key] = t.value ?? '';
  return {
    arn: s.serviceArn,
    name: s.serviceName,
    clusterArn,
    clusterName: intern(arnName(clusterArn)),
    status: (s.status ?? 'ACTIVE') as EcsServiceStatus,
    desiredCount: s.desiredCount ?? 0,
    runningCount: s.runningCount ?? 0,
    createdAt: ms(s.createdAt) ?? 0,
    tags,
    serviceRegistries: (s.serviceRegistries ?? [])
      .filter((r) => r.registryArn)
      .map((r) => ({ registryArn: r.registryArn! })),
    deployments: (s.deployments ?? []).map(toDeployment),
    // EXTERNAL and CODE_DEPLOY services keep registries and rollouts on task sets, which DescribeServices
    // returns with the service (Service.taskSets), and list no deployments.
    ...(s.deploymentController?.type
      ? { deploymentController: s.deploymentController.type as DeploymentController }
      : {}),
    ...(s.taskSets?.length ? { taskSets: s.taskSets.flatMap((t) => toTaskSet(t) ?? []) } : {}),
    ...(s.deploymentConfiguration?.maximumPercent !== undefined
      ? { maximumPercent: s.deploymentConfiguration.maximumPercent }
      : {}),
  };
}

const SERVICE_GROUP = 'service:';
const SCHEDULER_PREFIX = 'ecs-svc/';

/** Maps a described task; undefined when the task ARN is missing. */
export function toEcsTask(t: SdkTask, intern: Intern = identity): EcsTask | undefined {
  if (!t.taskArn) return undefined;
  const clusterArn = intern(t.clusterArn ?? '');
  const group = t.group ?? '';
  const startedAt = ms(t.startedAt);
  const stoppedAt = ms(t.stoppedAt);
  return {
    arn: t.taskArn,
    id: arnName(t.taskArn),
    clusterArn,
    clusterName: intern(arnName(clusterArn)),
    ...(group.startsWith(SERVICE_GROUP) ? { serviceName: intern(group.slice(SERVICE_GROUP.length)) } : {}),
    ...(t.startedBy?.startsWith(SCHEDULER_PREFIX) ? { deploymentId: intern(t.startedBy) } : {}),
    lastStatus: (t.lastStatus ?? 'PENDING') as TaskStatus,
    desiredStatus: (t.desiredStatus ?? 'RUNNING') as TaskStatus,
    taskDefinitionArn: intern(t.taskDefinitionArn ?? ''),
    createdAt: ms(t.createdAt) ?? startedAt ?? 0,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}
