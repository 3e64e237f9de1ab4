/**
 * The controller's durable state, behind one interface so `--state memory` (plan, the demo, tests) and
 * `--state dynamodb://TABLE` (production) behave the same: target leases (KCL-style: owner, counter, fencing
 * token, conditional writes), grace clocks, ownership evidence, an action journal and windowed counters
 * (deletion budgets). Every method names the target (account × region, the ReadTarget key) it belongs to.
 */

/** One target's lease row. */
export interface Lease {
  /** The target key (controller/aws/targets.ts ReadTarget.key). */
  target: string;
  /** Replica id holding it; undefined: free. */
  owner?: string;
  /** Bumped by every take and every renewal (KCL's leaseCounter): a taker sees an owner alive by it moving. */
  counter: number;
  /** Bumped only when the owner changes; journal writes are conditional on it (the fence). */
  fencingToken: number;
  /** A replica that asked for this lease to even the spread; the owner hands it over once no write is in flight. */
  handoffTo?: string;
  /** The owner's clock at its last renewal and when it means the lease to end (informational: takers use `counter`). */
  heartbeatAt: number;
  expiresAt: number;
}

/** What a replica proves it holds when it writes: journal writes fail once another replica took the lease. */
export interface Fence {
  target: string;
  owner: string;
  fencingToken: number;
}

/** The lease table: conditional writes only; every method returns undefined/false when its condition failed. */
export interface LeaseStore {
  /** Every lease row. */
  list(): Promise<Lease[]>;
  /** Creates a free lease row unless one exists. */
  create(target: string, now: number): Promise<void>;
  /** Takes a lease still exactly as read (same counter and owner): new owner, fencing token + 1. */
  take(seen: Lease, owner: string, now: number, durationMs: number): Promise<Lease | undefined>;
  /** Renews a lease this replica holds (same owner and fencing token): counter + 1, new heartbeat and expiry. */
  renew(held: Lease, now: number, durationMs: number): Promise<Lease | undefined>;
  /** Gives a held lease up (shutdown): the next replica takes it without waiting for it to expire. */
  release(held: Lease): Promise<boolean>;
  /** Asks the owner of a lease still exactly as read to hand it over (balancing); the counter does not move. */
  requestHandoff(seen: Lease, to: string): Promise<boolean>;
  /** Declines a handoff request on a held lease (the spread is even already): the request is cleared. */
  declineHandoff(held: Lease): Promise<boolean>;
  /** Hands a held lease to another replica: new owner, fencing token + 1, the request cleared. */
  transfer(held: Lease, to: string, now: number, durationMs: number): Promise<boolean>;
}

/** A Cloud Map service seen holding ECS-registered instances: positive evidence that ECS used it. */
export interface OwnershipEvidence {
  serviceId: string;
  namespaceId?: string;
  /** First and last time this controller saw it holding ECS-registered instances (epoch ms). */
  firstSeenAt: number;
  lastSeenAt: number;
  /** How ECS's use was seen ("instances-seen", "cloudtrail") and the ECS services named, when known. */
  source?: string;
  ecsServices?: readonly { cluster: string; service: string }[];
}

/** One entry of the action journal: intent written before a write, outcome after. */
export interface JournalEntry {
  id: string;
  /** The action type ("ecs:ForceNewDeployment", "cloudmap:DeregisterInstance"...) and the resource it writes. */
  action: string;
  resource: string;
  findingKey: string;
  policy: string;
  /** The replica and fencing token that wrote the intent. */
  owner: string;
  fencingToken: number;
  intentAt: number;
  /** Set once the write ended: the result, and a Cloud Map OperationId still to follow ("submitted"). */
  outcome?: { result: 'success' | 'failed' | 'skipped' | 'submitted'; reason?: string; at: number };
  operationId?: string;
}

/** Thrown by journal writes when the fence no longer holds: another replica owns the target now. */
export class FenceLostError extends Error {
  constructor(readonly fence: Fence) {
    super(
      `lease of target ${fence.target} is no longer held by ${fence.owner} with fencing token ${fence.fencingToken}`,
    );
    this.name = 'FenceLostError';
  }
}

/** Everything the controller keeps across restarts and replicas. */
export interface StateStore {
  /** "memory" or "dynamodb://TABLE", for logs and /status. */
  readonly description: string;
  readonly leases: LeaseStore;

  /** Grace clocks of a target: finding key -> when it was first seen. */
  graceClocks(target: string): Promise<Map<string, number>>;
  /** Writes the clocks that changed and deletes the ones no longer seen. */
  updateGraceClocks(target: string, set: ReadonlyMap<string, number>, removed: readonly string[]): Promise<void>;

  /** Ownership evidence of a target, by Cloud Map service id. */
  evidence(target: string): Promise<Map<string, OwnershipEvidence>>;
  /** Records (or extends) evidence; the earliest firstSeenAt wins. */
  recordEvidence(target: string, items: readonly OwnershipEvidence[]): Promise<void>;

  /** Writes an intent; throws FenceLostError when the fence no longer holds (nothing is written then). */
  journalIntent(fence: Fence, entry: JournalEntry): Promise<void>;
  /** Records an entry's outcome (pending until then); throws FenceLostError like journalIntent. */
  journalOutcome(
    fence: Fence,
    id: string,
    outcome: NonNullable<JournalEntry['outcome']>,
    operationId?: string,
  ): Promise<void>;
  /** Entries of a target whose outcome is missing or "submitted" (a Cloud Map operation still to follow). */
  pendingJournal(target: string): Promise<JournalEntry[]>;
  /** Finished entries of a target since `since` (most recent last), e.g. to know a redeploy already happened. */
  recentJournal(target: string, since: number): Promise<JournalEntry[]>;

  /**
   * Adds `amount` to a windowed counter (e.g. deletions in a namespace this hour) unless the sum would exceed
   * `limit`; returns whether it was added and the count after. Atomic across replicas.
   */
  addToCounter(
    target: string,
    name: string,
    windowStart: number,
    amount: number,
    limit: number,
  ): Promise<{ added: boolean; count: number }>;
  /** A windowed counter's value (0 when never written). */
  counter(target: string, name: string, windowStart: number): Promise<number>;

  /** Leaves work keys (JSON) for the target's lease holder: an event another replica received. */
  postKeys(target: string, keys: readonly string[], at: number): Promise<void>;
  /** Takes (reads and deletes) the keys left for the target, oldest first. */
  takeKeys(target: string): Promise<string[]>;

  close(): void;
}
