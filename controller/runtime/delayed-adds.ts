/**
 * Keys to add to the work queue later (client-go's delaying queue behind AddAfter): a reconcile's
 * `requeueAfter`, or the grace deadline or Cloud Map operation check of a key another reconcile found. One
 * waiting add per key; asking again keeps the earlier of the two moments.
 */
import { keyString, type WorkKey } from '../inventory/work-key.js';
import type { TimerHandle, Timers } from './timers.js';
import type { Priority } from './workqueue-types.js';

interface Waiting {
  key: WorkKey;
  due: number;
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

  /** Adds `key` after `delayMs`, unless an add of it is already due sooner. */
  schedule(key: WorkKey, delayMs: number, priority: Priority): void {
    const id = keyString(key);
    const due = this.timers.now() + Math.max(0, delayMs);
    const existing = this.waiting.get(id);
    if (existing && existing.due <= due) {
      if (priority === 'event') existing.priority = 'event';
      return;
    }
    if (existing) this.timers.clearTimeout(existing.timer);
    const waiting: Waiting = {
      key,
      due,
      priority: existing?.priority === 'event' ? 'event' : priority,
      timer: this.timers.setTimeout(() => {
        if (this.waiting.get(id) !== waiting) return;
        this.waiting.delete(id);
        this.add(waiting.key, waiting.priority);
      }, due - this.timers.now()),
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
