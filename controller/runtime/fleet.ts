/**
 * Reconciles every target of the policy set: a key refreshes the cache of the target(s) it names (a `full`
 * key: every target, each on its own, so a target that cannot be read never holds up or fails another),
 * then plan-and-apply runs for the targets that asked, one target after another and one run at a time
 * (requests that arrive while a run is in flight share the next run). Aggregates what readiness, metrics
 * and /status need over all targets.
 */
import type { ActionOutcome } from '../actuator/actuator.js';
import type { ReadTarget } from '../aws/targets.js';
import { mergePlans } from '../plan/merge.js';
import type { Plan } from '../plan/types.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { Clock } from '../util/clock.js';
import type { WorkKey } from '../inventory/work-key.js';
import { errorText, type ReconcileResult } from './reconciler.js';
import { CoalescingRunner } from './serial.js';
import type { TargetRuntime, TargetRuntimes } from './target-runtimes.js';

/** One plan-and-apply run over the targets that asked for it. */
export interface FleetRunResult {
  /** The planned targets' plans, merged. */
  plan: Plan;
  outcomes: ActionOutcome[];
  /** Per planned target key: its result, or what it threw. */
  targets: Map<string, { result?: ReconcileResult; error?: unknown }>;
}

/** Why one target's reconcile did not succeed; `accountRead`: its fleet could not be read account-wide. */
export interface TargetFailure {
  target: ReadTarget;
  message: string;
  accountRead: boolean;
}

export interface FleetReconcilerDeps {
  targets: TargetRuntimes;
  metrics: ControllerMetrics;
  timers: Clock;
  /** Whether this replica holds the target's lease (default: every target is this replica's). */
  holds?: (targetKey: string) => boolean;
}

/** Per-target refresh and serial per-target plan-and-apply, with fleet-wide results. */
export class FleetReconciler {
  private readonly pending = new Set<string>();
  private readonly runner = new CoalescingRunner<FleetRunResult>(() => this.runPending());

  constructor(private readonly deps: FleetReconcilerDeps) {}

  /**
   * Refreshes what the key names in the target(s) it belongs to and plans them; resolves with the targets
   * that failed and the outcomes of the actions taken (never rejects for one target's failure).
   */
  async reconcile(key: WorkKey): Promise<{ failures: TargetFailure[]; outcomes: ActionOutcome[]; applied?: Promise<FleetRunResult> }> {
    const { targets } = this.deps;
    const mine = (runtime: TargetRuntime) => this.deps.holds?.(runtime.target.key) ?? true;
    if (key.kind !== 'full') {
      // An event key only refreshes its resource and asks for the next apply without waiting for it: the
      // apply covers the whole target and runs one at a time, so a worker that waited for it would hold the
      // queue while a burst of events piles up (bench/events.ts: p99 36 s at 2 dead tasks/s with 2 workers).
      const runtime = targets.find(key.target);
      // Another replica holds the target's lease: the key is its owner's (who gets the same event from the queue
      // or, at worst, its next resync), never acted on here.
      if (!runtime || !mine(runtime)) return { failures: [], outcomes: [] };
      const refreshed = await this.refreshTarget(runtime, key);
      if (refreshed) return { failures: [refreshed], outcomes: [] };
      return { failures: [], outcomes: [], applied: this.plan([runtime.target.key]) };
    }
    const unavailable = targets.retryUnavailable();
    const done = await Promise.all(targets.list().filter(mine).map((runtime) => this.reconcileTarget(runtime, key)));
    return {
      failures: [
        ...unavailable.map((u) => ({ target: u.target, message: u.error.message, accountRead: false })),
        ...done.flatMap((d) => (d.failure ? [d.failure] : [])),
      ],
      outcomes: done.flatMap((d) => d.outcomes),
    };
  }

  /** Follows every target's Cloud Map operations still in flight to their end; the outcomes of those that ended. */
  async finishOperations(): Promise<ActionOutcome[]> {
    const done = await Promise.all(this.deps.targets.list().map((runtime) => this.deps.targets.use(runtime, () => runtime.reconciler.finishOperations())));
    return done.flat();
  }

  /** Cloud Map operations in flight over every target (later passes follow them). */
  pendingOperations(): number {
    return this.deps.targets.list().reduce((sum, runtime) => sum + runtime.reconciler.pendingOperations(), 0);
  }

  /** Resolves once no target has a Cloud Map operation in flight. */
  async operationsDone(): Promise<void> {
    await Promise.all(this.deps.targets.list().map((runtime) => runtime.reconciler.operationsDone()));
  }

  /** Resolves once no plan-and-apply is running or queued. */
  idle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Refreshes what the key names in one target; the failure, if the read failed. */
  private async refreshTarget(runtime: TargetRuntime, key: WorkKey): Promise<TargetFailure | undefined> {
    const { timers, metrics } = this.deps;
    return this.deps.targets.use(runtime, async () => {
      const started = timers.now();
      try {
        await runtime.cache.refresh([key]);
        return undefined;
      } catch (error) {
        runtime.reconciler.recordFailure(error);
        metrics.observeReconcile((timers.now() - started) / 1000, 'error', timers.now());
        return { target: runtime.target, message: runtime.reconciler.lastError!.message, accountRead: false };
      }
    });
  }

  /** Plans and applies the given targets (default: all) over their cached inventories. */
  plan(targetKeys: readonly string[] = this.deps.targets.list().map((r) => r.target.key)): Promise<FleetRunResult> {
    for (const key of targetKeys) this.pending.add(key);
    return this.runner.run();
  }

  /** Every target's last plan, merged (the revision of the oldest one), or undefined before the first. */
  lastPlan(): Plan | undefined {
    return this.merged((r) => r.reconciler.lastPlan);
  }

  /** Every target's last plan without the drift its apply fixed (the drift as it stands), merged. */
  currentPlan(): Plan | undefined {
    return this.merged((r) => r.reconciler.currentPlan());
  }

  private merged(pick: (runtime: TargetRuntime) => Plan | undefined): Plan | undefined {
    const plans = this.held().flatMap((r) => {
      const plan = pick(r);
      return plan ? [plan] : [];
    });
    if (plans.length === 0) return undefined;
    const oldest = plans.reduce((a, b) => (b.generatedAt < a.generatedAt ? b : a));
    return mergePlans(plans, oldest.revision, Math.max(...plans.map((p) => p.generatedAt)));
  }

  /**
   * The fleet's last success: the oldest of the targets' last successes (a target added by a later policy
   * revision counts from when it was added), with the target that holds it back; `at` is undefined while
   * some target has never succeeded.
   */
  lastSuccess(): { at: number | undefined; target?: ReadTarget } {
    let at: number | undefined = Number.POSITIVE_INFINITY;
    let lagging: ReadTarget | undefined;
    const unavailable = this.deps.targets.unavailableTargets()[0];
    if (unavailable) return { at: undefined, target: unavailable.target };
    for (const runtime of this.held()) {
      const since = runtime.reconciler.lastSuccessAt ?? runtime.addedAt;
      if (since === undefined) return { at: undefined, target: runtime.target };
      if (since < at!) {
        at = since;
        lagging = runtime.target;
      }
    }
    return Number.isFinite(at) ? { at, ...(lagging ? { target: lagging } : {}) } : { at: undefined };
  }

  /** The most recent reconcile error of any target, if that target has not succeeded since. */
  lastError(): { at: number; message: string } | undefined {
    let latest: { at: number; message: string } | undefined;
    const errors = [...this.deps.targets.list().map((r) => r.reconciler.lastError), ...this.deps.targets.unavailableTargets().map((u) => u.error)];
    for (const error of errors) {
      if (error && (!latest || error.at > latest.at)) latest = error;
    }
    return latest;
  }

  /** The earliest grace-period deadline of any target, with its (target-naming) keys. */
  nextGraceDeadline(): { at: number; keys: WorkKey[] } | undefined {
    let next: { at: number; keys: WorkKey[] } | undefined;
    for (const runtime of this.held()) {
      const deadline = runtime.reconciler.nextGraceDeadline();
      if (!deadline) continue;
      if (!next || deadline.at < next.at) next = deadline;
      else if (deadline.at === next.at) next = { at: next.at, keys: [...next.keys, ...deadline.keys] };
    }
    return next;
  }

  /** The targets whose lease this replica holds (all of them without leases). */
  private held(): readonly TargetRuntime[] {
    return this.deps.targets.list().filter((r) => this.deps.holds?.(r.target.key) ?? true);
  }

  private async reconcileTarget(runtime: TargetRuntime, key: WorkKey): Promise<{ failure?: TargetFailure; outcomes: ActionOutcome[] }> {
    const { timers, metrics } = this.deps;
    const target = runtime.target;
    return this.deps.targets.use(runtime, async () => {
      const started = timers.now();
      try {
        // A full key is a resync: by change signals, or a full read when one is due (InventoryCache.resync).
        if (key.kind === 'full') await runtime.cache.resync();
        else await runtime.cache.refresh([key]);
      } catch (error) {
        runtime.reconciler.recordFailure(error);
        metrics.observeReconcile((timers.now() - started) / 1000, 'error', timers.now());
        return { failure: { target, message: runtime.reconciler.lastError!.message, accountRead: false }, outcomes: [] };
      }
      const run = await this.plan([target.key]);
      const outcome = run.targets.get(target.key);
      const outcomes = outcome?.result?.outcomes ?? [];
      if (outcome?.error !== undefined) {
        // The reconciler's record of the error names the target; the thrown error itself may not.
        return { failure: { target, message: runtime.reconciler.lastError?.message ?? errorText(outcome.error), accountRead: false }, outcomes };
      }
      if (outcome?.result?.readError) return { failure: { target, message: outcome.result.readError, accountRead: true }, outcomes };
      return { outcomes };
    });
  }

  /** One run: every target that asked, the default first, each with its own policies, cache and actuator. */
  private async runPending(): Promise<FleetRunResult> {
    const { targets, timers, metrics } = this.deps;
    const asked = new Set(this.pending);
    this.pending.clear();
    const started = timers.now();
    const results = new Map<string, { result?: ReconcileResult; error?: unknown }>();
    for (const runtime of targets.list()) {
      // A target whose cache was never filled failed its read, which is already recorded. A lease lost since the
      // key asked: the new owner plans it.
      if (!asked.has(runtime.target.key) || !runtime.cache.inventory || !(this.deps.holds?.(runtime.target.key) ?? true)) continue;
      try {
        const result = await targets.use(runtime, () => runtime.reconciler.planAndApply(runtime.set, runtime.cache));
        results.set(runtime.target.key, { result });
      } catch (error) {
        results.set(runtime.target.key, { error });
      }
    }
    const entries = [...results.values()];
    const plans = entries.flatMap((e) => (e.result ? [e.result.plan] : []));
    const finished = timers.now();
    if (entries.length > 0) {
      const failed = entries.some((e) => e.error !== undefined || e.result?.readError !== undefined);
      // last_successful_reconcile is the fleet's: it only moves as far as the target that lags most, and a run
      // that succeeded while another target has never succeeded is not counted (that target's failure was).
      const fleetSuccess = this.lastSuccess().at;
      if (failed) metrics.observeReconcile((finished - started) / 1000, 'error', finished);
      else if (fleetSuccess !== undefined) metrics.observeReconcile((finished - started) / 1000, 'success', fleetSuccess);
    }
    return {
      plan: mergePlans(plans, plans[0]?.revision ?? targets.list()[0]?.set.revision ?? '', started),
      outcomes: entries.flatMap((e) => e.result?.outcomes ?? []),
      targets: results,
    };
  }
}
