/** The ECS emulator's in-memory model. Timestamps are epoch milliseconds of the virtual clock. */
import type { SortedKeys } from './sorted-keys.js';

export type Tags = Record<string, string>;

export interface TaskDefinition {
  family: string;
  revision: number;
  arn: string;
  containerDefinitions: Record<string, unknown>[];
  networkMode?: string;
  cpu?: string;
  memory?: string;
  requiresCompatibilities?: string[];
  registeredAt: number;
  tags: Tags;
}

export interface Cluster {
  name: string;
  arn: string;
  tags: Tags;
  settings: { name: string; value: string }[];
  serviceConnectDefaults?: { namespace: string };
  /** Latest service per name, whatever its status (a new CreateService replaces an INACTIVE one). */
  services: Map<string, Service>;
  /** ACTIVE service names, for ListServices. */
  activeServiceNames: SortedKeys;
  /** Task ids by desired status, for ListTasks. */
  runningTaskIds: SortedKeys;
  stoppedTaskIds: SortedKeys;
}

/** The wire shape of ServiceConnectConfiguration, kept as sent (defaults filled in). */
export interface ServiceConnectConfiguration {
  enabled: boolean;
  namespace?: string;
  services?: {
    portName: string;
    discoveryName?: string;
    clientAliases?: { port: number; dnsName?: string }[];
    ingressPortOverride?: number;
  }[];
  logConfiguration?: unknown;
}

export interface ServiceRegistry {
  registryArn: string;
  port?: number;
  containerName?: string;
  containerPort?: number;
  /** The Cloud Map service id the registry ARN resolved to. */
  cloudMapServiceId: string;
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: TaskDefinition;
  desiredCount: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  serviceConnect?: ServiceConnectConfiguration;
  /** Cloud Map namespace id when Service Connect is on. */
  serviceConnectNamespaceId?: string;
  serviceConnectResources: { discoveryName: string; discoveryArn: string; cloudMapServiceId: string }[];
  serviceRegistries: ServiceRegistry[];
  /**
   * The Service Connect endpoints (endpointId) its tasks can resolve: the namespace's aliases when the deployment
   * was created. Every task it starts, later ones included, gets this list. Undefined for scenario-loaded
   * deployments, whose list is everything that had appeared by their createdAt.
   */
  resolvable?: Set<string>;
  /** Set when this is a task set of an EXTERNAL or CODE_DEPLOY service rather than a scheduler deployment. */
  taskSet?: { arn: string; externalId?: string; scalePercent: number };
  /** Tasks of this deployment whose desired status is RUNNING. */
  tasks: Set<Task>;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface Service {
  name: string;
  arn: string;
  cluster: Cluster;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinition: TaskDefinition;
  launchType: string;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  createdAt: number;
  createdBy: string;
  tags: Tags;
  propagateTags?: string;
  enableECSManagedTags: boolean;
  networkConfiguration?: unknown;
  serviceRegistries: ServiceRegistry[];
  serviceConnect?: ServiceConnectConfiguration;
  /** ECS (rolling, the scheduler's deployments) or EXTERNAL / CODE_DEPLOY (task sets, no deployments). */
  deploymentController: 'ECS' | 'EXTERNAL' | 'CODE_DEPLOY';
  /** deploymentConfiguration.maximumPercent: tasks a deployment may run, in percent of desiredCount (ECS default 200). */
  maximumPercent: number;
  /** PRIMARY first; always empty for EXTERNAL and CODE_DEPLOY services. */
  deployments: Deployment[];
  /** Task sets of an EXTERNAL or CODE_DEPLOY service, oldest first (each a Deployment with `taskSet` set). */
  taskSets: Deployment[];
  /** Newest first, at most 100. */
  events: ServiceEvent[];
  runningTaskIds: SortedKeys;
  stoppedTaskIds: SortedKeys;
  /**
   * Service Connect client aliases ("dnsName:port") this service offers now, with when each appeared in its
   * namespace (the deployment that introduced it; an alias that goes and comes back appears anew).
   */
  endpointSince: Map<string, { since: number; discoveryName: string }>;
  /** Virtual time at which a DRAINING service becomes INACTIVE. */
  inactiveAt?: number;
}

/**
 * ECS's task lifecycle (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html):
 * PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED. The
 * emulator starts tasks through PROVISIONING, PENDING and ACTIVATING (ECS registers the Cloud Map instances
 * there) over taskStartDelayMs; a stopping task goes through DEACTIVATING (ECS deregisters its Cloud Map
 * instances there), STOPPING and DEPROVISIONING when the state's taskStopDelayMs is above 0; STOPPING lasts the
 * containers' stopTimeout when the task definition sets one (models/stop-timeout.ts).
 */
export type TaskLastStatus =
  'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

export interface Task {
  id: string;
  cluster: Cluster;
  service?: Service;
  deployment?: Deployment;
  taskDefinition: TaskDefinition;
  lastStatus: TaskLastStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  /** When a PENDING task becomes RUNNING. */
  readyAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  /** With a stop delay: when the task reaches STOPPED, and whether its instances are deregistered on the way. */
  stopDueAt?: number;
  /** With a stop delay: when DEACTIVATING, STOPPING and DEPROVISIONING end (STOPPING lasts the stopTimeout, if set). */
  stopPhaseEnds?: [number, number, number];
  deregisterOnStop?: boolean;
  stoppedReason?: string;
  stopCode?: string;
  startedBy?: string;
  group: string;
  launchType: string;
  ip: string;
  availabilityZone: string;
  /** Incremented on every state change, as in ECS Task State Change events. */
  version: number;
  /** Cloud Map (service id) registrations ECS made for this task. */
  registeredIn: string[];
  tags: Tags;
}

/** ARNs ECS uses (long ARN format). */
export function clusterArn(region: string, account: string, name: string): string {
  return `arn:aws:ecs:${region}:${account}:cluster/${name}`;
}

export function serviceArn(region: string, account: string, cluster: string, name: string): string {
  return `arn:aws:ecs:${region}:${account}:service/${cluster}/${name}`;
}

/** The old service ARN format, without the cluster. */
export function shortServiceArn(region: string, account: string, name: string): string {
  return `arn:aws:ecs:${region}:${account}:service/${name}`;
}

export function taskArn(region: string, account: string, cluster: string, id: string): string {
  return `arn:aws:ecs:${region}:${account}:task/${cluster}/${id}`;
}

export function taskDefinitionArn(region: string, account: string, family: string, revision: number): string {
  return `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;
}

/** Identity of one appearance of an endpoint: a recreated server or a re-added alias is a new endpoint. */
export function endpointId(service: Service, alias: string, since: number): string {
  return `${service.arn}|${alias}|${since}`;
}

/** PROVISIONING, PENDING or ACTIVATING: started, not RUNNING yet. */
export function isStarting(task: Pick<Task, 'lastStatus'>): boolean {
  return task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING';
}
