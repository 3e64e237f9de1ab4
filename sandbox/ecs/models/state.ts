/** Indexes over the ECS model and the lookups every operation shares (clusters, services, tasks, definitions). */
import type { CloudMapPort } from '../../core/ports.js';
import type { SandboxContext } from '../../core/types.js';
import { AwsError } from '../../core/errors.js';
import { SortedKeys } from './sorted-keys.js';
import type { HistoryEntry } from './history.js';
import {
  clusterArn,
  taskDefinitionArn,
  type Cluster,
  type Service,
  type Task,
  type TaskDefinition,
  type Tags,
} from './model.js';

export interface EcsOptions {
  /** Source of randomness for task and deployment ids (tests pass a seeded one). */
  random?: () => number;
  /** Virtual time a new task stays PENDING before it is RUNNING (default 1 s). */
  taskStartDelayMs?: number;
  /** How long stopped tasks stay visible to DescribeTasks/ListTasks (default 1 h, as AWS documents). */
  stoppedTaskRetentionMs?: number;
  /** How long a deleted service stays DRAINING before it is INACTIVE (default 2 s). */
  drainMs?: number;
  /**
   * Virtual time a stopping task takes from DEACTIVATING to STOPPED (default 0: at once). Above 0, each third is
   * one state: DEACTIVATING (instances deregistered at its end), STOPPING, DEPROVISIONING.
   */
  taskStopDelayMs?: number;
}

const HEX = '0123456789abcdef';

/** The ECS emulator's state plus lookups that raise the AWS error a missing resource gets. */
export class EcsState {
  readonly clusters = new Map<string, Cluster>();
  readonly clusterNames = new SortedKeys();
  readonly servicesByArn = new Map<string, Service>();
  /** Every task still visible (running, pending, or stopped within the retention period). */
  readonly tasks = new Map<string, Task>();
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  /** Service Connect services per Cloud Map namespace id (ACTIVE only), keyed by service ARN. */
  readonly namespaceServices = new Map<string, SortedKeys>();
  /** Services with work in flight (pending tasks, deployments rolling, draining): the only ones a tick visits. */
  readonly busy = new Set<Service>();
  /** Cloud Map service ids Service Connect created or adopted; AWS says those are ECS's to manage. */
  readonly serviceConnectCreated = new Set<string>();
  /** Every deployment of each service, oldest first (ListServiceDeployments), and the revisions by ARN. */
  readonly serviceHistory = new Map<Service, HistoryEntry[]>();
  readonly revisions = new Map<string, HistoryEntry>();
  /** Stopped tasks in stop order, purged from the head once past retention. */
  readonly stoppedQueue: Task[] = [];
  stoppedHead = 0;
  /** While true (scenario loading) no EventBridge events are published. */
  quiet = false;
  readonly random: () => number;
  readonly taskStartDelayMs: number;
  readonly stoppedTaskRetentionMs: number;
  readonly drainMs: number;
  readonly taskStopDelayMs: number;
  /** Tasks between DEACTIVATING and STOPPED. */
  readonly stopping = new Set<Task>();
  private ipCounter = 0;

  constructor(
    readonly ctx: SandboxContext,
    readonly cloudMap: CloudMapPort,
    options: EcsOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.taskStartDelayMs = options.taskStartDelayMs ?? 1_000;
    this.stoppedTaskRetentionMs = options.stoppedTaskRetentionMs ?? 3_600_000;
    this.drainMs = options.drainMs ?? 2_000;
    this.taskStopDelayMs = options.taskStopDelayMs ?? 0;
  }

  get region(): string {
    return this.ctx.region;
  }

  get account(): string {
    return this.ctx.account;
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** 32 lowercase hex characters, like an ECS task id. */
  newTaskId(): string {
    let id = '';
    for (let i = 0; i < 32; i++) id += HEX[Math.floor(this.random() * 16) & 15];
    return this.tasks.has(id) ? this.newTaskId() : id;
  }

  /** "ecs-svc/" and 19 digits, like the deployment ids ECS puts in startedBy. */
  newDeploymentId(): string {
    let digits = String(1 + Math.floor(this.random() * 9));
    for (let i = 0; i < 18; i++) digits += String(Math.floor(this.random() * 10) % 10);
    return `ecs-svc/${digits}`;
  }

  /** A private address and zone for a new task, distinct per task. */
  nextPlacement(): { ip: string; availabilityZone: string } {
    const n = ++this.ipCounter;
    return {
      ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      availabilityZone: `${this.region}${'abc'[n % 3]}`,
    };
  }

  /** Resolves a cluster name or ARN (default "default") or raises ClusterNotFoundException. */
  requireCluster(ref: unknown): Cluster {
    const cluster = this.findCluster(ref);
    if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  findCluster(ref: unknown): Cluster | undefined {
    if (ref !== undefined && ref !== null && typeof ref !== 'string') {
      throw new AwsError('InvalidParameterException', 'cluster must be a string (a cluster name or ARN).');
    }
    const text = ref || 'default';
    const name = text.startsWith('arn:') ? text.slice(text.lastIndexOf('/') + 1) : text;
    const cluster = this.clusters.get(name);
    if (cluster && text.startsWith('arn:') && cluster.arn !== text) return undefined;
    return cluster;
  }

  createCluster(
    name: string,
    input: {
      tags?: Tags;
      settings?: { name: string; value: string }[];
      serviceConnectDefaults?: { namespace: string };
    } = {},
  ): Cluster {
    const existing = this.clusters.get(name);
    if (existing) return existing;
    const cluster: Cluster = {
      name,
      arn: clusterArn(this.region, this.account, name),
      tags: { ...(input.tags ?? {}) },
      settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      serviceConnectDefaults: input.serviceConnectDefaults,
      services: new Map(),
      activeServiceNames: new SortedKeys(),
      runningTaskIds: new SortedKeys(),
      stoppedTaskIds: new SortedKeys(),
    };
    this.clusters.set(name, cluster);
    this.clusterNames.add(name);
    return cluster;
  }

  /** A service of this cluster by name or ARN, whatever its status. */
  findService(cluster: Cluster, ref: string): Service | undefined {
    if (ref.startsWith('arn:')) {
      const service = this.servicesByArn.get(ref);
      return service && service.cluster === cluster ? service : undefined;
    }
    return cluster.services.get(ref);
  }

  /** A service that can still be changed, or ServiceNotFoundException / ServiceNotActiveException. */
  requireActiveService(cluster: Cluster, ref: unknown): Service {
    if (typeof ref !== 'string' || ref.length === 0)
      throw new AwsError('InvalidParameterException', 'service must be a service name or ARN.');
    const service = this.findService(cluster, ref);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    return service;
  }

  /** A task of this cluster by id or ARN (running, or stopped within retention). */
  findTask(cluster: Cluster, ref: string): Task | undefined {
    const id = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
    const task = this.tasks.get(id);
    if (!task || task.cluster !== cluster) return undefined;
    if (ref.startsWith('arn:') && !ref.includes(`:task/${cluster.name}/`)) return undefined;
    return task;
  }

  registerTaskDefinition(
    input: Omit<TaskDefinition, 'revision' | 'arn' | 'registeredAt'> & { registeredAt?: number },
  ): TaskDefinition {
    const revisions = this.taskDefinitions.get(input.family) ?? [];
    const revision = revisions.length + 1;
    const definition: TaskDefinition = {
      ...input,
      revision,
      arn: taskDefinitionArn(this.region, this.account, input.family, revision),
      registeredAt: input.registeredAt ?? this.now(),
    };
    revisions.push(definition);
    this.taskDefinitions.set(input.family, revisions);
    return definition;
  }

  /** "family", "family:revision" or an ARN; the latest revision when none is named. */
  findTaskDefinition(ref: string): TaskDefinition | undefined {
    const text = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
    if (ref.startsWith('arn:') && !ref.startsWith(`arn:aws:ecs:${this.region}:${this.account}:task-definition/`))
      return undefined;
    const [family, revisionText] = text.split(':');
    const revisions = this.taskDefinitions.get(family);
    if (!revisions?.length) return undefined;
    if (revisionText === undefined) return revisions[revisions.length - 1];
    const revision = Number(revisionText);
    return Number.isInteger(revision) ? revisions[revision - 1] : undefined;
  }

  requireTaskDefinition(ref: unknown): TaskDefinition {
    if (typeof ref !== 'string' || ref.length === 0)
      throw new AwsError('InvalidParameterException', 'taskDefinition must be a family, family:revision or ARN.');
    const definition = this.findTaskDefinition(ref);
    if (!definition)
      throw new AwsError(
        'ClientException',
        `Unable to describe task definition "${ref}": register it first with RegisterTaskDefinition.`,
      );
    return definition;
  }

  namespaceIndex(namespaceId: string): SortedKeys {
    let index = this.namespaceServices.get(namespaceId);
    if (!index) {
      index = new SortedKeys();
      this.namespaceServices.set(namespaceId, index);
    }
    return index;
  }
}
