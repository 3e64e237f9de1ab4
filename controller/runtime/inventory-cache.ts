/**
 * The controller's view of the fleet between reads: the last full Inventory, patched in place by targeted
 * refreshes when events name what changed (level-triggered: a key says where to look, the read says what
 * is there). A full read replaces everything, errors included.
 */
import type { AwsClients } from '../aws/clients.js';
import { readInventory } from '../aws/inventory-reader.js';
import { memoryOwnershipSources, type OwnershipSources } from '../aws/ownership-reader.js';
import type { TaskDefinitionCache } from '../aws/task-definition-reader.js';
import { DEFAULT_READ_CONCURRENCY, ReadContext } from '../aws/read-context.js';
import { resyncBySignals, type SignalResyncStats } from '../aws/signal-reader.js';
import { allClusterCounts } from '../aws/signal-ecs.js';
import { refreshInstances, refreshStoppedTask } from '../aws/task-refresh.js';
import { refreshCloudMapService, refreshCluster, refreshEcsService, refreshNamespace } from '../aws/refresh-reader.js';
import { candidateTagsPatch } from '../aws/candidate-reader.js';
import { cloudMapServicesNeedingTags } from '../rules/tag-candidates.js';
import type { Policy } from '../policy/types.js';
import type { WorkKey } from '../inventory/work-key.js';
import { systemClock } from '../util/clock.js';
import { Semaphore } from '../util/semaphore.js';
import type { Inventory } from '../inventory/model.js';
import { applyPatch, type InventoryPatch } from '../inventory/patch.js';
import { planReadScope, type ReadScopePlan } from '../inventory/read-scope.js';

export interface InventoryCacheOptions {
  clients: AwsClients;
  policies: readonly Policy[];
  /** API calls in flight at once, shared by every refresh running at the same time (default 8). */
  concurrency?: number;
  now?: () => number;
  onProgress?: (msg: string) => void;
  /** Ownership evidence of this target, kept across reads; in memory when absent. */
  ownership?: OwnershipSources;
  /**
   * How long a resync may go by change signals alone (resyncBySignals) before it reads everything again
   * (default DEFAULT_FULL_RESYNC_MS; 0: every resync is a full read).
   */
  fullResyncMs?: number;
}

/** Default period of the full read behind the signal resyncs (`run --full-resync`). */
export const DEFAULT_FULL_RESYNC_MS = 60 * 60_000;

/**
 * A resync by change signals describes the services of clusters whose counts moved, and of one in this many
 * clusters whatever their counts say, in turn: a change the counts hide (a deployment that finished between two
 * resyncs) is seen within this many resyncs, long before the full read.
 */
export const CLUSTER_SWEEP_PARTS = 3;

/** How the last resync read the fleet (for logs, metrics and the benchmark). */
export type ResyncKind = 'full' | 'signals';

/**
 * Holds the last inventory of one target (account and region: the clients'); `full()` re-reads everything,
 * `refresh(keys)` only what the keys name. With policies for several targets, keep one cache per group of
 * controller/aws/targets.ts groupByTarget, each with clientsForTarget's clients.
 */
export class InventoryCache {
  private current: Inventory | undefined;
  private policies: readonly Policy[];
  private scope: ReadScopePlan;
  /** Set when the policies changed, so the next refresh knows the cached scope no longer fits. */
  private scopeChanged = false;
  private readonly limiter: Semaphore;
  private readonly ownership: OwnershipSources;
  /** Task definitions described by earlier reads of this target (revisions are immutable: read each once). */
  private readonly taskDefinitions: TaskDefinitionCache = new Map();
  /** When the last full read started (the full-resync period counts from it). */
  private lastFullAt: number | undefined;
  /** Why the next resync must read everything, when it must (a read error, a policy change). */
  private fullReason: string | undefined = 'first read';
  /** The full read in flight: the old inventory is released while it runs (refreshes wait for it). */
  private reading: Promise<Inventory> | undefined;
  /** Service ARN -> cluster names, kept while a full read runs (events name services by ARN). */
  private servicesWhileReading: Map<string, string[]> | undefined;
  /** Resyncs by change signals so far (which part of the clusters the next one sweeps). */
  private sweeps = 0;
  /** What the last resync() did. */
  lastResync: { kind: ResyncKind; reason?: string; stats?: SignalResyncStats } | undefined;

  constructor(private readonly options: InventoryCacheOptions) {
    this.policies = options.policies;
    this.scope = planReadScope(options.policies);
    this.limiter = new Semaphore(options.concurrency ?? DEFAULT_READ_CONCURRENCY);
    this.ownership = options.ownership ?? memoryOwnershipSources();
  }

  /** The last inventory read, or undefined before the first read. */
  get inventory(): Inventory | undefined {
    return this.current;
  }

  /** New policies may reach new clusters or namespaces: the next refresh becomes a full read. */
  setPolicies(policies: readonly Policy[]): void {
    this.policies = policies;
    this.scope = planReadScope(policies);
    this.scopeChanged = true;
    this.fullReason = 'policies changed';
  }

  /** The next resync reads everything, whatever the change signals say (`reason` is logged with it). */
  requireFullRead(reason: string): void {
    this.fullReason ??= reason;
  }

  private now(): number {
    return (this.options.now ?? systemClock.now)();
  }

  /** The inventory once no full read is in flight (undefined before the first read). */
  async settled(): Promise<Inventory | undefined> {
    while (this.reading) await this.reading.catch(() => undefined);
    return this.current;
  }

  /** Clusters of the ECS services with this ARN that are not INACTIVE, also while a full read runs. */
  clustersOfService(arn: string): string[] {
    if (this.current)
      return this.current.services.filter((s) => s.arn === arn && s.status !== 'INACTIVE').map((s) => s.clusterName);
    return this.servicesWhileReading?.get(arn) ?? [];
  }

  /**
   * Re-reads everything the policies need and replaces the cache (stale read errors go with it). The old
   * inventory is let go while the new one is read, so the two are never held at once (memory: issue #17); plans
   * and refreshes wait for the read.
   */
  full(): Promise<Inventory> {
    this.reading ??= this.readFull().finally(() => {
      this.reading = undefined;
      this.servicesWhileReading = undefined;
    });
    return this.reading;
  }

  private async readFull(): Promise<Inventory> {
    const { clients, now, onProgress } = this.options;
    this.scopeChanged = false;
    this.lastFullAt = this.now();
    this.fullReason = undefined;
    // No local may hold the old inventory across the read: it must be collectable.
    if (this.current) this.servicesWhileReading = servicesByArn(this.current);
    this.current = undefined;
    // The clusters' counts before the read: whatever moves during it shows at the next resync by change signals.
    const counts = await allClusterCounts(clients, { limiter: this.limiter, ...(now ? { now } : {}) });
    const read = await readInventory(clients, this.policies, {
      limiter: this.limiter,
      ownership: this.ownership,
      taskDefinitions: this.taskDefinitions,
      tagCandidates: cloudMapServicesNeedingTags,
      ...(now ? { now } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    const inventory = { ...read, clusterCounts: counts };
    this.current = inventory;
    if (inventory.readErrors.length > 0) this.fullReason = 'read errors';
    return inventory;
  }

  /**
   * The periodic resync: by change signals (controller/aws/signal-reader.ts) over an inventory read without
   * errors, and a full read before the first read, after a policy change, after any read error (a signal that
   * could not be read may hide a change) and once the full-resync period has passed since the last full read.
   */
  async resync(): Promise<Inventory> {
    const reason = this.fullReadReason();
    // No local of this function may hold the old inventory while the full read runs: a suspended async function
    // keeps its locals reachable, and the old inventory must be collectable during the read (issue #17).
    if (reason !== undefined) return this.fullResync(reason);
    return this.resyncBySignals(this.current!);
  }

  /** Why the next resync must read everything, or undefined when change signals will do. */
  private fullReadReason(): string | undefined {
    const base = this.current;
    const period = this.options.fullResyncMs ?? DEFAULT_FULL_RESYNC_MS;
    if (this.fullReason !== undefined) return this.fullReason;
    if (!base || this.scopeChanged) return 'first read';
    if (base.readErrors.length > 0) return 'read errors';
    if (period <= 0 || this.lastFullAt === undefined || this.now() - this.lastFullAt >= period)
      return 'full-resync period';
    return undefined;
  }

  private async fullResync(reason: string): Promise<Inventory> {
    const inventory = await this.full();
    this.lastResync = { kind: 'full', reason };
    return inventory;
  }

  private async resyncBySignals(base: Inventory): Promise<Inventory> {
    const { clients, now, onProgress } = this.options;
    // Each resync also describes a third of the clusters whatever their counts say, in turn.
    this.sweeps += 1;
    const { inventory, stats } = await resyncBySignals(clients, this.policies, base, {
      sweep: { part: this.sweeps % CLUSTER_SWEEP_PARTS, of: CLUSTER_SWEEP_PARTS },
      limiter: this.limiter,
      ownership: this.ownership,
      taskDefinitions: this.taskDefinitions,
      ...(now ? { now } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    // As a full read does, the resync replaces what refreshes patched in meanwhile (it read them again).
    this.current = inventory;
    if (inventory.readErrors.length > 0) this.fullReason = 'read errors';
    this.lastResync = { kind: 'signals', stats };
    // The services it re-read are new objects; the others are the cached ones, judged already.
    const cached = new Set(base.cloudMapServices);
    return this.withCandidateTags(
      inventory,
      new Set(inventory.cloudMapServices.filter((s) => !cached.has(s)).map((s) => s.id)),
    );
  }

  /** The inventory the full read in flight produces; throws if it produced none (it failed). */
  private async afterFullRead(): Promise<Inventory> {
    const inventory = await this.settled();
    if (!inventory) throw new Error('the full read of the fleet failed; the next resync reads everything again');
    return inventory;
  }

  /**
   * After a partial re-read: a service it re-read may now have a finding whose tags no read fetched yet (a full
   * read reads only candidates' tags). Reads them, or the finding would stay blocked until the next full read.
   */
  private async withCandidateTags(inventory: Inventory, touched: ReadonlySet<string>): Promise<Inventory> {
    const ctx = new ReadContext(
      this.options.clients,
      { ...(this.options.now ? { now: this.options.now } : {}) },
      this.limiter,
    );
    const tags = await candidateTagsPatch(
      ctx,
      this.scope,
      this.policies,
      inventory,
      touched,
      cloudMapServicesNeedingTags,
    );
    // A full read in flight reads (and judges) everything again. Another refresh may have landed meanwhile (events
    // of other services at 10 a second): the tags go onto the services as they are now, which keep what that
    // refresh read; dropping them would leave this service blocked as unread until an event touched it again.
    const current = this.current;
    if (!tags || this.reading || !current) return current ?? inventory;
    if (tags.errors.length > 0) this.fullReason = 'read errors';
    this.current = applyPatch(current, onto(current, tags), this.now());
    return this.current;
  }

  /**
   * Applies what a write is known to have changed, without reading (a Cloud Map operation reported SUCCESS).
   * Nothing while a full read runs: it reads the change anyway.
   */
  applyEffect(effect: (inventory: Inventory) => InventoryPatch | undefined): void {
    if (this.reading || !this.current) return;
    const patch = effect(this.current);
    if (patch) this.current = applyPatch(this.current, patch, this.current.observedAt);
  }

  /**
   * Re-reads only what the keys name and merges it into the cached inventory. Falls back to a full read
   * before the first read, after a policy change, or for a `full` key.
   */
  async refresh(keys: readonly WorkKey[]): Promise<Inventory> {
    const base = await this.settled();
    if (!base || this.scopeChanged || keys.some((k) => k.kind === 'full')) return this.full();
    const scope = this.scope;
    const patches = await Promise.all(
      keys.map((key) => {
        // Each key gets its own context so its errors replace only the errors of what it re-read.
        const ctx = new ReadContext(
          this.options.clients,
          { ...(this.options.now ? { now: this.options.now } : {}) },
          this.limiter,
        );
        switch (key.kind) {
          case 'ecs-service':
            return refreshEcsService(ctx, scope, base, key);
          case 'ecs-task':
            return refreshStoppedTask(ctx, scope, base, key);
          case 'cloudmap-instances':
            return refreshInstances(ctx, scope, base, key.serviceId);
          case 'cloudmap-service':
            return refreshCloudMapService(ctx, scope, base, key.serviceId);
          case 'namespace':
            return refreshNamespace(ctx, scope, base, key.namespace);
          case 'cluster':
            return refreshCluster(ctx, scope, base, key.cluster);
          default:
            return undefined;
        }
      }),
    );
    // A full read that started meanwhile reads all of it again, and newer: let it stand. Returned, not awaited
    // here: this function's locals (`base`) must not keep the old inventory reachable while that read runs.
    if (this.reading) return this.afterFullRead();
    // Patches land on whatever is current now (a full read may have finished meanwhile), one at a time.
    let inventory = this.current ?? base;
    const observedAt = this.now();
    for (const patch of patches.filter((p): p is InventoryPatch => p !== undefined))
      inventory = applyPatch(inventory, patch, observedAt);
    this.current = inventory;
    // A refresh that hit a read error leaves a gap no change signal will report: the next resync reads everything.
    if (patches.some((p) => p !== undefined && p.errors.length > 0)) this.fullReason = 'read errors';
    return this.withCandidateTags(
      inventory,
      new Set(patches.flatMap((p) => p?.cloudMapServices?.add.map((s) => s.id) ?? [])),
    );
  }
}

/** A tag patch made from an older inventory, moved onto `current`: only the services' tags change. */
function onto(current: Inventory, tags: InventoryPatch): InventoryPatch {
  const read = new Map((tags.cloudMapServices?.add ?? []).map((s) => [s.id, s]));
  const add = current.cloudMapServices
    .filter((s) => read.has(s.id))
    .map((s) => ({ ...s, tags: read.get(s.id)!.tags, tagsRead: read.get(s.id)!.tagsRead }));
  return { ...tags, cloudMapServices: { remove: (s) => read.has(s.id), add } };
}

/** Service ARN -> the clusters of its services that are not INACTIVE. */
function servicesByArn(inventory: Inventory): Map<string, string[]> {
  const byArn = new Map<string, string[]>();
  for (const s of inventory.services)
    if (s.status !== 'INACTIVE') byArn.set(s.arn, [...(byArn.get(s.arn) ?? []), s.clusterName]);
  return byArn;
}
