/**
 * The observed fleet, as read from AWS by controller/aws/. Plain data with no SDK types, so rules stay pure.
 * Timestamps are epoch milliseconds.
 */
import type { OwnershipEvidence } from './evidence.js';

export type { OwnershipEvidence };

export interface Cluster {
  arn: string;
  name: string;
}

export type EcsServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';

export interface ServiceConnectClientAlias {
  port: number;
  dnsName?: string;
}

export interface ServiceConnectServiceEntry {
  portName: string;
  /** Defaults to portName in ECS. */
  discoveryName: string;
  clientAliases: readonly ServiceConnectClientAlias[];
}

export interface ServiceConnectConfig {
  enabled: boolean;
  /** Namespace name or ARN, as ECS reports it. */
  namespace?: string;
  /** Empty for client-only services. */
  services: readonly ServiceConnectServiceEntry[];
}

export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface Deployment {
  id: string;
  status: DeploymentStatus;
  rolloutState?: RolloutState;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  createdAt: number;
  updatedAt: number;
  serviceConnect?: ServiceConnectConfig;
  /** Cloud Map services that Service Connect created for this deployment. */
  serviceConnectResources: readonly { discoveryName: string; discoveryArn: string }[];
}

/** A task set (EXTERNAL and CODE_DEPLOY services keep their registries and rollouts here, not in deployments). */
export interface TaskSet {
  /** "ecs-svc/..."; the tasks it starts carry it in startedBy. */
  id: string;
  arn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  createdAt: number;
  taskDefinition: string;
  serviceRegistries: readonly { registryArn: string }[];
  computedDesiredCount: number;
  runningCount: number;
  pendingCount: number;
}

/** A past revision of a service (ListServiceDeployments + DescribeServiceRevisions): its Service Connect config. */
export interface ServiceConnectRevision {
  createdAt: number;
  serviceConnect?: ServiceConnectConfig;
}

export type DeploymentController = 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';

export interface EcsService {
  arn: string;
  name: string;
  clusterArn: string;
  clusterName: string;
  status: EcsServiceStatus;
  desiredCount: number;
  runningCount: number;
  createdAt: number;
  tags: Readonly<Record<string, string>>;
  /** Classic service discovery registries (Cloud Map service ARNs). */
  serviceRegistries: readonly { registryArn: string }[];
  deployments: readonly Deployment[];
  /** Default ECS. EXTERNAL and CODE_DEPLOY services have no deployments, only task sets. */
  deploymentController?: DeploymentController;
  /** Task sets (DescribeTaskSets), read for EXTERNAL and CODE_DEPLOY services. */
  taskSets?: readonly TaskSet[];
  /**
   * Service revisions older than the listed deployments, newest first, read for Service Connect servers whose
   * first deployment ECS no longer lists: they date when each client alias appeared.
   */
  serviceConnectHistory?: readonly ServiceConnectRevision[];
  /** Maximum task count from Application Auto Scaling, when known. */
  maxCount?: number;
  /**
   * deploymentConfiguration.maximumPercent: during a deployment the service may run this percentage of its
   * desired count (old and new tasks together, all registered). ECS's default for rolling updates is 200.
   */
  maximumPercent?: number;
}

export type TaskStatus =
  'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

export interface EcsTask {
  arn: string;
  /** Last segment of the ARN. */
  id: string;
  clusterArn: string;
  clusterName: string;
  /** From the task's group "service:<name>"; undefined for standalone tasks. */
  serviceName?: string;
  /** Deployment id from startedBy ("ecs-svc/..."), when the scheduler started it. */
  deploymentId?: string;
  lastStatus: TaskStatus;
  desiredStatus: TaskStatus;
  taskDefinitionArn: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
}

export type NamespaceType = 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';

export interface Namespace {
  id: string;
  arn: string;
  name: string;
  type: NamespaceType;
  /** The account that created the namespace (ResourceOwner); another account's when it is shared with us (AWS RAM). */
  resourceOwner?: string;
  /** DNS namespaces: the SOA TTL, how long resolvers cache "no such name" (undefined: HTTP, or not read). */
  soaTtl?: number;
}

/**
 * One task definition revision as far as draining goes (DescribeTaskDefinition). Revisions are immutable, so a
 * reader keeps them across reads.
 */
export interface TaskDefinitionStops {
  arn: string;
  family: string;
  revision: number;
  /**
   * Each container's stopTimeout in seconds, undefined where it sets none: ECS then waits 30 s (Fargate's default,
   * and the EC2 agent's ECS_CONTAINER_STOP_TIMEOUT default).
   */
  containers: readonly { name: string; stopTimeoutSeconds?: number }[];
}

export interface DnsRecord {
  type: 'A' | 'AAAA' | 'SRV' | 'CNAME';
  ttl: number;
}

export interface CloudMapInstance {
  id: string;
  attributes: Readonly<Record<string, string>>;
  /** The account that registered it (CreatedByAccount); another account's is never ours to remove. */
  createdByAccount?: string;
}

export interface CloudMapService {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  /** HTTP services have no DNS records. */
  type?: 'HTTP' | 'DNS_HTTP' | 'DNS';
  dnsRecords: readonly DnsRecord[];
  routingPolicy?: 'MULTIVALUE' | 'WEIGHTED';
  instanceCount: number;
  createdAt: number;
  tags: Readonly<Record<string, string>>;
  /** false when the tags could not be (or were not) read: nothing that a protect tag could forbid may be done. */
  tagsRead?: boolean;
  /** Instances as listed by ListInstances; undefined when they were not read (tags are read with them). */
  instances?: readonly CloudMapInstance[];
  /** The account that created the service (CreatedByAccount); another account's is never ours to remove. */
  createdByAccount?: string;
  /** The account that owns its namespace (ResourceOwner): where GetOperation must look for its operations. */
  resourceOwner?: string;
}

/**
 * Which part of the fleet a read error covers; the safety contract forbids pruning inside it. The exception is
 * 'scaling-targets': Application Auto Scaling maxima feed only the report-only taskLimit rule, so a failed
 * scaling read (of one cluster's services, or of several clusters' when `cluster` is absent) makes the plan
 * incomplete without forbidding any pruning; no pruning check matches this kind.
 */
export type ReadScope =
  | { kind: 'account' }
  | { kind: 'cluster'; cluster: string }
  | { kind: 'namespace'; namespaceId: string }
  | { kind: 'cloudmap-service'; serviceId: string }
  | { kind: 'scaling-targets'; cluster?: string }
  /** Service Connect history (ListServiceDeployments, DescribeServiceRevisions): dates aliases, never blocks pruning. */
  | { kind: 'service-history'; cluster: string }
  /** Task definitions of a cluster's services (DescribeTaskDefinition): only dnsTtl's drain bound, never blocks pruning. */
  | { kind: 'task-definitions'; cluster: string };

export interface ReadError {
  scope: ReadScope;
  /** "service:Operation", e.g. "ecs:ListServices". */
  operation: string;
  /** AWS error code, e.g. AccessDeniedException. */
  code: string;
  message: string;
  /** The one resource the failed call was about (an ECS service name), when narrower than the scope. */
  resource?: string;
}

export interface Inventory {
  /** When the read finished. */
  observedAt: number;
  account: string;
  region: string;
  clusters: readonly Cluster[];
  /** ACTIVE and DRAINING services of the clusters in scope (plus INACTIVE ones when described by name). */
  services: readonly EcsService[];
  /** RUNNING tasks, plus recently stopped ones that ECS still returns. */
  tasks: readonly EcsTask[];
  namespaces: readonly Namespace[];
  cloudMapServices: readonly CloudMapService[];
  readErrors: readonly ReadError[];
  /** Cloud Map service id -> positive evidence that ECS used it (instances seen, CloudTrail). */
  ownership?: Readonly<Record<string, OwnershipEvidence>>;
  /**
   * "cluster/taskId" -> when DescribeTasks described that task AFTER the instance of that id was listed: only such
   * a read proves the task STOPPED (then it is in `tasks`) or absent. A task that started after its cluster's
   * tasks were listed and registered before the instances were listed is alive, not stale.
   */
  taskRechecks?: Readonly<Record<string, number>>;
  /**
   * Cluster name -> its DescribeClusters counts ("services/running/pending") when the services were last read: a
   * resync by change signals describes the services of a cluster again only when these moved (or in its sweep).
   */
  clusterCounts?: Readonly<Record<string, string>>;
  /**
   * Task definition ARN -> its containers' stop timeouts, for the revisions ECS services registering into Cloud Map
   * run (deployments and task sets); read only where a rule asks (ReadScopePlan.taskDefinitionClusters).
   */
  taskDefinitions?: Readonly<Record<string, TaskDefinitionStops>>;
}

/** ECS attribute names that prove an instance was registered by ECS. */
export const ECS_ATTRIBUTES = {
  cluster: 'ECS_CLUSTER_NAME',
  service: 'ECS_SERVICE_NAME',
  family: 'ECS_TASK_DEFINITION_FAMILY',
} as const;
