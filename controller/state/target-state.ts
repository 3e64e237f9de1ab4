/**
 * One target's durable state as its reconciler uses it: grace clocks and ownership evidence loaded when this
 * replica gains the target's lease and written back as they change, and the action journal (intent before
 * each write, outcome after, both fenced by the lease) with what a successor needs: Cloud Map operations still
 * to follow (the actuator's follower looks them up and journals their end), and redeploys already asked for.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../inventory/model.js';
import { isEcsRegistered, latestDeploymentAt } from '../inventory/facts.js';
import type { Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import { FenceLostError, type Fence, type JournalEntry, type OwnershipEvidence, type StateStore } from './types.js';

/**
 * Evidence is re-written at most this often per service (its first sighting never changes): daily keeps the
 * table's writes at about one per service and day (bench/leases.ts), while "last seen" stays meaningful.
 */
const EVIDENCE_REFRESH_MS = 24 * 3600_000;
/** Finished journal entries read at lease gain: redeploys asked for this recently are not asked for again. */
const JOURNAL_LOOKBACK_MS = 24 * 3600_000;

/** What the actuator journals about one write. */
export interface JournaledWrite {
  action: string;
  resource: string;
  findingKey: string;
  policy: string;
}

export interface TargetStateDeps {
  store: StateStore;
  target: string;
  /** The fence of this replica's lease on the target, or undefined when it does not hold it (now). */
  fence: () => Fence | undefined;
  /** The fence of a lease still held but being handed over (outcomes of writes in flight may still be written). */
  heldFence?: () => Fence | undefined;
  clock: Clock;
  logger: Logger;
}

/** Durable state of one target, loaded on lease gain. */
export class TargetState {
  /** False until loaded since the lease was (re)gained: the reconciler loads before planning. */
  loaded = false;
  private savedClocks = new Map<string, number>();
  private knownEvidence = new Map<string, OwnershipEvidence>();
  /** Resource -> latest intent time of a redeploy journaled by any owner. */
  private redeploys = new Map<string, number>();
  /** ECS service resource -> its latest deployment in the inventory the current plan was made from. */
  private planView = new Map<string, number>();
  private writesInFlight = 0;
  private readonly inFlightIds = new Set<string>();

  constructor(private readonly deps: TargetStateDeps) {}

  get target(): string {
    return this.deps.target;
  }

  /** Journaled writes between intent and outcome now (a lease handoff waits for none). */
  inFlight(): number {
    return this.writesInFlight;
  }

  /** Forgets what was loaded (lease lost): the next gain reads the table again. */
  reset(): void {
    this.loaded = false;
  }

  /**
   * Reads clocks, evidence and the journal; returns the clocks to plan with: the table's only. Clocks this
   * replica kept from an earlier hold of the lease may be stale (the orphan went away and came back under
   * another owner), and the earlier of the two would hasten a deletion; a clock the table lacks restarts, which
   * only delays one.
   */
  async load(): Promise<Map<string, number>> {
    const { store, target, clock } = this.deps;
    const [clocks, evidence, pending, recent] = await Promise.all([
      store.graceClocks(target),
      store.evidence(target),
      store.pendingJournal(target),
      store.recentJournal(target, clock.now() - JOURNAL_LOOKBACK_MS),
    ]);
    this.savedClocks = new Map(clocks);
    this.knownEvidence = evidence;
    this.redeploys = new Map();
    for (const entry of [...recent, ...pending]) {
      if (
        entry.action === 'ecs:ForceNewDeployment' &&
        entry.outcome?.result !== 'skipped' &&
        entry.outcome?.result !== 'failed'
      )
        this.noteRedeploy(entry.resource, entry.intentAt);
    }
    this.loaded = true;
    this.deps.logger.info(
      { target, graceClocks: clocks.size, evidence: evidence.size, pendingJournal: pending.length },
      'loaded the target state',
    );
    return clocks;
  }

  /** Ownership evidence known for the target (Cloud Map service id -> first and last sighting). */
  evidence(): ReadonlyMap<string, OwnershipEvidence> {
    return this.knownEvidence;
  }

  /** Writes the grace clocks that changed since the last save and deletes the ones that ended. */
  async saveClocks(next: ReadonlyMap<string, number>): Promise<void> {
    const set = new Map<string, number>();
    for (const [key, at] of next) if (this.savedClocks.get(key) !== at) set.set(key, at);
    const removed = [...this.savedClocks.keys()].filter((key) => !next.has(key));
    if (set.size === 0 && removed.length === 0) return;
    await this.deps.store.updateGraceClocks(this.deps.target, set, removed);
    this.savedClocks = new Map(next);
  }

  /** Records Cloud Map services seen holding ECS-registered instances (new ones, and old ones daily). */
  async recordEvidence(inventory: Inventory, now: number): Promise<void> {
    const items: OwnershipEvidence[] = [];
    for (const service of inventory.cloudMapServices) {
      if (!service.instances?.some(isEcsRegistered)) continue;
      const known = this.knownEvidence.get(service.id);
      if (known && now - known.lastSeenAt < EVIDENCE_REFRESH_MS) continue;
      const item = {
        serviceId: service.id,
        namespaceId: service.namespaceId,
        firstSeenAt: known?.firstSeenAt ?? now,
        lastSeenAt: now,
      };
      items.push(item);
      this.knownEvidence.set(service.id, item);
    }
    if (items.length > 0) await this.deps.store.recordEvidence(this.deps.target, items);
  }

  /** Remembers which deployments the plan about to be applied knew of (see lastRedeployIntent). */
  setPlanView(inventory: Inventory): void {
    this.planView = new Map();
    for (const service of inventory.services)
      this.planView.set(`ecs-service/${service.arn}`, latestDeploymentAt(service) ?? 0);
  }

  /**
   * A journaled redeploy of this resource that the plan's inventory did not show yet (made by a previous owner
   * or before the cache caught up): the actuator skips when AWS shows a deployment since. A redeploy the plan
   * already saw is the rule's to weigh (cooldown), so it is not returned.
   */
  lastRedeployIntent(resource: string): number | undefined {
    const at = this.redeploys.get(resource);
    if (at === undefined) return undefined;
    return at > (this.planView.get(resource) ?? 0) ? at : undefined;
  }

  /** Writes an intent; throws FenceLostError when the lease is no longer this replica's. */
  async intent(write: JournaledWrite): Promise<string> {
    const fence = this.deps.fence();
    if (!fence) throw new FenceLostError({ target: this.deps.target, owner: 'none', fencingToken: 0 });
    const intentAt = this.deps.clock.now();
    const id = `${intentAt}-${randomUUID().slice(0, 8)}`;
    await this.deps.store.journalIntent(fence, {
      id,
      ...write,
      owner: fence.owner,
      fencingToken: fence.fencingToken,
      intentAt,
    });
    this.writesInFlight += 1;
    this.inFlightIds.add(id);
    if (write.action === 'ecs:ForceNewDeployment') this.noteRedeploy(write.resource, intentAt);
    return id;
  }

  /** Records a write's outcome ("submitted" with an OperationId: a Cloud Map operation the next passes follow). */
  async outcome(
    id: string,
    result: 'success' | 'failed' | 'skipped' | 'submitted',
    reason?: string,
    operationId?: string,
  ): Promise<void> {
    if (this.inFlightIds.delete(id)) this.writesInFlight -= 1;
    // Written under the lease as it was at the intent, even while a handoff waits for this very outcome.
    const fence = this.deps.fence() ?? this.deps.heldFence?.();
    if (!fence) throw new FenceLostError({ target: this.deps.target, owner: 'none', fencingToken: 0 });
    await this.deps.store.journalOutcome(
      fence,
      id,
      { result, ...(reason ? { reason } : {}), at: this.deps.clock.now() },
      operationId,
    );
  }

  /**
   * Settles the journal's pending entries that need no AWS call: an intent without outcome (its writer died
   * mid-write) is closed as interrupted, and the plan, which re-reads AWS, decides again; a finished entry left
   * in the pending set is moved out. Returns the entries whose Cloud Map operation is still to follow, this
   * replica's or a previous owner's: the actuator's operation follower looks them up and journals their end.
   */
  async settlePending(): Promise<JournalEntry[]> {
    const submitted: JournalEntry[] = [];
    for (const entry of await this.deps.store.pendingJournal(this.deps.target)) {
      if (entry.outcome?.result === 'submitted' && entry.operationId) {
        submitted.push(entry);
      } else if (entry.outcome && entry.outcome.result !== 'submitted') {
        // Finished, but its writer stopped before moving it out of the pending set.
        await this.outcome(entry.id, entry.outcome.result, entry.outcome.reason, entry.operationId);
      } else if (!entry.outcome) {
        await this.outcome(entry.id, 'skipped', `interrupted: written by ${entry.owner}, the next plan re-reads AWS`);
        this.deps.logger.warn(
          { target: this.deps.target, resource: entry.resource, action: entry.action, owner: entry.owner },
          'a write was interrupted before its outcome was journaled',
        );
      }
    }
    return submitted;
  }

  private noteRedeploy(resource: string, at: number): void {
    this.redeploys.set(resource, Math.max(at, this.redeploys.get(resource) ?? 0));
  }
}
