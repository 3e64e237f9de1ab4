/** The work queue's small pure rules: bounds, priority and event-time merging, and the retry delay. */
import type { Priority } from './workqueue-types.js';

export const DEFAULT_MAX_KEYS = 10_000;
export const DEFAULT_MAX_RESYNC_WAIT_MS = 60_000;

/** The retry delay after `failures` consecutive failures: the base doubling up to the maximum, with equal jitter. */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 40));
  // Equal jitter: spreads retries of keys that failed together (a throttling burst) without ever retrying at once.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The more urgent of two priorities. */
export function higher(a: Priority, b: Priority): Priority {
  return a === 'event' || b === 'event' ? 'event' : 'resync';
}

/** The earlier of two optional times. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** The first member of a set in insertion order. */
export function first(set: Set<string>): string | undefined {
  for (const value of set) return value;
  return undefined;
}
