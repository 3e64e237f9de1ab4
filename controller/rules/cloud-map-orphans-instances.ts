/**
 * What the cloudMapOrphans rule can establish about a Cloud Map service's instances and referrers from the
 * inventory alone: whether an instance's task is proven gone, which read errors forbid touching it, and which
 * ECS services the actuator must describe again before a deletion.
 */
import {
  ECS_ATTRIBUTES,
  type CloudMapInstance,
  type CloudMapService,
  type Inventory,
  type ReadError,
} from '../inventory/model.js';
import { clusterTaskState, findTask, isEcsRegistered, isOtherAccount, isTaskAlive } from '../inventory/facts.js';

/** What we could establish about one instance of a Cloud Map service. */
export type InstanceState =
  | { kind: 'foreign' }
  | { kind: 'alive' }
  | { kind: 'orphan'; why: string }
  | { kind: 'unknown'; why: string; readError: boolean };

/**
 * An instance is stale only when its task is proven STOPPED, or proven absent by a DescribeTasks made after the
 * instance was listed (a task that started after its cluster's tasks were listed is alive, not missing).
 * Another account's registration is never ours, whatever its attributes say.
 */
export function instanceState(inventory: Inventory, instance: CloudMapInstance): InstanceState {
  if (!isEcsRegistered(instance) || isOtherAccount(inventory, instance.createdByAccount)) return { kind: 'foreign' };
  const clusterName = instance.attributes[ECS_ATTRIBUTES.cluster];
  const task = findTask(inventory, instance.id, clusterName);
  if (task && isTaskAlive(task)) return { kind: 'alive' };
  const state = clusterTaskState(inventory, clusterName);
  if (state === 'error')
    return { kind: 'unknown', why: `the tasks of cluster ${clusterName} could not be read`, readError: true };
  if (state === 'unknown') return { kind: 'unknown', why: `cluster ${clusterName} was not read`, readError: false };
  if (task) return { kind: 'orphan', why: `task ${task.id} is ${task.lastStatus}` };
  if (inventory.taskRechecks?.[`${clusterName}/${instance.id}`] === undefined) {
    return {
      kind: 'unknown',
      why: `task ${instance.id} was not described after the instance was listed`,
      readError: false,
    };
  }
  return { kind: 'orphan', why: `task ${instance.id} is not in cluster ${clusterName}` };
}

/** Read errors that forbid touching instances of this service (its own cluster is checked per instance). */
export function instanceReadError(inventory: Inventory, service: CloudMapService): ReadError | undefined {
  return inventory.readErrors.find(
    (e) =>
      e.scope.kind === 'account' ||
      (e.scope.kind === 'namespace' && e.scope.namespaceId === service.namespaceId) ||
      (e.scope.kind === 'cloudmap-service' && e.scope.serviceId === service.id),
  );
}

/**
 * The ECS services that could still refer to a Cloud Map service, as its instances and ownership evidence name
 * them: the actuator describes them again just before deleting (a plan made from a cache is a proposal).
 */
export function namedReferrers(
  inventory: Inventory,
  service: CloudMapService,
): { ecsServices?: { cluster: string; service: string }[] } {
  const names = new Map<string, { cluster: string; service: string }>();
  for (const instance of service.instances ?? []) {
    const cluster = instance.attributes[ECS_ATTRIBUTES.cluster];
    const name = instance.attributes[ECS_ATTRIBUTES.service];
    if (cluster && name) names.set(`${cluster}/${name}`, { cluster, service: name });
  }
  for (const n of inventory.ownership?.[service.id]?.ecsServices ?? [])
    names.set(`${n.cluster}/${n.service}`, { cluster: n.cluster, service: n.service });
  return names.size ? { ecsServices: [...names.values()] } : {};
}
