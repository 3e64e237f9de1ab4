/**
 * The one way tests wait for something the system makes true asynchronously: poll a condition until it holds,
 * and fail naming what was awaited (with the last value seen) instead of hanging or sleeping a guessed time.
 */
import { setTimeout as pause } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the failure message ("the event after the failures"). */
  what: string;
  /** Give up after this much real time (default 10 s): a guard against hangs, not a timing assertion. */
  timeoutMs?: number;
  /** Real time between two looks (default 10 ms). */
  intervalMs?: number;
}

/** A value that means "not yet". */
type NotYet = undefined | null | false;

/**
 * Polls `condition` until it returns something other than undefined, null or false, and returns that.
 * A condition that throws counts as "not yet" (e.g. a server still starting); the last error is reported.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<Exclude<T, NotYet>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await condition();
      if (last !== undefined && last !== null && last !== false) return last as Exclude<T, NotYet>;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : error;
    }
    if (performance.now() >= deadline) break;
    await pause(options.intervalMs ?? 10);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${options.what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`,
  );
}
