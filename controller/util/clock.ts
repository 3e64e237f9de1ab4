/** Time source injected everywhere a decision depends on "now", so tests and the sandbox can move it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

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
