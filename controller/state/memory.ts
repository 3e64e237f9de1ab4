/**
 * `--state memory`: the state store in this process's memory (plan, the demo, tests, one replica that accepts
 * forgetting grace clocks on restart). Same conditions as the DynamoDB store, so tests of the lease protocol
 * run against either.
 */
import {
  FenceLostError,
  type Fence,
  type JournalEntry,
  type Lease,
  type LeaseStore,
  type OwnershipEvidence,
  type StateStore,
} from './types.js';

/** How long finished journal entries are kept (the DynamoDB store lets its TTL expire them). */
export const JOURNAL_RETENTION_MS = 7 * 24 * 3600_000;

class MemoryLeases implements LeaseStore {
  readonly rows = new Map<string, Lease>();

  async list(): Promise<Lease[]> {
    return [...this.rows.values()].map((l) => ({ ...l }));
  }

  async create(target: string, now: number): Promise<void> {
    if (!this.rows.has(target))
      this.rows.set(target, { target, counter: 0, fencingToken: 0, heartbeatAt: now, expiresAt: now });
  }

  async take(seen: Lease, owner: string, now: number, durationMs: number): Promise<Lease | undefined> {
    const row = this.rows.get(seen.target);
    if (!row || row.counter !== seen.counter || row.owner !== seen.owner) return undefined;
    const { handoffTo: _cleared, ...rest } = row;
    const next: Lease = {
      ...rest,
      owner,
      counter: row.counter + 1,
      fencingToken: row.fencingToken + 1,
      heartbeatAt: now,
      expiresAt: now + durationMs,
    };
    this.rows.set(seen.target, next);
    return { ...next };
  }

  async renew(held: Lease, now: number, durationMs: number): Promise<Lease | undefined> {
    const row = this.rows.get(held.target);
    if (!row || row.owner !== held.owner || row.fencingToken !== held.fencingToken) return undefined;
    const next: Lease = { ...row, counter: row.counter + 1, heartbeatAt: now, expiresAt: now + durationMs };
    this.rows.set(held.target, next);
    return { ...next };
  }

  async release(held: Lease): Promise<boolean> {
    const row = this.rows.get(held.target);
    if (!row || row.owner !== held.owner || row.fencingToken !== held.fencingToken) return false;
    const { handoffTo: _cleared, ...rest } = row;
    this.rows.set(held.target, { ...rest, owner: undefined, counter: row.counter + 1 });
    return true;
  }

  async requestHandoff(seen: Lease, to: string): Promise<boolean> {
    const row = this.rows.get(seen.target);
    if (!row || row.counter !== seen.counter || row.owner !== seen.owner || !row.owner) return false;
    this.rows.set(seen.target, { ...row, handoffTo: to });
    return true;
  }

  async declineHandoff(held: Lease): Promise<boolean> {
    const row = this.rows.get(held.target);
    if (!row || row.owner !== held.owner || row.fencingToken !== held.fencingToken) return false;
    const { handoffTo: _cleared, ...rest } = row;
    this.rows.set(held.target, rest);
    return true;
  }

  async transfer(held: Lease, to: string, now: number, durationMs: number): Promise<boolean> {
    const row = this.rows.get(held.target);
    if (!row || row.owner !== held.owner || row.fencingToken !== held.fencingToken) return false;
    const { handoffTo: _cleared, ...rest } = row;
    this.rows.set(held.target, {
      ...rest,
      owner: to,
      counter: row.counter + 1,
      fencingToken: row.fencingToken + 1,
      heartbeatAt: now,
      expiresAt: now + durationMs,
    });
    return true;
  }

  holds(fence: Fence): boolean {
    const row = this.rows.get(fence.target);
    return row !== undefined && row.owner === fence.owner && row.fencingToken === fence.fencingToken;
  }
}

/** The in-memory state store. */
export class MemoryStateStore implements StateStore {
  readonly description = 'memory';
  readonly leases = new MemoryLeases();
  private readonly clocks = new Map<string, Map<string, number>>();
  private readonly evidenceByTarget = new Map<string, Map<string, OwnershipEvidence>>();
  private readonly pending = new Map<string, Map<string, JournalEntry>>();
  private readonly finished = new Map<string, JournalEntry[]>();
  private readonly counters = new Map<string, number>();
  private readonly inbox = new Map<string, string[]>();

  async graceClocks(target: string): Promise<Map<string, number>> {
    return new Map(this.clocks.get(target) ?? []);
  }

  async updateGraceClocks(target: string, set: ReadonlyMap<string, number>, removed: readonly string[]): Promise<void> {
    const clocks = this.clocks.get(target) ?? new Map<string, number>();
    for (const key of removed) clocks.delete(key);
    for (const [key, at] of set) clocks.set(key, at);
    this.clocks.set(target, clocks);
  }

  async evidence(target: string): Promise<Map<string, OwnershipEvidence>> {
    return new Map(
      [...(this.evidenceByTarget.get(target) ?? new Map<string, OwnershipEvidence>())].map(([k, v]) => [k, { ...v }]),
    );
  }

  async recordEvidence(target: string, items: readonly OwnershipEvidence[]): Promise<void> {
    const known = this.evidenceByTarget.get(target) ?? new Map<string, OwnershipEvidence>();
    for (const item of items) {
      const old = known.get(item.serviceId);
      known.set(item.serviceId, old ? mergeEvidence(old, item) : { ...item });
    }
    this.evidenceByTarget.set(target, known);
  }

  async journalIntent(fence: Fence, entry: JournalEntry): Promise<void> {
    if (!this.leases.holds(fence)) throw new FenceLostError(fence);
    const pending = this.pending.get(fence.target) ?? new Map<string, JournalEntry>();
    pending.set(entry.id, { ...entry });
    this.pending.set(fence.target, pending);
  }

  async journalOutcome(
    fence: Fence,
    id: string,
    outcome: NonNullable<JournalEntry['outcome']>,
    operationId?: string,
  ): Promise<void> {
    if (!this.leases.holds(fence)) throw new FenceLostError(fence);
    const pending = this.pending.get(fence.target);
    const entry = pending?.get(id);
    if (!pending || !entry) return;
    const next: JournalEntry = { ...entry, outcome, ...(operationId ? { operationId } : {}) };
    if (outcome.result === 'submitted') {
      pending.set(id, next);
      return;
    }
    pending.delete(id);
    const done = (this.finished.get(fence.target) ?? []).filter(
      (e) => e.outcome!.at > outcome.at - JOURNAL_RETENTION_MS,
    );
    done.push(next);
    this.finished.set(fence.target, done);
  }

  async pendingJournal(target: string): Promise<JournalEntry[]> {
    return [...(this.pending.get(target)?.values() ?? [])]
      .map((e) => ({ ...e }))
      .sort((a, b) => a.intentAt - b.intentAt);
  }

  async recentJournal(target: string, since: number): Promise<JournalEntry[]> {
    return (this.finished.get(target) ?? []).filter((e) => e.intentAt >= since).map((e) => ({ ...e }));
  }

  async addToCounter(
    target: string,
    name: string,
    windowStart: number,
    amount: number,
    limit: number,
  ): Promise<{ added: boolean; count: number }> {
    const key = JSON.stringify([target, name, windowStart]);
    const count = this.counters.get(key) ?? 0;
    if (count + amount > limit) return { added: false, count };
    this.counters.set(key, count + amount);
    return { added: true, count: count + amount };
  }

  async counter(target: string, name: string, windowStart: number): Promise<number> {
    return this.counters.get(JSON.stringify([target, name, windowStart])) ?? 0;
  }

  async postKeys(target: string, keys: readonly string[]): Promise<void> {
    this.inbox.set(target, [...(this.inbox.get(target) ?? []), ...keys]);
  }

  async takeKeys(target: string): Promise<string[]> {
    const keys = this.inbox.get(target) ?? [];
    this.inbox.delete(target);
    return keys;
  }

  close(): void {}
}

/** Two sightings of the same service: the earliest first sighting and the latest last one. */
export function mergeEvidence(a: OwnershipEvidence, b: OwnershipEvidence): OwnershipEvidence {
  const newer = b.lastSeenAt >= a.lastSeenAt ? b : a;
  const source = newer.source ?? a.source ?? b.source;
  const ecsServices = newer.ecsServices ?? a.ecsServices ?? b.ecsServices;
  return {
    serviceId: a.serviceId,
    ...((b.namespaceId ?? a.namespaceId) ? { namespaceId: b.namespaceId ?? a.namespaceId } : {}),
    firstSeenAt: Math.min(a.firstSeenAt, b.firstSeenAt),
    lastSeenAt: Math.max(a.lastSeenAt, b.lastSeenAt),
    ...(source ? { source } : {}),
    ...(ecsServices ? { ecsServices } : {}),
  };
}
