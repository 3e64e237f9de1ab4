/**
 * One plan-and-apply over the whole fleet: build the plan from the policy set in force and the cached
 * inventory (grace-period clocks carried between runs, in memory), apply it, re-read what was written, and
 * record the outcome for metrics, /status and readiness. The controller runs it one at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Actuator, ActionOutcome } from '../actuator/actuator.js';
import type { InventoryCache } from '../inventory/cache.js';
import { buildPlan } from '../plan/build.js';
import type { Plan } from '../plan/types.js';
import type { PolicySet } from '../policy/types.js';
import type { Action } from '../rules/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import { RecentActions } from '../telemetry/status.js';
import type { Clock } from '../util/clock.js';
import { keyString, type WorkKey } from './keys.js';

/** The result of one plan-and-apply. */
export interface ReconcileResult {
  plan: Plan;
  outcomes: ActionOutcome[];
  /** Set when the fleet could not be read account-wide: the run counts as failed (readiness, metrics). */
  readError?: string;
}

export interface ReconcilerDeps {
  actuator: Actuator;
  metrics: ControllerMetrics;
  logger: Logger;
  timers: Clock;
  dryRun: boolean;
  /** Aborted when the controller stops: the actuator starts no new write after that. */
  stopSignal: AbortSignal;
}

/** Plans and applies; keeps grace-period clocks, the last plan, recent actions and the last error. */
export class Reconciler {
  readonly recentActions = new RecentActions();
  lastPlan: Plan | undefined;
  lastError: { at: number; message: string } | undefined;
  private firstSeen = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Plans over the cached inventory and applies; throws (after recording) when it fails. */
  async planAndApply(set: PolicySet, cache: InventoryCache): Promise<ReconcileResult> {
    const { metrics, timers } = this.deps;
    // Like controller-runtime's reconcileID: ties this run's log lines together.
    const logger = this.deps.logger.child({ reconcileId: randomUUID() });
    const inventory = cache.inventory!;
    const started = timers.now();
    try {
      const { plan, firstSeen } = buildPlan({ policies: set, inventory, now: started, firstSeen: this.firstSeen, dryRun: this.deps.dryRun });
      metrics.recordNewFindings(plan.findings.filter((f) => !this.firstSeen.has(f.key)));
      this.firstSeen = firstSeen;
      this.lastPlan = plan;
      const outcomes = await this.deps.actuator.apply(plan, this.deps.stopSignal);
      this.recentActions.add(outcomes);
      await this.refreshAfterWrites(cache, outcomes, logger);
      // The plan already refuses to prune where reads failed; a read that failed account-wide (AWS unreachable,
      // credentials gone) additionally makes the run a failure, so readiness and the error metric notice.
      const accountWide = inventory.readErrors.find((e) => e.scope.kind === 'account');
      if (accountWide) {
        const readError = `reading the fleet failed account-wide: ${accountWide.operation} ${accountWide.code}: ${accountWide.message}`;
        this.recordFailure(started, new Error(readError));
        logger.warn({ err: readError, findings: plan.findings.length }, 'reconciled with an incomplete view of the fleet');
        return { plan, outcomes, readError };
      }
      const finished = timers.now();
      metrics.observeReconcile((finished - started) / 1000, 'success', finished);
      this.lastError = undefined;
      logger.info(
        {
          revision: plan.revision,
          findings: plan.findings.length,
          actions: plan.actions.length,
          executed: outcomes.filter((o) => o.result === 'success').length,
          failed: outcomes.filter((o) => o.result === 'failed').length,
          durationMs: finished - started,
        },
        'reconciled',
      );
      return { plan, outcomes };
    } catch (error) {
      this.recordFailure(started, error);
      logger.warn({ err: errorText(error) }, 'reconcile failed');
      throw error;
    }
  }

  /**
   * When the earliest grace period of a blocked action ends (epoch ms), with the keys to look at then, so the
   * controller can requeue them like controller-runtime's RequeueAfter instead of waiting for the next resync.
   */
  nextGraceDeadline(): { at: number; keys: WorkKey[] } | undefined {
    let at = Number.POSITIVE_INFINITY;
    const byDeadline = new Map<number, Map<string, WorkKey>>();
    for (const planned of this.lastPlan?.actions ?? []) {
      const since = this.firstSeen.get(planned.finding.key);
      const grace = planned.finding.gracePeriodMs;
      if (planned.blockedBy !== 'grace-period' || since === undefined || grace === undefined) continue;
      const due = since + grace;
      const key = keyForAction(planned.action);
      const keys = byDeadline.get(due) ?? new Map<string, WorkKey>();
      keys.set(keyString(key), key);
      byDeadline.set(due, keys);
      at = Math.min(at, due);
    }
    return Number.isFinite(at) ? { at, keys: [...byDeadline.get(at)!.values()] } : undefined;
  }

  /** Counts a failed reconcile (started at `started`) and keeps its message for /status. */
  recordFailure(started: number, error: unknown): void {
    const now = this.deps.timers.now();
    this.deps.metrics.observeReconcile((now - started) / 1000, 'error', now);
    this.lastError = { at: now, message: errorText(error) };
  }

  /** Re-reads what was just written so the next plan does not act on the state from before the write. */
  private async refreshAfterWrites(cache: InventoryCache, outcomes: readonly ActionOutcome[], logger: Logger): Promise<void> {
    const keys = new Map<string, WorkKey>();
    for (const outcome of outcomes) {
      if (outcome.result !== 'success') continue;
      const key = keyForAction(outcome.action);
      keys.set(keyString(key), key);
    }
    if (keys.size === 0) return;
    try {
      await cache.refresh([...keys.values()]);
    } catch (error) {
      logger.warn({ err: errorText(error), keys: [...keys.keys()] }, 're-reading after writes failed; the next reconcile re-reads');
    }
  }
}

/** The work key whose refresh shows the effect of an action. */
export function keyForAction(action: Action): WorkKey {
  switch (action.type) {
    case 'ecs:ForceNewDeployment':
      return { kind: 'ecs-service', cluster: action.cluster, service: action.service };
    case 'cloudmap:DeregisterInstance':
    case 'cloudmap:DeleteService':
    case 'cloudmap:UpdateDnsTtl':
      return { kind: 'cloudmap-service', serviceId: action.serviceId };
  }
}

/** An error's message, whatever was thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
