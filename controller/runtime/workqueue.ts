/**
 * The work queue between events/resync and reconciles, with client-go's guarantees: a key queued twice is
 * one item; a key is never processed by two workers at once (re-adding it while it is processed queues it
 * again for after); failures retry with per-key exponential backoff and jitter. Additionally: event keys
 * jump ahead of resync keys (controller-runtime's priority queue), and new keys wait a short debounce
 * window so a burst of events about one service becomes one reconcile. Two bounds keep that priority from
 * being turned against the controller: a resync key (a resync, a grace-period requeue) ready for longer than
 * `maxResyncWaitMs` runs before newer event keys, so a steady stream of events cannot starve it; and the queue
 * holds at most `maxKeys` keys: on overflow the waiting keys collapse into one full reconcile (which covers them).
 *
 * The contract with `process` is controller-runtime's Reconcile: it returns `{ requeueAfter }` to be looked at
 * again after that long, throws to be retried with backoff, or throws a TerminalError to be dropped.
 */
import { DelayedAdds } from './delayed-adds.js';
import {
  DEFAULT_MAX_KEYS,
  DEFAULT_MAX_RESYNC_WAIT_MS,
  earliest,
  first,
  higher,
  retryDelayMs,
} from './workqueue-rules.js';
import { keyString, type WorkKey } from '../inventory/work-key.js';
import { systemTimers, type TimerHandle, type Timers } from '../util/clock.js';
import {
  TerminalError,
  type AddOptions,
  type Priority,
  type ProcessContext,
  type ReconcileResult,
  type ShutdownResult,
  type WorkQueueOptions,
} from './workqueue-types.js';

export { TerminalError } from './workqueue-types.js';
export type {
  AddOptions,
  Priority,
  ProcessContext,
  ReconcileResult,
  ShutdownResult,
  WorkQueueOptions,
} from './workqueue-types.js';

/** `settling`: just out of processing, while its result decides where it goes next. */
type State = 'debouncing' | 'ready' | 'processing' | 'backoff' | 'settling';

interface Entry {
  key: WorkKey;
  id: string;
  state: State;
  priority: Priority;
  queuedAt: number;
  /** When it last became ready (for the resync starvation bound). */
  readyAt?: number;
  eventTime?: number;
  timer?: TimerHandle;
  /** Set when the key was added again while being processed. */
  dirty?: { priority: Priority; eventTime?: number; queuedAt: number };
  /** Set when a failure of the key was reported (addRateLimited) while it was processed. */
  failedMeanwhile?: { error: unknown };
}

/** Dedup, bounded concurrency, per-key backoff, event-over-resync priority, debounce. */
export class WorkQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly ready: Record<Priority, Set<string>> = { event: new Set(), resync: new Set() };
  private readonly failureCounts = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly workers: number;
  private readonly delayed: DelayedAdds;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkQueueOptions) {
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.workers = Math.max(1, Math.floor(options.workers ?? 1));
    this.delayed = new DelayedAdds(this.timers, (key, priority) => this.add(key, { priority }));
  }

  /** Queues a key; returns false once shutdown has begun. */
  add(key: WorkKey, options: AddOptions = {}): boolean {
    if (this.stopping) return false;
    const id = keyString(key);
    const priority = options.priority ?? 'event';
    const now = this.timers.now();
    const entry = this.entries.get(id);
    if (!entry && key.kind !== 'full' && this.entries.size >= (this.options.maxKeys ?? DEFAULT_MAX_KEYS)) {
      return this.collapse(priority, options.eventTime);
    }
    if (!entry) {
      const created: Entry = { key, id, state: 'debouncing', priority, queuedAt: now, eventTime: options.eventTime };
      this.entries.set(id, created);
      const debounceMs = this.options.debounceMs ?? 200;
      if (debounceMs > 0) created.timer = this.timers.setTimeout(() => this.makeReady(created), debounceMs);
      else this.makeReady(created);
      return true;
    }
    if (entry.state === 'processing') {
      const dirty = entry.dirty ?? { priority, queuedAt: now };
      dirty.priority = higher(dirty.priority, priority);
      dirty.eventTime = earliest(dirty.eventTime, options.eventTime);
      entry.dirty = dirty;
      return true;
    }
    entry.eventTime = earliest(entry.eventTime, options.eventTime);
    const upgraded = higher(entry.priority, priority);
    if (entry.state === 'ready' && upgraded !== entry.priority) {
      this.ready[entry.priority].delete(id);
      this.ready[upgraded].add(id);
    }
    // A key backing off keeps its delay: an event does not make a throttled or failing call succeed sooner.
    entry.priority = upgraded;
    return true;
  }

  /** Queues a key after `delayMs` (client-go's AddAfter; replaces a delayed add of the key still waiting). Default priority: resync. */
  addAfter(key: WorkKey, delayMs: number, options: AddOptions = {}): boolean {
    if (this.stopping) return false;
    if (delayMs <= 0) return this.add(key, options);
    this.delayed.schedule(key, delayMs, options.priority ?? 'resync');
    return true;
  }

  /**
   * Counts a failure of the key and queues it after its backoff (client-go's AddRateLimited): how a reconcile
   * reports the failure of another key it found (a write of that key failed). A key already backing off keeps
   * its delay and count; a key being processed backs off once it finishes.
   */
  addRateLimited(key: WorkKey, error: unknown, options: AddOptions = {}): boolean {
    if (this.stopping) return false;
    const id = keyString(key);
    let entry = this.entries.get(id);
    if (entry?.state === 'processing') {
      entry.failedMeanwhile = { error };
      return true;
    }
    if (entry?.state === 'backoff') return true;
    if (!entry) {
      if (key.kind !== 'full' && this.entries.size >= (this.options.maxKeys ?? DEFAULT_MAX_KEYS))
        return this.collapse(options.priority ?? 'resync', options.eventTime);
      entry = {
        key,
        id,
        state: 'settling',
        priority: options.priority ?? 'resync',
        queuedAt: this.timers.now(),
        eventTime: options.eventTime,
      };
      this.entries.set(id, entry);
    }
    this.backOff(entry, error);
    return true;
  }

  /** Resets the key's failure count (client-go's Forget): its next failure backs off from the first step. */
  forget(key: WorkKey): void {
    this.failureCounts.delete(keyString(key));
  }

  /** Keys waiting for a delayed add (addAfter, requeueAfter); like backoff, not depth. */
  scheduled(): number {
    return this.delayed.size;
  }

  /**
   * Keys waiting to be processed (debouncing, ready, or re-added while processing). Like client-go's depth,
   * keys waiting out a retry backoff are not counted: see `retrying()`.
   */
  depth(): number {
    let waiting = 0;
    for (const entry of this.entries.values()) {
      if (entry.state === 'debouncing' || entry.state === 'ready' || (entry.state === 'processing' && entry.dirty))
        waiting += 1;
    }
    return waiting;
  }

  /** Keys waiting out a retry backoff. */
  retrying(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.state === 'backoff') count += 1;
    return count;
  }

  /** Keys being processed now. */
  active(): number {
    return this.inFlight.size;
  }

  /** Consecutive failures of a key (0 after a success). */
  failures(key: WorkKey): number {
    return this.failureCounts.get(keyString(key)) ?? 0;
  }

  /** Resolves when nothing is debouncing, ready or processing (keys backing off or scheduled later may remain). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, drops what waits, and waits up to `timeoutMs` for in-flight keys (then aborts them). */
  async shutdown(timeoutMs: number): Promise<ShutdownResult> {
    this.stopping = true;
    this.delayed.clear();
    for (const entry of [...this.entries.values()]) {
      if (entry.state === 'processing') {
        entry.dirty = undefined;
        continue;
      }
      if (entry.timer) this.timers.clearTimeout(entry.timer);
      this.entries.delete(entry.id);
    }
    this.ready.event.clear();
    this.ready.resync.clear();
    this.notifyIdle();
    if (this.inFlight.size === 0) return { completed: true, abandoned: [] };
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.timers.setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const finished = Promise.allSettled([...this.inFlight.values()]).then(() => 'done' as const);
    const outcome = await Promise.race([finished, timedOut]);
    if (timer) this.timers.clearTimeout(timer);
    if (outcome === 'done') return { completed: true, abandoned: [] };
    const abandoned = [...this.inFlight.keys()];
    this.abort.abort(new Error(`shutdown: gave up waiting after ${timeoutMs} ms`));
    return { completed: false, abandoned };
  }

  /**
   * The size bound: drops every key that only waits (debouncing or ready; keys in flight or backing off stay)
   * and queues one full reconcile at the highest priority among them, which looks at everything they named.
   */
  private collapse(priority: Priority, eventTime?: number): boolean {
    let dropped = 1;
    let top = priority;
    let earliestEvent = eventTime;
    for (const entry of [...this.entries.values()]) {
      if (entry.key.kind === 'full' || (entry.state !== 'debouncing' && entry.state !== 'ready')) continue;
      if (entry.timer) this.timers.clearTimeout(entry.timer);
      this.ready[entry.priority].delete(entry.id);
      this.entries.delete(entry.id);
      top = higher(top, entry.priority);
      earliestEvent = earliest(earliestEvent, entry.eventTime);
      dropped += 1;
    }
    this.options.onOverflow?.(dropped);
    return this.add({ kind: 'full' }, { priority: top, eventTime: earliestEvent });
  }

  private makeReady(entry: Entry): void {
    if (this.stopping || this.entries.get(entry.id) !== entry) return;
    entry.timer = undefined;
    this.markReady(entry);
    this.pump();
  }

  private markReady(entry: Entry): void {
    entry.state = 'ready';
    entry.readyAt = this.timers.now();
    this.ready[entry.priority].add(entry.id);
  }

  /** The next key: an overdue resync key first, then event keys, then resync keys, each in the order they became ready. */
  private next(): string | undefined {
    const oldestResync = first(this.ready.resync);
    if (oldestResync !== undefined && this.ready.event.size > 0) {
      const waited = this.timers.now() - (this.entries.get(oldestResync)!.readyAt ?? 0);
      if (waited >= (this.options.maxResyncWaitMs ?? DEFAULT_MAX_RESYNC_WAIT_MS)) return oldestResync;
    }
    return first(this.ready.event) ?? oldestResync;
  }

  private pump(): void {
    while (!this.stopping && this.inFlight.size < this.workers) {
      const id = this.next();
      if (id === undefined) break;
      const entry = this.entries.get(id)!;
      this.ready[entry.priority].delete(id);
      this.start(entry);
    }
  }

  private start(entry: Entry): void {
    entry.state = 'processing';
    const context: ProcessContext = {
      priority: entry.priority,
      failures: this.failureCounts.get(entry.id) ?? 0,
      signal: this.abort.signal,
      queuedAt: entry.queuedAt,
      eventTime: entry.eventTime,
    };
    const startedAt = this.timers.now();
    const run = (async () => this.options.process(entry.key, context))().then(
      (result) => this.finish(entry, context, startedAt, { result: result ?? {} }),
      (error: unknown) => this.finish(entry, context, startedAt, { error }),
    );
    this.inFlight.set(entry.id, run);
  }

  /**
   * controller-runtime's reconcileHandler: an error backs the key off (counted); a TerminalError is dropped and
   * reported; a success forgets the key's failures, and its requeueAfter adds it again after that long. A key
   * re-added while it was processed then waits again (no second debounce).
   */
  private finish(
    entry: Entry,
    context: ProcessContext,
    startedAt: number,
    outcome: { result: ReconcileResult } | { error: unknown },
  ): void {
    this.inFlight.delete(entry.id);
    const failed = 'error' in outcome;
    this.options.onProcessed?.(entry.key, failed ? 'error' : 'success', context, this.timers.now() - startedAt);
    if (this.stopping) {
      this.entries.delete(entry.id);
      this.notifyIdle();
      return;
    }
    const { dirty, failedMeanwhile } = entry;
    entry.dirty = undefined;
    entry.failedMeanwhile = undefined;
    entry.state = 'settling';
    const retry = failed && !(outcome.error instanceof TerminalError);
    if (dirty && retry) {
      entry.priority = higher(entry.priority, dirty.priority);
      entry.eventTime = earliest(entry.eventTime, dirty.eventTime);
    } else if (dirty) {
      entry.priority = dirty.priority;
      entry.eventTime = dirty.eventTime;
      entry.queuedAt = dirty.queuedAt;
    }
    if (retry) this.addRateLimited(entry.key, outcome.error);
    else if (failedMeanwhile) this.addRateLimited(entry.key, failedMeanwhile.error);
    else {
      this.forget(entry.key);
      if (failed) this.options.onDropped?.(entry.key, outcome.error as TerminalError);
      const after = failed ? undefined : outcome.result.requeueAfter;
      if (after !== undefined && after > 0) this.addAfter(entry.key, after, { priority: 'resync' });
    }
    if (entry.state === 'settling') {
      if (dirty) this.markReady(entry);
      else this.entries.delete(entry.id);
    }
    this.pump();
    this.notifyIdle();
  }

  /** Counts a failure of the entry's key and parks it until its backoff ends. */
  private backOff(entry: Entry, error: unknown): void {
    const failures = (this.failureCounts.get(entry.id) ?? 0) + 1;
    this.failureCounts.set(entry.id, failures);
    const delay = retryDelayMs(
      failures,
      this.options.baseRetryMs ?? 1_000,
      this.options.maxRetryMs ?? 5 * 60_000,
      this.random,
    );
    this.options.onRetry?.(entry.key, error, delay, failures);
    if (entry.timer) this.timers.clearTimeout(entry.timer);
    this.ready[entry.priority].delete(entry.id);
    entry.state = 'backoff';
    entry.timer = this.timers.setTimeout(() => this.makeReady(entry), delay);
  }

  private isIdle(): boolean {
    if (this.inFlight.size > 0) return false;
    for (const entry of this.entries.values()) if (entry.state !== 'backoff') return false;
    return true;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
