/** The work queue's public types: what callers pass in and get back (controller/runtime/workqueue.ts). */
import type { WorkKey } from '../inventory/work-key.js';
import type { Timers } from '../util/clock.js';

export type Priority = 'event' | 'resync';

/**
 * What processing a key returns (controller-runtime's reconcile.Result): `requeueAfter` adds the key again after
 * that many ms (a grace deadline, a Cloud Map operation check, a cooldown end). A thrown error retries the key
 * with per-key exponential backoff; a thrown TerminalError drops it (retrying cannot help).
 */
export interface ReconcileResult {
  requeueAfter?: number;
}

/** An error retrying cannot fix (controller-runtime's TerminalError): the key is dropped, logged and counted. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface AddOptions {
  priority?: Priority;
  /** When the event that caused this add happened (epoch ms); the earliest one is kept for latency metrics. */
  eventTime?: number;
}

export interface ProcessContext {
  priority: Priority;
  /** Failures of this key since its last success (0 on a first try). */
  failures: number;
  /** Aborted when shutdown gives up waiting. */
  signal: AbortSignal;
  /** When the key was first added (epoch ms). */
  queuedAt: number;
  eventTime?: number;
}

export interface WorkQueueOptions {
  process(key: WorkKey, context: ProcessContext): Promise<ReconcileResult | void>;
  /** Keys processed at once (distinct keys only). */
  workers?: number;
  /** How long a newly added key waits to absorb more adds of itself (0 disables). */
  debounceMs?: number;
  /** First retry delay; doubles per consecutive failure of the key. */
  baseRetryMs?: number;
  maxRetryMs?: number;
  timers?: Timers;
  random?: () => number;
  /** Told about each failure and when the key will be retried. */
  onRetry?(key: WorkKey, error: unknown, delayMs: number, failures: number): void;
  /** A resync key ready this long runs before event keys (no starvation); default 60 s. */
  maxResyncWaitMs?: number;
  /** Most keys held at once; on overflow the waiting keys collapse into one full reconcile. Default 10,000. */
  maxKeys?: number;
  /** Told when the size bound collapsed `dropped` waiting keys into a full reconcile. */
  onOverflow?(dropped: number): void;
  /** Told when a key was dropped after a TerminalError (not retried). */
  onDropped?(key: WorkKey, error: TerminalError): void;
  /** Told after each processing attempt. */
  onProcessed?(key: WorkKey, outcome: 'success' | 'error', context: ProcessContext, durationMs: number): void;
}

export interface ShutdownResult {
  /** True when all in-flight work finished within the timeout. */
  completed: boolean;
  /** Keys still being processed when the timeout passed (their signal was aborted). */
  abandoned: string[];
}
