/**
 * Drops repeated and out-of-order task events. ECS increments `detail.version` with each task state change
 * and may deliver an event more than once (at-least-once), so an event whose version is not above the
 * highest one seen for that task tells us nothing new. Memory is bounded: the least recently seen tasks are
 * forgotten first; forgetting only costs a redundant (harmless, level-triggered) reconcile.
 */
export class TaskVersionTracker {
  private readonly highest = new Map<string, number>();

  constructor(private readonly capacity: number = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`task version capacity must be a positive integer, got ${capacity}`);
  }

  /** True when an event with this version (or a later one) for the task was already seen. Does not record. */
  isStale(taskArn: string, version: number): boolean {
    const seen = this.highest.get(taskArn);
    return seen !== undefined && version <= seen;
  }

  /** Records that the task's state at `version` was handed on; keeps the highest version. */
  record(taskArn: string, version: number): void {
    const seen = this.highest.get(taskArn);
    // Re-inserting moves the task to the most-recently-used end of the Map's insertion order.
    this.highest.delete(taskArn);
    this.highest.set(taskArn, seen === undefined ? version : Math.max(seen, version));
    while (this.highest.size > this.capacity) {
      const oldest = this.highest.keys().next().value as string;
      this.highest.delete(oldest);
    }
  }

  get size(): number {
    return this.highest.size;
  }
}
