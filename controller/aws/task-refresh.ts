/**
 * The refresh of one stopped task (an `ecs-task` key, from a STOPPED task-state event): what a dead task can leave
 * wrong is its Cloud Map registrations, so only they are read. ListInstances of each Cloud Map service its ECS
 * service registers into (classic registries; Service Connect's are ECS's to clean up). When one of them still
 * holds its instance, the event itself proves the task STOPPED for a task the cache holds; one it does not hold is
 * described (DescribeTasks after the listing, as the orphan rule requires). One call per registry either way, one
 * more for a task started since the last read whose instance ECS left behind.
 * The ECS service itself is not described again: deployment and service events say when it changes, and the
 * resync's change signals catch what they miss.
 */
import type { CloudMapService, Inventory, ReadError } from '../inventory/model.js';
import { errorInScope, type InventoryPatch } from '../inventory/patch.js';
import { matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { findTask, registriesOf } from '../inventory/facts.js';
import { listInstances } from './cloudmap-reader.js';
import { recheckTasks } from './ecs-reader.js';
import { arnName, type ReadContext } from './read-context.js';
import { refreshCloudMapService, refreshEcsService } from './refresh-reader.js';

/** Refreshes what a stopped task can have left behind; an ECS service the cache does not know is read whole. */
export async function refreshStoppedTask(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  ref: { cluster: string; service: string; task: string },
): Promise<InventoryPatch | undefined> {
  const cluster = current.clusters.find((c) => c.name === ref.cluster || c.arn === ref.cluster);
  const service = cluster && current.services.find((s) => s.clusterName === cluster.name && s.name === ref.service);
  // Not in the cache (new since the last read, or its cluster is): read the service the old way.
  if (!cluster || !service) return refreshEcsService(ctx, scope, current, ref);
  const taskId = arnName(ref.task);
  const byId = new Map(current.cloudMapServices.map((s) => [s.id, s]));
  const registries = [...new Set(registriesOf(service).map((r) => arnName(r.registryArn)))]
    .map((id) => byId.get(id))
    .filter((s): s is CloudMapService => s !== undefined && s.instances !== undefined);
  const updated: CloudMapService[] = [];
  await Promise.all(
    registries.map(async (registry) => {
      const instances = await listInstances(ctx, registry.id, registry.arn || undefined);
      if (instances) updated.push({ ...registry, instances });
    }),
  );
  const listedIds = new Set(updated.map((s) => s.id));
  const clearErrors = (e: ReadError) =>
    e.operation === 'servicediscovery:ListInstances' &&
    [...listedIds].some((id) => errorInScope(e, { kind: 'cloudmap-service', serviceId: id }));
  const cloudMapServices = { remove: (s: CloudMapService) => listedIds.has(s.id), add: updated };
  const stillRegistered = updated.some((s) => s.instances?.some((i) => i.id === taskId));
  if (!stillRegistered || !matches(scope.taskClusters, cluster.name, cluster.arn))
    return { cloudMapServices, clearErrors, errors: ctx.errors };
  // The STOPPED event is ECS's word that this task stopped, and STOPPED is final (a task id never runs again;
  // duplicates and late copies of the event say the same): a task the cache holds is marked STOPPED without
  // asking ECS again. One the cache never saw (started after the last read) is described, as before.
  const cached = findTask(current, taskId, cluster.name);
  if (cached)
    return {
      cloudMapServices,
      tasks: {
        remove: (t) => t.clusterName === cluster.name && t.id === taskId,
        add: [{ ...cached, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }],
      },
      clearErrors,
      errors: ctx.errors,
    };
  const { tasks, answered } = await recheckTasks(ctx, cluster, [taskId]);
  if (!answered.includes(taskId)) return { cloudMapServices, clearErrors, errors: ctx.errors };
  return {
    cloudMapServices,
    tasks: { remove: (t) => t.clusterName === cluster.name && t.id === taskId, add: tasks },
    taskRechecks: { [`${cluster.name}/${taskId}`]: ctx.now() },
    clearErrors,
    errors: ctx.errors,
  };
}

/** The instances of one cached Cloud Map service (ListInstances); a service the cache does not hold is read whole. */
export async function refreshInstances(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  serviceId: string,
): Promise<InventoryPatch | undefined> {
  const cached = current.cloudMapServices.find((s) => s.id === serviceId);
  if (!cached || cached.instances === undefined) return refreshCloudMapService(ctx, scope, current, serviceId);
  const instances = await listInstances(ctx, cached.id, cached.arn || undefined);
  return {
    ...(instances
      ? { cloudMapServices: { remove: (s: CloudMapService) => s.id === serviceId, add: [{ ...cached, instances }] } }
      : {}),
    clearErrors: (e) =>
      e.operation === 'servicediscovery:ListInstances' && errorInScope(e, { kind: 'cloudmap-service', serviceId }),
    errors: ctx.errors,
  };
}
