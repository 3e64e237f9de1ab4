/**
 * The reconciler: the one layer between the work queue and the actuator, with controller-runtime's contract
 * (`reconcile(key) → { requeueAfter }`, a thrown error backs the key off). A key refreshes what it names in the
 * target(s) it belongs to (`full`: every target resynced, each on its own, so a target that cannot be read
 * never holds up or fails another), then plan-and-apply (plan-and-apply.ts) runs for the targets that asked,
 * one target after another and one run at a time: requests that arrive while a run is in flight share the next.
 *
 * A run judges every key it touched: a write that failed is an error of the write's key, and a grace period
 * that ends, a Cloud Map operation due for a check or a failed operation's backoff that ends is a requeue of
 * its key at that moment. A worker waiting for the run gets its key's verdict as its result; every other key's
 * verdict goes to the queue (addRateLimited, addAfter), so no separate timer exists for any of them.
 */
import type { ActionOutcome } from '../actuator/actuator.js';
import type { ReadTarget } from '../aws/targets.js';
import { keyString, type WorkKey } from '../inventory/work-key.js';
import type { Action } from '../model/findings.js';
import type { Plan } from '../plan/types.js';
import { FleetStatus, type Holds } from './fleet-status.js';
import {
  deadlinesOf,
  errorText,
  planAndApply,
  finishOperations,
  recordFailure,
  targetKeyForAction,
  type PlanAndApplyResult,
  type PlanEnv,
} from './plan-and-apply.js';
import { CoalescingRunner } from './serial.js';
import type { TargetRuntime, TargetRuntimes } from './target-runtimes.js';
import type { ProcessContext, ReconcileResult, WorkQueue } from './workqueue.js';

/** What a run decided about one key: retry it (its write failed) and/or look at it again at `requeueAt`. */
interface KeyVerdict {
  key: WorkKey;
  error?: Error;
  requeueAt?: number;
}

/** One plan-and-apply run over the targets that asked for it. */
interface FleetRun {
  /** Per planned target key: its result, or what it threw. */
  targets: Map<string, { result?: PlanAndApplyResult; error?: unknown }>;
  /** Per key string: what the run decided about the keys its actions concern. */
  verdicts: Map<string, KeyVerdict>;
}

/** Why one target's full reconcile did not succeed. */
interface TargetFailure {
  target: ReadTarget;
  message: string;
}

export interface ReconcilerDeps {
  targets: TargetRuntimes;
  env: PlanEnv;
  /** Whether this replica holds the target's lease (default: every target is this replica's). */
  holds?: Holds;
  /** The queue verdicts of keys nobody waits for go to (late-bound: the controller builds it after). */
  queue: () => Pick<WorkQueue, 'addAfter' | 'addRateLimited'>;
}

/**
 * A second of slack on every requeue: the plan compares grace ends with <=, and the clocks of the controller
 * and AWS are not one clock.
 */
const REQUEUE_SLACK_MS = 1_000;

/** Refreshes what a key names, plans and applies the targets concerned, and judges the keys their actions touch. */
export class Reconciler {
  readonly status: FleetStatus;
  private readonly pending = new Set<string>();
  /** Targets whose next run is a full reconcile's: it retries every failed write (a resync is their slowest retry). */
  private readonly pendingFull = new Set<string>();
  private readonly runner = new CoalescingRunner<FleetRun>(() => this.runPending());
  /** Keys whose worker waits for the next run's verdict (the run does not report them to the queue). */
  private readonly awaited = new Map<string, number>();
  /** Set by reconcileAll (`run --once`): no later pass exists, so verdicts go nowhere. */
  private detached = false;

  constructor(private readonly deps: ReconcilerDeps) {
    this.status = new FleetStatus(deps.targets, deps.holds);
  }

  /**
   * The reconcile contract. A `full` key resyncs every target and plans them all, waiting for the result;
   * a failed read throws (backoff). Another key refreshes what it names in its target and asks for that target's
   * next plan-and-apply without waiting for it: the apply covers the whole target and runs one at a time, so a
   * worker that waited would hold the queue while a burst of events piles up (bench/events.ts: p99 36 s at 2
   * dead tasks/s with 2 workers); its run reports the key's verdict to the queue. A key retried after a failure
   * waits for the run and gets its own verdict (so its backoff grows until its write succeeds).
   */
  async reconcile(key: WorkKey, context: Pick<ProcessContext, 'failures' | 'eventTime'>): Promise<ReconcileResult> {
    const observe = () => {
      if (context.eventTime !== undefined)
        this.deps.env.metrics.observeEventToAction((this.deps.env.timers.now() - context.eventTime) / 1000);
    };
    if (key.kind === 'full') {
      const { failures } = await this.reconcileFull();
      // Only a full read can repair an account-wide read failure: the full key retries with backoff.
      if (failures.length > 0) throw new Error(describeFailures(failures));
      observe();
      return {};
    }
    const runtime = this.deps.targets.find(key.target);
    // Another replica holds the target's lease: the key is its owner's (who gets the same event from the queue
    // or, at worst, its next resync), never acted on here.
    if (!runtime || !this.mine(runtime)) {
      observe();
      return {};
    }
    // An operations key only settles what Cloud Map finished: nothing to read before the plan.
    if (key.kind !== 'operations') await this.refresh(runtime, key);
    if (context.failures === 0) {
      this.planAndApply([runtime.target.key]).then(observe, (error: unknown) =>
        this.deps.env.logger.warn(
          { key: keyString(key), err: errorText(error) },
          'apply after an event failed; the next event or resync retries',
        ),
      );
      return {};
    }
    const id = keyString(key);
    this.awaited.set(id, (this.awaited.get(id) ?? 0) + 1);
    try {
      const run = await this.planAndApply([runtime.target.key]);
      const failed = run.targets.get(runtime.target.key)?.error;
      if (failed !== undefined) throw new Error(runtime.progress.lastError?.message ?? errorText(failed));
      const verdict = run.verdicts.get(id);
      if (verdict?.error) throw verdict.error;
      observe();
      return verdict?.requeueAt !== undefined ? { requeueAfter: this.delayUntil(verdict.requeueAt) } : {};
    } finally {
      const left = this.awaited.get(id)! - 1;
      if (left > 0) this.awaited.set(id, left);
      else this.awaited.delete(id);
    }
  }

  /**
   * One reconcile of everything with no later pass (`run --once`): full reads, plan-and-apply, then the Cloud Map
   * operations it submitted followed to their end. Throws when a target failed.
   */
  async reconcileAll(): Promise<{ plan: Plan; outcomes: ActionOutcome[] }> {
    this.detached = true;
    const { failures, outcomes } = await this.reconcileFull();
    const done = await Promise.all(
      this.deps.targets
        .list()
        .map((runtime) => this.deps.targets.use(runtime, () => finishOperations(runtime, this.deps.env))),
    );
    if (failures.length > 0) throw new Error(describeFailures(failures));
    const plan = this.status.lastPlan();
    if (!plan) throw new Error('reconcile produced no plan');
    return { plan, outcomes: [...outcomes, ...done.flat()] };
  }

  /** Resolves once no plan-and-apply is running or queued. */
  idle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Every target resynced and planned; the targets that failed (including those without clients) and the outcomes. */
  private async reconcileFull(): Promise<{ failures: TargetFailure[]; outcomes: ActionOutcome[] }> {
    const { targets } = this.deps;
    const unavailable = targets.retryUnavailable();
    const done = await Promise.all(this.status.held().map((runtime) => this.reconcileTarget(runtime)));
    return {
      failures: [
        ...unavailable.map((u) => ({ target: u.target, message: u.error.message })),
        ...done.flatMap((d) => (d.failure ? [d.failure] : [])),
      ],
      outcomes: done.flatMap((d) => d.outcomes),
    };
  }

  /** One target's resync, then its plan-and-apply (waited for). */
  private async reconcileTarget(
    runtime: TargetRuntime,
  ): Promise<{ failure?: TargetFailure; outcomes: ActionOutcome[] }> {
    const target = runtime.target;
    return this.deps.targets.use(runtime, async () => {
      const { timers, logger } = this.deps.env;
      const started = timers.now();
      try {
        // A full key is a resync: by change signals, or a full read when one is due (InventoryCache.resync).
        await this.timedRead(runtime, () => runtime.cache.resync());
      } catch {
        return { failure: { target, message: runtime.progress.lastError!.message }, outcomes: [] };
      }
      // Which kind of read the resync was and why (a full read's cost is minutes at scale; operators ask why one ran).
      const read = runtime.cache.lastResync;
      const { sample: _sample, ...stats } = read?.stats ?? {};
      logger.info(
        {
          ...(target.isDefault ? {} : { target: target.key }),
          read: read?.kind,
          ...(read?.reason ? { reason: read.reason } : {}),
          ...stats,
          durationMs: timers.now() - started,
        },
        'resync read the fleet',
      );
      this.pendingFull.add(target.key);
      const run = await this.planAndApply([target.key]);
      const outcome = run.targets.get(target.key);
      const outcomes = outcome?.result?.outcomes ?? [];
      // The progress's record of the error names the target; the thrown error itself may not.
      if (outcome?.error !== undefined)
        return {
          failure: { target, message: runtime.progress.lastError?.message ?? errorText(outcome.error) },
          outcomes,
        };
      if (outcome?.result?.readError) return { failure: { target, message: outcome.result.readError }, outcomes };
      return { outcomes };
    });
  }

  /** Refreshes what the key names in its target; throws (after recording it) when the read failed. */
  private async refresh(runtime: TargetRuntime, key: WorkKey): Promise<void> {
    try {
      await this.deps.targets.use(runtime, () => this.timedRead(runtime, () => runtime.cache.refresh([key])));
    } catch {
      throw new Error(runtime.progress.lastError!.message);
    }
  }

  /** Runs a read; a failure is recorded on the target and counted as a failed reconcile, then rethrown. */
  private async timedRead(runtime: TargetRuntime, read: () => Promise<unknown>): Promise<void> {
    const { timers, metrics } = this.deps.env;
    const started = timers.now();
    try {
      await read();
    } catch (error) {
      recordFailure(runtime, error, timers.now());
      metrics.observeReconcile((timers.now() - started) / 1000, 'error', timers.now());
      throw error;
    }
  }

  /** Asks for a plan-and-apply of the given targets over their cached inventories (coalesced with a run that waits). */
  private planAndApply(targetKeys: readonly string[]): Promise<FleetRun> {
    for (const key of targetKeys) this.pending.add(key);
    return this.runner.run();
  }

  /** One run: every target that asked, the default first, each with its own policies, cache and actuator. */
  private async runPending(): Promise<FleetRun> {
    const { targets, env } = this.deps;
    const asked = new Set(this.pending);
    this.pending.clear();
    const full = new Set(this.pendingFull);
    this.pendingFull.clear();
    // A failed write is sent again when its key's backoff ended (its worker waits for this run), not whenever another
    // key of the target runs: each failing write keeps to its own key's backoff.
    const retrying = new Set(this.awaited.keys());
    const started = env.timers.now();
    const results = new Map<string, { result?: PlanAndApplyResult; error?: unknown }>();
    const verdicts = new Map<string, KeyVerdict>();
    for (const runtime of targets.list()) {
      // A target whose cache was never filled failed its read, which is already recorded. A lease lost since the
      // key asked: the new owner plans it.
      if (!asked.has(runtime.target.key) || !runtime.cache.inventory || !this.mine(runtime)) continue;
      try {
        const retryFailed = full.has(runtime.target.key)
          ? undefined
          : (action: Action) => retrying.has(keyString(targetKeyForAction(action, runtime.target)));
        const result = await targets.use(runtime, () => planAndApply(runtime, env, retryFailed));
        results.set(runtime.target.key, { result });
        judgeWrites(runtime, result.outcomes, verdicts);
      } catch (error) {
        results.set(runtime.target.key, { error });
      }
      for (const [id, { key, at }] of deadlinesOf(runtime, env.timers)) {
        const verdict = verdicts.get(id) ?? { key };
        verdict.requeueAt = Math.min(verdict.requeueAt ?? Number.POSITIVE_INFINITY, at);
        verdicts.set(id, verdict);
      }
    }
    this.observeRun([...results.values()], started);
    this.report(verdicts);
    return { targets: results, verdicts };
  }

  /** last_successful_reconcile is the fleet's: it moves only as far as the target that lags most. */
  private observeRun(entries: readonly { result?: PlanAndApplyResult; error?: unknown }[], started: number): void {
    const { timers, metrics } = this.deps.env;
    if (entries.length === 0) return;
    const finished = timers.now();
    const failed = entries.some((e) => e.error !== undefined || e.result?.readError !== undefined);
    // A run that succeeded while another target has never succeeded is not counted (that target's failure was).
    const fleetSuccess = this.status.lastSuccess().at;
    if (failed) metrics.observeReconcile((finished - started) / 1000, 'error', finished);
    else if (fleetSuccess !== undefined) metrics.observeReconcile((finished - started) / 1000, 'success', fleetSuccess);
  }

  /** Hands the verdicts of keys no worker waits for to the queue: failed writes back off, deadlines requeue. */
  private report(verdicts: ReadonlyMap<string, KeyVerdict>): void {
    if (this.detached || this.deps.env.stopSignal.aborted) return;
    const queue = this.deps.queue();
    for (const [id, verdict] of verdicts) {
      if (this.awaited.has(id)) continue;
      if (verdict.error) queue.addRateLimited(verdict.key, verdict.error);
      else if (verdict.requeueAt !== undefined)
        queue.addAfter(verdict.key, this.delayUntil(verdict.requeueAt), { priority: 'resync' });
    }
  }

  private delayUntil(at: number): number {
    return Math.max(0, at - this.deps.env.timers.now()) + REQUEUE_SLACK_MS;
  }

  private mine(runtime: TargetRuntime): boolean {
    return this.deps.holds?.(runtime.target.key) ?? true;
  }
}

/** A write that failed is an error of its key (retried with backoff), not an outcome that waits for the next resync. */
function judgeWrites(
  runtime: TargetRuntime,
  outcomes: readonly ActionOutcome[],
  verdicts: Map<string, KeyVerdict>,
): void {
  for (const outcome of outcomes) {
    if (outcome.result !== 'failed') continue;
    const key = targetKeyForAction(outcome.action, runtime.target);
    const id = keyString(key);
    const verdict = verdicts.get(id) ?? { key };
    verdict.error ??= new Error(
      `${outcome.action.type} failed: ${outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : 'unknown error'}`,
    );
    verdicts.set(id, verdict);
  }
}

/** One message for the targets that failed, each naming its target unless it is the controller's own. */
function describeFailures(failures: readonly TargetFailure[]): string {
  return failures.map((f) => f.message).join('; ');
}
