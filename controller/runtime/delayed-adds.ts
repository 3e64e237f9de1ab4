/**
 * Keys to add to the work queue later (client-go's delaying queue behind AddAfter): a reconcile's
 * `requeueAfter`, or the grace deadline or Cloud Map operation check of a key another reconcile found. One
 * waiting add per key, and the latest ask replaces an earlier one: each ask comes from the newest plan of the
 * key's target, which knows every reason to look again (and a test's clock may have moved since the last ask).
 */
import { keyString, type WorkKey } from '../inventory/work-key.js';
import type { TimerHandle, Timers } from '../util/clock.js';
import type { Priority } from './workqueue-types.js';

interface Waiting {
  key: WorkKey;
  priority: Priority;
  timer: TimerHandle;
}

/** Per-key delayed adds on the injected timers. */
export class DelayedAdds {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly timers: Timers,
    private readonly add: (key: WorkKey, priority: Priority) => void,
  ) {}

  /** Adds `key` after `delayMs`, instead of any add of it still waiting. */
  schedule(key: WorkKey, delayMs: number, priority: Priority): void {
    const id = keyString(key);
    const existing = this.waiting.get(id);
    if (existing) this.timers.clearTimeout(existing.timer);
    const waiting: Waiting = {
      key,
      priority: existing?.priority === 'event' ? 'event' : priority,
      timer: this.timers.setTimeout(
        () => {
          if (this.waiting.get(id) !== waiting) return;
          this.waiting.delete(id);
          this.add(waiting.key, waiting.priority);
        },
        Math.max(0, delayMs),
      ),
    };
    this.waiting.set(id, waiting);
  }

  /** Keys waiting to be added. */
  get size(): number {
    return this.waiting.size;
  }

  /** Drops every waiting add (shutdown). */
  clear(): void {
    for (const waiting of this.waiting.values()) this.timers.clearTimeout(waiting.timer);
    this.waiting.clear();
  }
}
