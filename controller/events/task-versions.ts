/**
 * Drops repeated and out-of-order task events. ECS increments `detail.version` with each task state change
 * and may deliver an event more than once (at-least-once), so an event whose version is not above the
 * highest one seen for that task tells us nothing new. Memory is bounded: the least recently seen tasks are
 * forgotten first; forgetting only costs a redundant (harmless, level-triggered) reconcile.
 *
 * Versions are not trusted blindly: anyone who can put a message on the queue (or a buggy producer) could send
 * a task event with version 1e15 and silence every later real event for that task. So an event is stale only
 * when it is at most STALE_WINDOW below the highest version seen (a duplicate or a late delivery), and a version
 * far below the highest one replaces it: the real sequence takes over again after one forged event.
 */
export const STALE_WINDOW = 64;

export class TaskVersionTracker {
  private readonly highest = new Map<string, number>();

  constructor(private readonly capacity: number = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`task version capacity must be a positive integer, got ${capacity}`);
  }

  /** True when this version is a duplicate or a late delivery of one already seen for the task. Does not record. */
  isStale(taskArn: string, version: number): boolean {
    if (!plausible(version)) return false;
    const seen = this.highest.get(taskArn);
    return seen !== undefined && version <= seen && seen - version <= STALE_WINDOW;
  }

  /** Records that the task's state at `version` was handed on; keeps the highest version within the window. */
  record(taskArn: string, version: number): void {
    if (!plausible(version)) return;
    const seen = this.highest.get(taskArn);
    // Re-inserting moves the task to the most-recently-used end of the Map's insertion order.
    this.highest.delete(taskArn);
    const keep = seen === undefined || version > seen || seen - version > STALE_WINDOW ? version : seen;
    this.highest.set(taskArn, keep);
    while (this.highest.size > this.capacity) {
      const oldest = this.highest.keys().next().value as string;
      this.highest.delete(oldest);
    }
  }

  get size(): number {
    return this.highest.size;
  }
}

/** A version dedup can use: a non-negative safe integer (anything else is forwarded and never recorded). */
function plausible(version: number): boolean {
  return Number.isSafeInteger(version) && version >= 0;
}
