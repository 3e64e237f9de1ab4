/**
 * The hourly deletion budget kept in the state store (`--state dynamodb://…`): windowed counters a restarted
 * replica, or the next owner of the target's lease, reads back, so neither a restart nor a lease move resets
 * the budget. Counted in 10-minute windows; "the last hour" is read as the last seven windows (60 to 70
 * minutes), which errs on the side of counting more.
 */
import { HOUR_MS, MemoryDeletionLedger, type DeletionLedger, type RecentDeletions } from '../plan/deletion-budget.js';
import type { StateStore } from '../state/types.js';

const WINDOW_MS = 10 * 60_000;
const KINDS: readonly (keyof RecentDeletions)[] = ['services', 'instances'];

const counterName = (namespaceId: string, kind: keyof RecentDeletions) => `deletions/${namespaceId}/${kind}`;

/** A ledger over the state store's counters, read once per namespace and then kept in memory as well. */
export class StoreDeletionLedger implements DeletionLedger {
  private memory = new MemoryDeletionLedger();
  private loaded = new Set<string>();

  constructor(private readonly store: StateStore, private readonly target: string) {}

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
    await this.store.addToCounter(this.target, counterName(namespaceId, kind), Math.floor(at / WINDOW_MS) * WINDOW_MS, count, Number.MAX_SAFE_INTEGER);
  }
}
