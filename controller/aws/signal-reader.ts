/**
 * A resync that re-reads only what changed. Cheap change signals say where: DescribeServices of every ECS service
 * (its deployments, running, pending and desired counts, update times, task-set counts) and Cloud Map's
 * ListServices (instance count, creation date, DNS settings, in pages of 100). Tasks are re-read only for ECS
 * services whose signal moved, instances only for Cloud Map services whose count or creation date moved or that a
 * changed ECS service refers to; everything else keeps the objects of the cached inventory (no copy).
 *
 * What signals cannot see (a task replaced one for one while its instance stayed behind and the replacement's
 * failed to register, a tag changed, an autoscaling maximum moved) waits for the next full read, which the cache
 * runs on its own longer schedule and after any read error (controller/inventory/cache.ts).
 */
import type { Cluster, EcsService, EcsTask, Inventory } from '../inventory/model.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import { isEmptyMatcher, matches, planReadScope, type ReadScopePlan } from '../inventory/read-scope.js';
import type { Policy } from '../policy/types.js';
import { registriesOf } from '../inventory/facts.js';
import { collectOwnership, memoryOwnershipSources } from './ownership-reader.js';
import type { AwsClients } from './clients.js';
import { cloudMapSignals, rereadInstances } from './signal-cloudmap.js';
import { readTasks } from './ecs-reader.js';
import { recheckInstanceTasks } from './instance-recheck.js';
import { describeUnlisted, readReferencedCloudMapServices, type InventoryReadOptions } from './inventory-reader.js';
import { arnName, ReadContext } from './read-context.js';
import { keepScalingMaxima } from './scaling-reader.js';
import { readTaskDefinitions } from './task-definition-reader.js';
import { changedEcsServices, ecsServiceKey, type EcsClusterSignals, type Sweep } from './signal-ecs.js';

/** What a signal resync re-read, for logs and the benchmark. */
export interface SignalResyncStats {
  ecsServicesChanged: number;
  cloudMapServicesChanged: number;
  tasksReread: number;
  instancesReread: number;
  /** Up to ten "cluster/service" keys whose tasks were read again, for debug logs. */
  sample: string[];
}

/**
 * Re-reads the tasks of the named services of one cluster: per service (three calls each) or, when that would
 * cost more, the whole cluster's. Returns the cluster's tasks after the re-read.
 */
async function rereadClusterTasks(
  ctx: ReadContext,
  cluster: Cluster,
  names: ReadonlySet<string>,
  cached: readonly EcsTask[],
): Promise<EcsTask[]> {
  if (names.size === 0) return [...cached];
  const running = cached.filter((t) => t.desiredStatus !== 'STOPPED').length;
  const wholeCluster =
    Math.max(1, Math.ceil(running / 100)) +
    Math.max(1, Math.ceil((cached.length - running) / 100)) +
    Math.ceil(cached.length / 100);
  if (names.size * 3 >= wholeCluster) {
    const before = ctx.errors.length;
    const tasks = await readTasks(ctx, cluster);
    return ctx.errors.length > before ? [...cached] : tasks;
  }
  const fresh = await Promise.all(
    [...names].map(async (name) => {
      const before = ctx.errors.length;
      const tasks = await readTasks(ctx, cluster, name);
      const failed = ctx.errors.slice(before).some((e) => e.resource === name);
      return { name, tasks: failed ? undefined : tasks };
    }),
  );
  const replaced = new Set(fresh.filter((f) => f.tasks !== undefined).map((f) => f.name));
  return [
    ...cached.filter((t) => t.serviceName === undefined || !replaced.has(t.serviceName)),
    ...fresh.flatMap((f) => f.tasks ?? []),
  ];
}

/** Cloud Map service ids an ECS service refers to. */
function referencedIds(service: EcsService): string[] {
  return [
    ...registriesOf(service).map((r) => arnName(r.registryArn)),
    ...service.deployments.flatMap((d) => d.serviceConnectResources.map((r) => arnName(r.discoveryArn))),
  ];
}

/**
 * Resyncs `current` by change signals for `policies` (the same target as `current`). The result carries this
 * read's errors only: the cache runs a signal resync only over an inventory without read errors.
 */
export async function resyncBySignals(
  clients: AwsClients,
  policies: readonly Policy[],
  current: Inventory,
  options: InventoryReadOptions & { sweep?: Sweep } = {},
): Promise<{ inventory: Inventory; stats: SignalResyncStats }> {
  const ctx = new ReadContext(clients, options);
  const scope = planReadScope(policies);
  const { sweep, ownership: _ownership, ...readOptions } = options;
  const [ecs, cloudMap] = await Promise.all([
    changedEcsServices(ctx, scope, current, sweep, readOptions),
    cloudMapSignals(ctx, scope, current),
  ]);
  const namespaces = cloudMap.namespaces ?? [...current.namespaces];
  const cloudMapServices = cloudMap.services;
  const cloudMapById = new Map(cloudMapServices.map((s, i) => [s.id, i]));

  // Cross the signals: a changed ECS service's registries get their instances listed again, and the ECS services
  // behind a Cloud Map service whose instances moved (referrers, and names on its instances) get their tasks.
  const instanceIds = new Set(cloudMap.reread);
  for (const service of ecs.changed)
    for (const id of referencedIds(service)) if (cloudMapById.has(id)) instanceIds.add(id);
  const taskKeys = new Set(ecs.changed.map(ecsServiceKey));
  for (const service of ecs.services) {
    if (referencedIds(service).some((id) => cloudMap.reread.has(id))) taskKeys.add(ecsServiceKey(service));
  }
  for (const id of cloudMap.reread) {
    for (const instance of cloudMapServices[cloudMapById.get(id)!]?.instances ?? []) {
      const [clusterName, serviceName] = [
        instance.attributes[ECS_ATTRIBUTES.cluster],
        instance.attributes[ECS_ATTRIBUTES.service],
      ];
      if (clusterName && serviceName) taskKeys.add(`${clusterName}/${serviceName}`);
    }
  }
  const instancesReread = await rereadInstances(ctx, scope, cloudMapServices, instanceIds, namespaces);

  const tasks = await rereadTasks(ctx, scope, ecs, current, taskKeys);
  // Only a DescribeTasks after the instances were listed proves an instance's task stopped or absent.
  const rechecked = await recheckInstanceTasks(
    ctx,
    ecs.clusters,
    tasks.tasks,
    cloudMapServices.filter((s) => instanceIds.has(s.id)),
  );
  const allTasks = rechecked.tasks.length ? [...tasks.tasks, ...rechecked.tasks] : tasks.tasks;
  const unlisted = await describeUnlisted(ctx, scope, {
    clusters: ecs.clusters,
    services: ecs.services,
    tasks: rechecked.tasks.length ? allTasks : tasks.fresh,
    cloudMapServices: cloudMapServices.filter((s) => instanceIds.has(s.id)),
  });
  const services = [...ecs.services, ...keepScalingMaxima(unlisted, current.services)];
  const present = new Set(ecs.services);
  const referenced = await readReferencedCloudMapServices(
    ctx,
    scope,
    ecs.changed.filter((s) => present.has(s)),
    cloudMapServices,
  );
  // A new deployment brings a new revision; those already known (the cache, else the last inventory) cost nothing.
  const taskDefinitions = isEmptyMatcher(scope.taskDefinitionClusters)
    ? undefined
    : await readTaskDefinitions(
        ctx,
        scope,
        services,
        options.taskDefinitions ?? new Map(Object.entries(current.taskDefinitions ?? {})),
      );
  const allCloudMap = referenced.length ? [...cloudMapServices, ...referenced] : cloudMapServices;
  const account = current.account;
  const ownership = isEmptyMatcher(scope.instanceNamespaces)
    ? {}
    : await collectOwnership(
        clients,
        options.ownership ?? memoryOwnershipSources(),
        { account, services, tasks: allTasks, cloudMapServices: allCloudMap },
        ctx.now(),
      );
  ctx.progress(
    `signal resync done: ${ecs.changed.length} ECS services and ${cloudMap.reread.size} Cloud Map services changed, ${ctx.errors.length} read errors`,
  );
  return {
    inventory: {
      ...current,
      observedAt: ctx.now(),
      clusters: ecs.clusters,
      services,
      tasks: allTasks,
      namespaces,
      cloudMapServices: allCloudMap,
      readErrors: ctx.errors,
      ownership,
      taskRechecks: { ...current.taskRechecks, ...rechecked.taskRechecks },
      clusterCounts: ecs.clusterCounts,
      ...(taskDefinitions ? { taskDefinitions } : {}),
    },
    stats: {
      ecsServicesChanged: ecs.changed.length,
      cloudMapServicesChanged: cloudMap.reread.size,
      tasksReread: taskKeys.size,
      instancesReread,
      sample: [...taskKeys].slice(0, 10),
    },
  };
}

/** Tasks after re-reading those of the given "cluster/service" keys (and every task of clusters new to the cache). */
async function rereadTasks(
  ctx: ReadContext,
  scope: ReadScopePlan,
  ecs: EcsClusterSignals,
  current: Inventory,
  keys: ReadonlySet<string>,
): Promise<{ tasks: EcsTask[]; fresh: EcsTask[] }> {
  const cachedByCluster = new Map<string, EcsTask[]>();
  for (const task of current.tasks) {
    const list = cachedByCluster.get(task.clusterName);
    if (list) list.push(task);
    else cachedByCluster.set(task.clusterName, [task]);
  }
  const known = new Set(current.clusters.map((c) => c.name));
  const fresh: EcsTask[] = [];
  const perCluster = await Promise.all(
    ecs.clusters.map(async (cluster) => {
      if (!matches(scope.taskClusters, cluster.name, cluster.arn)) return [];
      const cached = cachedByCluster.get(cluster.name) ?? [];
      if (!known.has(cluster.name)) {
        const tasks = await readTasks(ctx, cluster);
        fresh.push(...tasks);
        return tasks;
      }
      const names = new Set<string>();
      for (const key of keys) if (key.startsWith(`${cluster.name}/`)) names.add(key.slice(cluster.name.length + 1));
      const tasks = await rereadClusterTasks(ctx, cluster, names, cached);
      const old = new Set(cached);
      for (const t of tasks) if (!old.has(t)) fresh.push(t);
      return tasks;
    }),
  );
  return { tasks: perCluster.flat(), fresh };
}
