/**
 * The ECS half of a signal resync (signal-reader.ts): list the clusters and each cluster's service ARNs, describe
 * every service (10 per call, without Service Connect history), and tell which services changed since the cache
 * was read by their task signal: status, counts, deployments (id, status, rollout, counts, update time, task
 * definition), task sets (id, status, counts) and registries. Unchanged services keep their cached object.
 */
import type { Cluster, EcsService, Inventory } from '../inventory/model.js';
import { isEmptyMatcher, matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { registriesOf } from '../inventory/facts.js';
import { describeServices, listClusters, listServiceArns, readClusterServices } from './ecs-reader.js';
import { withServiceConnectHistory } from './ecs-history-reader.js';
import type { ReadContext } from './read-context.js';
import { keepScalingMaxima } from './scaling-reader.js';

/** The ECS services after the signal read, and those whose tasks must be read again. */
export interface EcsClusterSignals {
  /** Clusters in scope as listed now (the cached ones when ListClusters failed). */
  clusters: Cluster[];
  services: EcsService[];
  /** New, changed and vanished services (a vanished one as cached, so its tasks are dropped with the re-read). */
  changed: EcsService[];
}

/** "cluster/service", the key tasks and instances name an ECS service by. */
export const ecsServiceKey = (s: Pick<EcsService, 'clusterName' | 'name'>) => `${s.clusterName}/${s.name}`;

/** What, when it moves, means the service's tasks (and so its registrations) may have changed. */
export function taskSignal(s: EcsService): string {
  return JSON.stringify([
    s.status, s.desiredCount, s.runningCount,
    s.deployments.map((d) => [d.id, d.status, d.rolloutState, d.desiredCount, d.runningCount, d.pendingCount, d.updatedAt, d.taskDefinition]),
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
async function clusterSignals(ctx: ReadContext, cluster: Cluster, cached: readonly EcsService[]): Promise<{ services: EcsService[]; changed: EcsService[] }> {
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
  return { ...(old.serviceConnectHistory ? { serviceConnectHistory: old.serviceConnectHistory } : {}), ...(old.maxCount !== undefined ? { maxCount: old.maxCount } : {}) };
}

/** Lists clusters and services, describes every service and compares each with the cache. */
export async function changedEcsServices(ctx: ReadContext, scope: ReadScopePlan, current: Inventory): Promise<EcsClusterSignals> {
  if (isEmptyMatcher(scope.serviceClusters) && isEmptyMatcher(scope.taskClusters)) return { clusters: [], services: [], changed: [] };
  const before = ctx.errors.length;
  const listed = await listClusters(ctx);
  if (ctx.errors.length > before) return { clusters: [...current.clusters], services: [...current.services], changed: [] };
  const clusters = listed.filter((c) => matches(scope.serviceClusters, c.name, c.arn) || matches(scope.taskClusters, c.name, c.arn));
  const cachedByCluster = new Map<string, EcsService[]>();
  for (const s of current.services) {
    const list = cachedByCluster.get(s.clusterName);
    if (list) list.push(s);
    else cachedByCluster.set(s.clusterName, [s]);
  }
  const known = new Set(current.clusters.map((c) => c.name));
  const perCluster = await Promise.all(clusters.map(async (cluster) => {
    if (!matches(scope.serviceClusters, cluster.name, cluster.arn)) return { services: [], changed: [] };
    // A cluster new to the cache is read whole, as a full read would.
    if (!known.has(cluster.name)) {
      const services = await readClusterServices(ctx, cluster);
      return { services, changed: services };
    }
    return clusterSignals(ctx, cluster, cachedByCluster.get(cluster.name) ?? []);
  }));
  // A cluster that is gone takes its services with it (their tasks go with the cluster's).
  return { clusters, services: perCluster.flatMap((p) => p.services), changed: perCluster.flatMap((p) => p.changed) };
}
