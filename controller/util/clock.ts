/**
 * The clock module: the one place controller code reads time or sets timers. Everything else takes a `Clock`,
 * `Timers` or `Sleep` (injected, with the system ones below as defaults), so tests and the sandbox move time
 * instead of waiting for it. Only this file touches Date.now, performance.now, setTimeout and setInterval
 * (the AWS SDK keeps its own time for signing and retries; that is outside our code).
 */
import { performance } from 'node:perf_hooks';

/** Time source injected everywhere a decision depends on "now", so tests and the sandbox can move it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Monotonic milliseconds for measuring how long something took (never jumps when the wall clock is set). */
export const monotonicClock: Clock = { now: () => performance.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** Waits `ms` milliseconds of a clock's time (injected beside a Clock where code must wait, e.g. pacing). */
export type Sleep = (ms: number) => Promise<void>;

/**
 * Waits on the wall clock. The timer is not unref'd: a read waiting for its turn is the work a `plan`
 * process is there to do, and must keep it alive.
 */
export const systemSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * A sleep that moves a ManualClock to the end of the wait instead of waiting (tests). Concurrent sleepers
 * started at the same time end at their own due times: the clock only ever moves forward, to the latest.
 */
export function manualSleep(clock: ManualClock): Sleep {
  return async (ms) => {
    const due = clock.now() + Math.max(0, ms);
    if (due > clock.now()) clock.set(due);
  };
}

/** Waits `ms` of real time, or less when `signal` aborts; never rejects. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

export interface TimerOptions {
  /** Keep the process alive while the timer is pending (default false: it does not hold the process open). */
  keepAlive?: boolean;
}

/** Time and timers as one injectable dependency (work queue, resync, leases, time-outs). */
export interface Timers extends Clock {
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Wall-clock timers. Unref'd unless asked to keep the process alive: a pending retry, debounce or time-out
 * must not keep a finished process alive, but the time limit of work a command waits for must.
 */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    const handle = setTimeout(callback, Math.max(0, ms));
    if (!options?.keepAlive) handle.unref?.();
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
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]);
  } finally {
    if (handle) timers.clearTimeout(handle);
  }
}

/**
 * Calls `callback` every `ms` of the timers' time until the returned function is called (setInterval on
 * injectable timers; with the system timers it does not keep the process alive).
 */
export function repeatEvery(timers: Timers, ms: number, callback: () => void): () => void {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const schedule = (): void => {
    handle = timers.setTimeout(() => {
      if (stopped) return;
      schedule();
      callback();
    }, ms);
  };
  schedule();
  return () => {
    stopped = true;
    if (handle) timers.clearTimeout(handle);
  };
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
