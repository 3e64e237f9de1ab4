/**
 * What readiness, metrics and /status report over every target: plans merged, the fleet's last success (the
 * target that lags most) and its latest error. Read-only views over the targets' progress (plan-and-apply.ts).
 */
import type { ReadTarget } from '../aws/targets.js';
import { mergePlans } from '../plan/merge.js';
import type { Plan } from '../plan/types.js';
import type { TargetRuntime, TargetRuntimes } from './target-runtimes.js';

/** The targets this replica reconciles: those whose lease it holds (all of them without leases). */
export type Holds = (targetKey: string) => boolean;

/** Read-only views over every target's progress. */
export class FleetStatus {
  constructor(
    private readonly targets: TargetRuntimes,
    private readonly holds: Holds = () => true,
  ) {}

  /** The targets whose lease this replica holds. */
  held(): readonly TargetRuntime[] {
    return this.targets.list().filter((r) => this.holds(r.target.key));
  }

  /** Every held target's last plan, merged (the revision of the oldest one), or undefined before the first. */
  lastPlan(): Plan | undefined {
    return this.merged((r) => r.progress.lastPlan);
  }

  /** Every held target's last plan without the drift its apply fixed (the drift as it stands), merged. */
  currentPlan(): Plan | undefined {
    return this.merged((r) => r.progress.currentPlan());
  }

  /**
   * The fleet's last success: the oldest of the targets' last successes (a target added by a later policy
   * revision counts from when it was added), with the target that holds it back; `at` is undefined while
   * some target has never succeeded.
   */
  lastSuccess(): { at: number | undefined; target?: ReadTarget } {
    let at: number | undefined = Number.POSITIVE_INFINITY;
    let lagging: ReadTarget | undefined;
    const unavailable = this.targets.unavailableTargets()[0];
    if (unavailable) return { at: undefined, target: unavailable.target };
    for (const runtime of this.held()) {
      const since = runtime.progress.lastSuccessAt ?? runtime.addedAt;
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
    const errors = [
      ...this.targets.list().map((r) => r.progress.lastError),
      ...this.targets.unavailableTargets().map((u) => u.error),
    ];
    for (const error of errors) {
      if (error && (!latest || error.at > latest.at)) latest = error;
    }
    return latest;
  }

  /** Cloud Map operations in flight over every target (later passes follow them). */
  pendingOperations(): number {
    return this.targets.list().reduce((sum, runtime) => sum + runtime.actuator.pendingOperations(), 0);
  }

  /** Resolves once no target has a Cloud Map operation in flight. */
  async operationsDone(): Promise<void> {
    await Promise.all(this.targets.list().map((runtime) => runtime.actuator.whenOperationsDone()));
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
}
