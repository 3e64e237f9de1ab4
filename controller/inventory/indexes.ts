/**
 * Lookup indexes over an inventory snapshot: built once per snapshot (rules run over thousands of tasks and
 * instances, and a scan per instance would be quadratic), and carried to the next snapshot when a patch lands,
 * changed only where the patch changed the inventory, so an event's plan does not rebuild them over the whole
 * fleet (at 100,000 tasks the task index alone took seconds of allocation).
 */
import type { CloudMapService, EcsTask, Inventory } from './model.js';

/** Key -> list lookups; a carried one is a thin layer over its predecessor's (see LayeredLists). */
export interface ListLookup<T> {
  get(key: string): readonly T[] | undefined;
}

export interface TaskIndex {
  /** Task id -> the tasks with that id (one per cluster at most, in practice). */
  byId: ListLookup<EcsTask>;
  /** "clusterArn|serviceName" -> the service's tasks. */
  byService: ListLookup<EcsTask>;
}

/** Layers stacked before one is flattened into a plain map again (lookups walk at most this many maps). */
const MAX_LAYERS = 16;

/**
 * Lists by key as a stack of layers: a patch adds a layer holding only the keys it changed (null: now empty), so
 * carrying an index costs what the patch changed, not a copy of 100,000 entries; every MAX_LAYERS patches the
 * stack is flattened. Layers below are never changed (an older snapshot may still be planned).
 */
class LayeredLists<T> implements ListLookup<T> {
  private constructor(
    private readonly own: Map<string, readonly T[] | null>,
    private readonly below: LayeredLists<T> | undefined,
    private readonly depth: number,
  ) {}

  static of<T>(map: Map<string, T[]>): LayeredLists<T> {
    return new LayeredLists<T>(map, undefined, 0);
  }

  get(key: string): readonly T[] | undefined {
    for (let layer: LayeredLists<T> | undefined = this; layer; layer = layer.below) {
      const found = layer.own.get(key);
      if (found !== undefined) return found ?? undefined;
    }
    return undefined;
  }

  /** A new layer with `removed` taken out and `added` put in. */
  with(removed: readonly T[], added: readonly T[], key: (item: T) => string | undefined): LayeredLists<T> {
    const own = new Map<string, readonly T[] | null>();
    const current = (k: string) => (own.has(k) ? (own.get(k) ?? []) : (this.get(k) ?? []));
    for (const item of removed) {
      const k = key(item);
      if (k === undefined) continue;
      const rest = current(k).filter((x) => x !== item);
      own.set(k, rest.length > 0 ? rest : null);
    }
    for (const item of added) {
      const k = key(item);
      if (k !== undefined) own.set(k, [...current(k), item]);
    }
    const next = new LayeredLists<T>(own, this, this.depth + 1);
    return next.depth >= MAX_LAYERS ? next.flattened() : next;
  }

  private flattened(): LayeredLists<T> {
    const layers: LayeredLists<T>[] = [];
    for (let layer: LayeredLists<T> | undefined = this; layer; layer = layer.below) layers.unshift(layer);
    const map = new Map<string, readonly T[] | null>();
    for (const layer of layers)
      for (const [k, v] of layer.own) {
        if (v === null) map.delete(k);
        else map.set(k, v);
      }
    return new LayeredLists<T>(map, undefined, 0);
  }
}

const taskIndexes = new WeakMap<Inventory, TaskIndex>();
const cloudMapIndexes = new WeakMap<Inventory, Map<string, CloudMapService>>();

const serviceKey = (t: EcsTask) => `${t.clusterArn}|${t.serviceName}`;

function push<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

/** The snapshot's task index (built on first use). */
export function taskIndex(inventory: Inventory): TaskIndex {
  let index = taskIndexes.get(inventory);
  if (!index) {
    const byId = new Map<string, EcsTask[]>();
    const byService = new Map<string, EcsTask[]>();
    for (const t of inventory.tasks) {
      push(byId, t.id, t);
      if (t.serviceName !== undefined) push(byService, serviceKey(t), t);
    }
    index = { byId: LayeredLists.of(byId), byService: LayeredLists.of(byService) };
    taskIndexes.set(inventory, index);
  }
  return index;
}

/** The snapshot's Cloud Map services by id (built on first use). */
export function cloudMapIndex(inventory: Inventory): Map<string, CloudMapService> {
  let index = cloudMapIndexes.get(inventory);
  if (!index) {
    index = new Map(inventory.cloudMapServices.map((s) => [s.id, s]));
    cloudMapIndexes.set(inventory, index);
  }
  return index;
}

/** What a patch changed, for carrying indexes (undefined: that collection is the same array). */
export interface IndexDelta {
  tasks?: { removed: readonly EcsTask[]; added: readonly EcsTask[] };
  cloudMapServices?: { removed: readonly CloudMapService[]; added: readonly CloudMapService[] };
}

/** Gives `to` (a patch of `from`) the indexes `from` has built, updated by the delta instead of rebuilt. */
export function carryIndexes(from: Inventory, to: Inventory, delta: IndexDelta): void {
  const tasks = taskIndexes.get(from);
  if (tasks) {
    taskIndexes.set(
      to,
      delta.tasks
        ? {
            byId: (tasks.byId as LayeredLists<EcsTask>).with(delta.tasks.removed, delta.tasks.added, (t) => t.id),
            byService: (tasks.byService as LayeredLists<EcsTask>).with(delta.tasks.removed, delta.tasks.added, (t) =>
              t.serviceName === undefined ? undefined : serviceKey(t),
            ),
          }
        : tasks,
    );
  }
  const cloudMap = cloudMapIndexes.get(from);
  if (cloudMap) {
    if (!delta.cloudMapServices) cloudMapIndexes.set(to, cloudMap);
    else {
      const next = new Map(cloudMap);
      for (const s of delta.cloudMapServices.removed) next.delete(s.id);
      for (const s of delta.cloudMapServices.added) next.set(s.id, s);
      cloudMapIndexes.set(to, next);
    }
  }
}
