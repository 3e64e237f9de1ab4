/**
 * The controller's per-target state. Policies may name another region and/or an account (roleArn); each
 * target (controller/aws/targets.ts groupByTarget) gets its own clients, inventory cache, actuator and
 * reconciler (plan, grace-period clocks), so a policy is only ever evaluated against, and only ever acts
 * on, the fleet of the account and region it names. The default target always exists and uses the
 * controller's own clients; other targets' clients come from an injectable factory and are destroyed when
 * no policy uses their target any more.
 */
import { Actuator } from '../actuator/actuator.js';
import type { AwsClientOptions, AwsClients } from '../aws/clients.js';
import { clientsForTarget, groupByTarget, type ReadTarget } from '../aws/targets.js';
import { InventoryCache } from './inventory-cache.js';
import type { PolicySet } from '../policy/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import { RecentActions } from '../telemetry/status.js';
import type { Clock } from '../util/clock.js';
import type { LeaseCoordinator } from '../state/leases.js';
import { TargetState } from '../state/target-state.js';
import { StateEvidenceStore } from '../state/evidence-store.js';
import { memoryOwnershipSources } from '../aws/ownership-reader.js';
import { StoreDeletionLedger } from './deletion-ledger.js';
import type { StateStore } from '../state/types.js';
import { MemoryDeletionLedger } from '../plan/deletion-budget.js';
import { errorText, TargetProgress, type PlanTarget } from './plan-and-apply.js';

/** Clients for a target other than the controller's own; the controller destroys them when done with them. */
export type TargetClientsFactory = (target: ReadTarget) => AwsClients;

/** The default factory: targets.ts's clientsForTarget (assumed-role credentials for roleArn targets). */
export function defaultTargetClients(defaults: AwsClients, base: AwsClientOptions = {}): TargetClientsFactory {
  return (target) => clientsForTarget(defaults, target, base).clients;
}

/** Everything the controller keeps for one target: what plan-and-apply works with, and its clients. */
export interface TargetRuntime extends PlanTarget {
  clients: AwsClients;
  /** The hourly deletion budget's ledger in the state store (its memory is dropped when the lease moves away). */
  ledger?: { reset(): void };
  /** Ownership evidence in the state store (its cache is dropped when the lease moves away). */
  evidence?: { reset(): void };
  /** When a later policy revision added this target (readiness counts from then); unset for the first set's. */
  addedAt?: number;
}

export interface TargetRuntimesDeps {
  /** The controller's own clients: the default target's. */
  defaults: AwsClients;
  clientsFor: TargetClientsFactory;
  logger: Logger;
  metrics: ControllerMetrics;
  timers: Clock;
  dryRun: boolean;
  /** AWS read calls in flight at once per target (its cache's full reads and refreshes share them). */
  readConcurrency?: number;
  /** How often a resync reads everything instead of following change signals (InventoryCache fullResyncMs). */
  fullResyncMs?: number;
  stopSignal: AbortSignal;
  /** The state store and this replica's leases: each target's writes are journaled under its lease. */
  state?: { store: StateStore; leases: LeaseCoordinator };
}

/** A target whose clients could not be made: its policies wait, visibly, until a retry succeeds. */
export interface UnavailableTarget {
  target: ReadTarget;
  set: PolicySet;
  error: { at: number; message: string };
}

interface Entry extends TargetRuntime {
  owned: boolean;
  /** Reads or plans in flight on this target's clients. */
  busy: number;
  retired: boolean;
}

/** Per-target runtimes, regrouped whenever the policy set changes. */
export class TargetRuntimes {
  readonly recentActions = new RecentActions();
  private readonly entries = new Map<string, Entry>();
  private readonly unavailable = new Map<string, UnavailableTarget>();

  constructor(private readonly deps: TargetRuntimesDeps) {}

  /** Key of the controller's own target (its region, no role). */
  get defaultKey(): string {
    return this.deps.defaults.region;
  }

  /** Regroups the policies by target: kept targets keep their cache and grace clocks, gone ones are retired. */
  update(set: PolicySet): void {
    const groups = groupByTarget(set.policies, this.defaultKey);
    // The default target always exists, with no policies if need be, so event keys and an empty set behave.
    if (!groups.some((g) => g.target.isDefault))
      groups.unshift({ target: { key: this.defaultKey, region: this.defaultKey, isDefault: true }, policies: [] });
    const keep = new Set(groups.map((g) => g.target.key));
    const addedAt = this.entries.size > 0 ? this.deps.timers.now() : undefined;
    for (const key of this.unavailable.keys()) if (!keep.has(key)) this.unavailable.delete(key);
    for (const [key, entry] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      entry.retired = true;
      this.destroyIfIdle(entry);
      this.deps.logger.info(
        { target: key },
        'no policy targets this account and region any more; its clients are released',
      );
    }
    for (const group of groups) {
      const targetSet: PolicySet = { ...set, policies: group.policies };
      const existing = this.entries.get(group.target.key);
      if (existing) {
        existing.set = targetSet;
        existing.cache.setPolicies(group.policies);
        continue;
      }
      this.unavailable.delete(group.target.key);
      this.add(group.target, targetSet, addedAt);
    }
  }

  /** Targets whose clients could not be made, with why. */
  unavailableTargets(): readonly UnavailableTarget[] {
    return [...this.unavailable.values()];
  }

  /** Tries again to make clients for the targets that have none; returns those still without. */
  retryUnavailable(): readonly UnavailableTarget[] {
    for (const { target, set } of [...this.unavailable.values()]) {
      this.unavailable.delete(target.key);
      this.add(target, set, this.deps.timers.now());
    }
    return this.unavailableTargets();
  }

  /**
   * Creates a target's runtime. A factory that throws must not stop the policy watcher, and its policies must
   * never fall back to the controller's own clients (that would act on the wrong account): the target is
   * kept aside as unavailable, reported, and retried on the next full reconcile.
   */
  private add(target: ReadTarget, set: PolicySet, addedAt: number | undefined): void {
    try {
      const entry = this.create(target, set);
      if (addedAt !== undefined) entry.addedAt = addedAt;
      this.entries.set(target.key, entry);
    } catch (error) {
      const message = `cannot make AWS clients for target ${target.region}${target.roleArn ? ` as ${target.roleArn}` : ''}: ${errorText(error)}`;
      this.unavailable.set(target.key, { target, set, error: { at: this.deps.timers.now(), message } });
      this.deps.logger.error(
        { target: target.key, err: message },
        'policies of this target are not reconciled until its clients can be made',
      );
    }
  }

  /** Every target, the default first. */
  list(): readonly TargetRuntime[] {
    return [...this.entries.values()];
  }

  /** The runtime of a target key, if a policy (or the default) still uses it. */
  find(key: string | undefined): TargetRuntime | undefined {
    return this.entries.get(key ?? this.defaultKey);
  }

  /**
   * Runs `work` with the target's clients held: a target retired meanwhile (policy set changed) has its
   * clients destroyed only after the last holder is done, never under a read or write in flight.
   */
  async use<T>(runtime: TargetRuntime, work: () => Promise<T>): Promise<T> {
    const entry = runtime as Entry;
    entry.busy += 1;
    try {
      return await work();
    } finally {
      entry.busy -= 1;
      this.destroyIfIdle(entry);
    }
  }

  /** Releases every target's own clients (the controller's are its caller's to destroy). */
  close(): void {
    for (const entry of this.entries.values()) {
      entry.retired = true;
      this.destroyIfIdle(entry);
    }
    this.entries.clear();
    this.unavailable.clear();
  }

  private create(target: ReadTarget, set: PolicySet): Entry {
    const { deps } = this;
    let clients = deps.defaults;
    let owned = false;
    if (!target.isDefault) {
      clients = deps.clientsFor(target);
      owned = true;
      deps.logger.info(
        { target: target.key, region: target.region, roleArn: target.roleArn },
        'policies target another account or region: using clients of their own',
      );
    }
    // AWS's time is measured against the controller's timers, so a moved test clock and AWS's agree.
    clients.clock?.follow(deps.timers);
    const awsClock = clients.clock ?? deps.timers;
    const now = () => awsClock.now();
    const logger = target.isDefault ? deps.logger : deps.logger.child({ target: target.key });
    const leases = deps.state?.leases;
    const state = deps.state
      ? new TargetState({
          store: deps.state.store,
          target: target.key,
          fence: () => leases!.fence(target.key),
          heldFence: () => leases!.heldFence(target.key),
          clock: awsClock,
          logger,
        })
      : undefined;
    const actuator = new Actuator({
      clients,
      logger,
      clock: deps.timers,
      dryRun: deps.dryRun,
      metrics: deps.metrics,
      ...(state ? { journal: state } : {}),
    });
    const ledger = deps.state ? new StoreDeletionLedger(deps.state.store, target.key) : undefined;
    // With a state store, ownership evidence (read or found in CloudTrail) outlives the process and the lease.
    const evidence = deps.state ? new StateEvidenceStore(deps.state.store, target.key) : undefined;
    const cache = new InventoryCache({
      clients,
      policies: set.policies,
      now,
      ...(deps.readConcurrency ? { concurrency: deps.readConcurrency } : {}),
      ...(deps.fullResyncMs !== undefined ? { fullResyncMs: deps.fullResyncMs } : {}),
      ...(evidence ? { ownership: { ...memoryOwnershipSources(), store: evidence } } : {}),
    });
    return {
      target,
      set,
      clients,
      cache,
      actuator,
      awsClock,
      progress: new TargetProgress(),
      // With a state store the hourly deletion budget survives restarts and lease moves.
      deletionLedger: ledger ?? new MemoryDeletionLedger(),
      ...(state ? { state } : {}),
      ...(ledger ? { ledger } : {}),
      ...(evidence ? { evidence } : {}),
      owned,
      busy: 0,
      retired: false,
    };
  }

  private destroyIfIdle(entry: Entry): void {
    if (!entry.retired || entry.busy > 0 || !entry.owned) return;
    entry.owned = false; // destroy once
    try {
      entry.clients.destroy();
    } catch (error) {
      this.deps.logger.warn(
        { target: entry.target.key, err: errorText(error) },
        'destroying the clients of a retired target failed',
      );
    }
  }
}
