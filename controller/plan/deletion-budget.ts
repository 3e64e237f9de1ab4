/**
 * The deletions each namespace had in the last hour, so the sanity guard and the operator's hourly budget
 * (--max-deletions-per-hour) hold across runs and policy revisions: a sequence of revisions that each delete a
 * little cannot empty a namespace faster than the budget. Behind a small interface: in memory (a restart
 * forgets the last hour, so it can allow at most one more hour's budget), or in the state store's windowed
 * counters with `--state dynamodb://…` (runtime/deletion-ledger.ts), which restarts and new owners read.
 */

export const HOUR_MS = 3_600_000;

/** Deletions of each kind in one namespace. */
export interface RecentDeletions {
  services: number;
  instances: number;
}

/** Where executed deletions are remembered. */
export interface DeletionLedger {
  /** Deletions per namespace id (of those asked for) in the hour before `now`; namespaces with none may be absent. */
  recent(namespaceIds: readonly string[], now: number): Promise<ReadonlyMap<string, RecentDeletions>>;
  /** Records executed (or submitted) deletions in a namespace. */
  record(namespaceId: string, kind: keyof RecentDeletions, count: number, at: number): Promise<void>;
  /** Forgets what is cached (the target's lease was regained: another replica may have deleted meanwhile). */
  reset?(): void;
}

/** The ledger in memory: deletion times per namespace, forgotten after an hour. */
export class MemoryDeletionLedger implements DeletionLedger {
  private readonly events = new Map<string, { kind: keyof RecentDeletions; at: number; count: number }[]>();

  async recent(namespaceIds: readonly string[], now: number): Promise<ReadonlyMap<string, RecentDeletions>> {
    const out = new Map<string, RecentDeletions>();
    const wanted = new Set(namespaceIds);
    for (const [namespaceId, events] of this.events) {
      const kept = events.filter((e) => e.at > now - HOUR_MS);
      if (kept.length === 0) {
        this.events.delete(namespaceId);
        continue;
      }
      this.events.set(namespaceId, kept);
      if (!wanted.has(namespaceId)) continue;
      const sum: RecentDeletions = { services: 0, instances: 0 };
      for (const e of kept) sum[e.kind] += e.count;
      out.set(namespaceId, sum);
    }
    return out;
  }

  async record(namespaceId: string, kind: keyof RecentDeletions, count: number, at: number): Promise<void> {
    if (count <= 0) return;
    this.events.set(namespaceId, [...(this.events.get(namespaceId) ?? []), { kind, at, count }]);
  }
}

/** Total deletions of a namespace's record. */
export function totalOf(recent: RecentDeletions | undefined): number {
  return recent ? recent.services + recent.instances : 0;
}
