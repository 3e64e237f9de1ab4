/**
 * The ECS half of a signal resync (signal-reader.ts): list the clusters and each cluster's service ARNs, describe
 * every service (10 per call, without Service Connect history), and tell which services changed since the cache
 * was read by their task signal: status, counts, deployments (id, status, rollout, counts, update time, task
 * definition), task sets (id, status, counts) and registries. Unchanged services keep their cached object.
 */
import type { Cluster, EcsService, Inventory } from '../inventory/model.js';
import { isEmptyMatcher, matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { registriesOf } from '../inventory/facts.js';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { describeServices, listClusters, listServiceArns, readClusterServices } from './ecs-reader.js';
import { withServiceConnectHistory } from './ecs-history-reader.js';
import { chunk, ReadContext, type ReadOptions } from './read-context.js';
import type { AwsClients } from './clients.js';
import { keepScalingMaxima } from './scaling-reader.js';

/** The ECS services after the signal read, and those whose tasks must be read again. */
export interface EcsClusterSignals {
  /** Clusters in scope as listed now (the cached ones when ListClusters failed). */
  clusters: Cluster[];
  services: EcsService[];
  /** New, changed and vanished services (a vanished one as cached, so its tasks are dropped with the re-read). */
  changed: EcsService[];
  /** The clusters' counts now, for the next resync (undefined where they could not be read). */
  clusterCounts: Record<string, string>;
}

/** Which part of the clusters a resync describes whatever their counts say (see changedEcsServices). */
export interface Sweep {
  part: number;
  of: number;
}

/**
 * DescribeClusters counts ("services/running/pending") of the given clusters, 100 per call, in a context of its own:
 * a count that cannot be read only means its cluster's services are described, so its failure is no read error.
 */
export async function clusterCounts(
  clients: AwsClients,
  clusters: readonly { arn: string; name: string }[],
  options: ReadOptions = {},
): Promise<Record<string, string>> {
  const ctx = new ReadContext(clients, options);
  const counts: Record<string, string> = {};
  await Promise.all(
    chunk(
      clusters.map((c) => c.arn),
      100,
    ).map(async (batch) => {
      const out = await ctx.call({ kind: 'account' }, 'ecs:DescribeClusters', () =>
        clients.ecs.send(new DescribeClustersCommand({ clusters: batch })),
      );
      for (const c of out?.clusters ?? []) {
        if (c.clusterName)
          counts[c.clusterName] =
            `${c.activeServicesCount ?? '?'}/${c.runningTasksCount ?? '?'}/${c.pendingTasksCount ?? '?'}`;
      }
    }),
  );
  return counts;
}

/** The counts of every cluster in the account and region (ListClusters, then DescribeClusters), taken before a full read. */
export async function allClusterCounts(
  clients: AwsClients,
  options: ReadOptions = {},
): Promise<Record<string, string>> {
  const ctx = new ReadContext(clients, options);
  const clusters = await listClusters(ctx);
  return ctx.errors.length > 0 ? {} : clusterCounts(clients, clusters, options);
}

/** "cluster/service", the key tasks and instances name an ECS service by. */
export const ecsServiceKey = (s: Pick<EcsService, 'clusterName' | 'name'>) => `${s.clusterName}/${s.name}`;

/** What, when it moves, means the service's tasks (and so its registrations) may have changed. */
export function taskSignal(s: EcsService): string {
  return JSON.stringify([
    s.status,
    s.desiredCount,
    s.runningCount,
    s.deployments.map((d) => [
      d.id,
      d.status,
      d.rolloutState,
      d.desiredCount,
      d.runningCount,
      d.pendingCount,
      d.updatedAt,
      d.taskDefinition,
    ]),
    (s.taskSets ?? []).map((t) => [t.id, t.status, t.computedDesiredCount, t.runningCount, t.pendingCount]),
    registriesOf(s).map((r) => r.registryArn),
  ]);
}

/** The record without what DescribeServices does not carry (history is read apart, the maximum from autoscaling). */
function described(s: EcsService): string {
  const { serviceConnectHistory: _history, maxCount: _max, ...rest } = s;
  return JSON.stringify(rest);
}

/** Signals of one cluster already in the cache. */
async function clusterSignals(
  ctx: ReadContext,
  cluster: Cluster,
  cached: readonly EcsService[],
): Promise<{ services: EcsService[]; changed: EcsService[] }> {
  const before = ctx.errors.length;
  const arns = await listServiceArns(ctx, cluster);
  if (!arns) return { services: [...cached], changed: [] };
  // DRAINING and INACTIVE services the cache found by name are not listed: describe them again too.
  const refs = new Set(arns);
  for (const s of cached) refs.add(s.arn);
  const fresh = await describeServices(ctx, cluster, [...refs], undefined, { history: false });
  const describeFailed = ctx.errors.length > before;
  const byArn = new Map(cached.map((s) => [s.arn, s]));
  const services: EcsService[] = [];
  const changedFresh: EcsService[] = [];
  const changed: EcsService[] = [];
  const seen = new Set<string>();
  for (const service of fresh) {
    seen.add(service.arn);
    const old = byArn.get(service.arn);
    if (old && taskSignal(old) === taskSignal(service)) {
      // Same tasks: keep the cached object (and its history and maximum) unless something else moved (tags...).
      services.push(described(old) === described(service) ? old : { ...service, ...carried(old) });
      continue;
    }
    changedFresh.push(service);
  }
  const withHistory = keepScalingMaxima(await withServiceConnectHistory(ctx, cluster, changedFresh), cached);
  services.push(...withHistory);
  changed.push(...withHistory);
  for (const old of cached) {
    if (seen.has(old.arn)) continue;
    // Not described: gone (MISSING), unless the describe failed, which proves nothing.
    if (describeFailed) services.push(old);
    else changed.push(old);
  }
  return { services, changed };
}

function carried(old: EcsService): Partial<EcsService> {
  return {
    ...(old.serviceConnectHistory ? { serviceConnectHistory: old.serviceConnectHistory } : {}),
    ...(old.maxCount !== undefined ? { maxCount: old.maxCount } : {}),
  };
}

/**
 * Lists clusters, reads their counts (DescribeClusters, 100 clusters a call), and for each cluster whose counts moved
 * since its services were read, or that is in this resync's sweep (a part of the clusters, in turn, so a change the
 * counts hide, such as a finished deployment, is seen within `sweep.of` resyncs), lists and describes its services
 * and compares each with the cache. The other clusters keep their cached services.
 */
export async function changedEcsServices(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  sweep: Sweep = { part: 0, of: 1 },
  options: ReadOptions = {},
): Promise<EcsClusterSignals> {
  if (isEmptyMatcher(scope.serviceClusters) && isEmptyMatcher(scope.taskClusters))
    return { clusters: [], services: [], changed: [], clusterCounts: {} };
  const before = ctx.errors.length;
  const listed = await listClusters(ctx);
  if (ctx.errors.length > before)
    return { clusters: [...current.clusters], services: [...current.services], changed: [], clusterCounts: {} };
  const clusters = listed.filter(
    (c) => matches(scope.serviceClusters, c.name, c.arn) || matches(scope.taskClusters, c.name, c.arn),
  );
  const counts = await clusterCounts(ctx.clients, clusters, options);
  const order = [...clusters].map((c) => c.name).sort();
  const cachedByCluster = new Map<string, EcsService[]>();
  for (const s of current.services) {
    const list = cachedByCluster.get(s.clusterName);
    if (list) list.push(s);
    else cachedByCluster.set(s.clusterName, [s]);
  }
  const known = new Set(current.clusters.map((c) => c.name));
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      if (!matches(scope.serviceClusters, cluster.name, cluster.arn)) return { services: [], changed: [] };
      // A cluster new to the cache is read whole, as a full read would.
      if (!known.has(cluster.name)) {
        const services = await readClusterServices(ctx, cluster);
        return { services, changed: services };
      }
      const cached = cachedByCluster.get(cluster.name) ?? [];
      const was = current.clusterCounts?.[cluster.name];
      const inSweep = order.indexOf(cluster.name) % sweep.of === sweep.part % sweep.of;
      if (!inSweep && was !== undefined && was === counts[cluster.name]) return { services: [...cached], changed: [] };
      return clusterSignals(ctx, cluster, cached);
    }),
  );
  // A cluster that is gone takes its services with it (their tasks go with the cluster's).
  return {
    clusters,
    services: perCluster.flatMap((p) => p.services),
    changed: perCluster.flatMap((p) => p.changed),
    clusterCounts: counts,
  };
}
