/**
 * A targeted change to a cached Inventory: for each collection, which items a re-read supersedes and what
 * replaces them, plus which read errors it supersedes. Applying one is synchronous, so concurrent
 * refreshes each land whole.
 */
import type { Cluster, CloudMapService, EcsService, EcsTask, Inventory, Namespace, ReadError } from './model.js';
import { carryReferenceIndex } from './facts.js';
import { carryIndexes } from './indexes.js';

export interface Replacement<T> {
  /** True for items the re-read covered (they are dropped, then `add` is appended). */
  remove: (item: T) => boolean;
  add: readonly T[];
}

export interface InventoryPatch {
  clusters?: Replacement<Cluster>;
  services?: Replacement<EcsService>;
  tasks?: Replacement<EcsTask>;
  namespaces?: Replacement<Namespace>;
  cloudMapServices?: Replacement<CloudMapService>;
  /** Errors of earlier reads that this read covered again (they are replaced by `errors`). */
  clearErrors: (error: ReadError) => boolean;
  errors: readonly ReadError[];
  /** "cluster/taskId" -> when a DescribeTasks after the instances were listed answered for that task. */
  taskRechecks?: Readonly<Record<string, number>>;
}

/** The items after the replacement, and (when asked to) the items it removed. */
function replace<T>(items: readonly T[], replacement: Replacement<T> | undefined, removed?: T[]): readonly T[] {
  if (!replacement) return items;
  const kept: T[] = [];
  for (const item of items) {
    if (!replacement.remove(item)) kept.push(item);
    else removed?.push(item);
  }
  for (const item of replacement.add) kept.push(item);
  return kept;
}

/** Returns a new Inventory with the patch applied; the input is left untouched (callers may still hold it). */
export function applyPatch(inventory: Inventory, patch: InventoryPatch, observedAt: number): Inventory {
  const removedTasks: EcsTask[] = [];
  const removedCloudMap: CloudMapService[] = [];
  const next: Inventory = {
    ...inventory,
    observedAt,
    clusters: replace(inventory.clusters, patch.clusters),
    services: replace(inventory.services, patch.services),
    tasks: replace(inventory.tasks, patch.tasks, removedTasks),
    namespaces: replace(inventory.namespaces, patch.namespaces),
    cloudMapServices: replace(inventory.cloudMapServices, patch.cloudMapServices, removedCloudMap),
    readErrors: [...inventory.readErrors.filter((e) => !patch.clearErrors(e)), ...patch.errors],
    ...(patch.taskRechecks ? { taskRechecks: { ...inventory.taskRechecks, ...patch.taskRechecks } } : {}),
  };
  // The next plan looks things up in the new snapshot: update the old one's indexes by what changed.
  carryIndexes(inventory, next, {
    ...(patch.tasks ? { tasks: { removed: removedTasks, added: patch.tasks.add } } : {}),
    ...(patch.cloudMapServices
      ? { cloudMapServices: { removed: removedCloudMap, added: patch.cloudMapServices.add } }
      : {}),
  });
  carryReferenceIndex(inventory, next);
  return next;
}

/** The snapshot with its ownership evidence replaced, keeping its lookup indexes (a plain copy would rebuild them). */
export function withOwnership(inventory: Inventory, ownership: NonNullable<Inventory['ownership']>): Inventory {
  const next: Inventory = { ...inventory, ownership };
  carryIndexes(inventory, next, {});
  carryReferenceIndex(inventory, next);
  return next;
}

/** True when the error is about this scope. */
export function errorInScope(error: ReadError, scope: ReadError['scope']): boolean {
  const s = error.scope;
  switch (scope.kind) {
    case 'account':
      return s.kind === 'account';
    case 'cluster':
      return s.kind === 'cluster' && s.cluster === scope.cluster;
    case 'namespace':
      return s.kind === 'namespace' && s.namespaceId === scope.namespaceId;
    case 'cloudmap-service':
      return s.kind === 'cloudmap-service' && s.serviceId === scope.serviceId;
    case 'scaling-targets':
      return s.kind === 'scaling-targets' && s.cluster === scope.cluster;
    case 'service-history':
      return s.kind === 'service-history' && s.cluster === scope.cluster;
    case 'task-definitions':
      return s.kind === 'task-definitions' && s.cluster === scope.cluster;
  }
}

/**
 * What a deregistration Cloud Map reported done changed: the service without that instance (undefined when the
 * inventory does not hold it). Applied instead of listing the instances again.
 */
export function withoutInstance(
  inventory: Inventory,
  serviceId: string,
  instanceId: string,
): InventoryPatch | undefined {
  const service = inventory.cloudMapServices.find((s) => s.id === serviceId);
  if (!service?.instances?.some((i) => i.id === instanceId)) return undefined;
  const instances = service.instances.filter((i) => i.id !== instanceId);
  return {
    cloudMapServices: { remove: (s) => s.id === serviceId, add: [{ ...service, instances }] },
    clearErrors: () => false,
    errors: [],
  };
}
