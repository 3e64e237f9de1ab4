/**
 * The hourly deletion budget kept in the state store (`--state dynamodb://…`): windowed counters a restarted
 * replica, or the next owner of the target's lease, reads back, so neither a restart nor a lease move resets
 * the budget. Counted in 10-minute windows; "the last hour" is read as the last seven windows (60 to 70
 * minutes), which errs on the side of counting more.
 */
import { HOUR_MS, MemoryDeletionLedger, type DeletionLedger, type RecentDeletions } from '../plan/deletion-budget.js';
import type { ActionOutcome } from '../actuator/types.js';
import type { Inventory } from '../inventory/model.js';
import { actionSpec } from '../model/actions.js';
import type { StateStore } from '../state/types.js';

const WINDOW_MS = 10 * 60_000;
const KINDS: readonly (keyof RecentDeletions)[] = ['services', 'instances'];

const counterName = (namespaceId: string, kind: keyof RecentDeletions) => `deletions/${namespaceId}/${kind}`;

/** A ledger over the state store's counters, read once per namespace and then kept in memory as well. */
export class StoreDeletionLedger implements DeletionLedger {
  private memory = new MemoryDeletionLedger();
  private loaded = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly target: string,
  ) {}

  async recent(namespaceIds: readonly string[], now: number): Promise<ReadonlyMap<string, RecentDeletions>> {
    for (const namespaceId of namespaceIds) {
      if (this.loaded.has(namespaceId)) continue;
      const first = Math.floor((now - HOUR_MS) / WINDOW_MS) * WINDOW_MS;
      for (let start = first; start <= now; start += WINDOW_MS) {
        for (const kind of KINDS) {
          const count = await this.store.counter(this.target, counterName(namespaceId, kind), start);
          // Dated at the window's end, so it stays counted for at least an hour after the deletions.
          await this.memory.record(namespaceId, kind, count, Math.min(start + WINDOW_MS, now));
        }
      }
      this.loaded.add(namespaceId);
    }
    return this.memory.recent(namespaceIds, now);
  }

  reset(): void {
    this.memory = new MemoryDeletionLedger();
    this.loaded = new Set();
  }

  async record(namespaceId: string, kind: keyof RecentDeletions, count: number, at: number): Promise<void> {
    if (count <= 0) return;
    await this.memory.record(namespaceId, kind, count, at);
    await this.store.addToCounter(
      this.target,
      counterName(namespaceId, kind),
      Math.floor(at / WINDOW_MS) * WINDOW_MS,
      count,
      Number.MAX_SAFE_INTEGER,
    );
  }
}

/** Counts the deletions an apply executed or submitted, per namespace, toward the hourly budget. */
export async function recordDeletions(
  ledger: DeletionLedger,
  applied: readonly ActionOutcome[],
  inventory: Inventory,
  at: number,
): Promise<void> {
  const counts = new Map<string, { services: number; instances: number }>();
  for (const outcome of applied) {
    const { action } = outcome;
    // Only a deletion this apply sent counts: an operation still in flight from an earlier pass
    // ('operation-pending') or one found already done was counted (or never sent) before, and counting it at
    // every pass would trip the sanity guard on a single slow deregistration.
    const sent =
      (outcome.result === 'success' && outcome.reason === undefined) ||
      (outcome.result === 'pending' && outcome.reason === 'operation-submitted');
    if (!sent) continue;
    const deletes = actionSpec(action).deletes;
    if (!deletes) continue;
    const serviceId = deletes.serviceId(action);
    const namespaceId = inventory.cloudMapServices.find((s) => s.id === serviceId)?.namespaceId ?? '';
    const count = counts.get(namespaceId) ?? { services: 0, instances: 0 };
    count[deletes.kind] += 1;
    counts.set(namespaceId, count);
  }
  for (const [namespaceId, count] of counts) {
    await ledger.record(namespaceId, 'services', count.services, at);
    await ledger.record(namespaceId, 'instances', count.instances, at);
  }
}
