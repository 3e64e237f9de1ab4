/**
 * Time and timers as one injectable dependency, so the work queue and resync can be driven by a test
 * deterministically (advance a manual clock, due timers fire in order) instead of by sleeping.
 */
import type { Clock } from '../util/clock.js';

export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

export interface Timers extends Clock {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock timers. Unref'd: a pending retry or debounce must not keep a finished process alive. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Resolves `work` or, at the latest, after `ms` of the timers' time (whichever comes first); never rejects. */
export async function withinTime(timers: Timers, ms: number, work: Promise<unknown>): Promise<void> {
  let handle: TimerHandle | undefined;
  const timeout = new Promise<void>((resolve) => {
    handle = timers.setTimeout(resolve, Math.max(0, ms));
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), timeout]);
  } finally {
    if (handle) timers.clearTimeout(handle);
  }
}

interface ManualTimer {
  id: number;
  due: number;
  callback: () => void;
}

/** Timers that only fire when a test advances time. */
export class ManualTimers implements Timers {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(start: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id: number }).id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Moves time forward, firing every timer that falls due (in due order, including ones set while firing). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.due);
      due.callback();
    }
    this.current = target;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Delays (from now) of the waiting timers, soonest first. */
  pendingDelays(): number[] {
    return this.timers.map((t) => t.due - this.current).sort((a, b) => a - b);
  }
}
