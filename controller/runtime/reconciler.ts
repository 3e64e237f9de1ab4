/**
 * One target's plan-and-apply: build the plan from that target's policies and its cached inventory
 * (grace-period clocks carried between runs, in memory, per target), apply it with the target's actuator,
 * re-read what was written, and remember the outcome for /status and readiness. The fleet reconciler
 * (fleet.ts) runs one per target, one at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Actuator, ActionOutcome } from '../actuator/actuator.js';
import type { ReadTarget } from '../aws/targets.js';
import type { InventoryCache } from './inventory-cache.js';
import { buildPlan } from '../plan/build.js';
import { MemoryDeletionLedger, type DeletionLedger } from '../plan/deletion-budget.js';
import { withStoredEvidence } from '../ownership/stored.js';
import { withoutFixed } from '../plan/states.js';
import type { Plan } from '../plan/types.js';
import type { PolicySet } from '../policy/types.js';
import { actionSpec } from '../model/actions.js';
import type { Action } from '../model/findings.js';
import type { Logger } from '../telemetry/logger.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { RecentActions } from '../telemetry/status.js';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { TargetState } from '../state/target-state.js';
import type { Clock } from '../util/clock.js';
import { keyString, type WorkKey } from '../inventory/work-key.js';

/** The result of one plan-and-apply. */
export interface ReconcileResult {
  plan: Plan;
  outcomes: ActionOutcome[];
  /** Set when the fleet could not be read account-wide: the run counts as failed (readiness, metrics). */
  readError?: string;
}

export interface ReconcilerDeps {
  /** The account and region this reconciler plans for; its actuator writes there only. */
  target: ReadTarget;
  actuator: Actuator;
  metrics: ControllerMetrics;
  logger: Logger;
  timers: Clock;
  dryRun: boolean;
  /** Aborted when the controller stops: the actuator starts no new write after that. */
  stopSignal: AbortSignal;
  /** Shared by every target, for /status. */
  recentActions: RecentActions;
  /** The target's durable state (with a state store): loaded on lease gain, written as it changes. */
  state?: TargetState;
  /** Follows the journal's pending Cloud Map operations (with `state`). */
  serviceDiscovery?: ServiceDiscoveryClient;
  /**
   * AWS's time (the target clients' clock, from response Date headers): plans compare it with AWS timestamps
   * (cooldowns, grace, Service Connect staleness). Default: the timers' time.
   */
  awsClock?: Clock;
  /** Deletions per namespace over the last hour (sanity guard, hourly budget); default: in memory, per target. */
  deletionLedger?: DeletionLedger;
}

/** Plans and applies for one target; keeps its grace-period clocks, last plan, last success and last error. */
export class Reconciler {
  lastPlan: Plan | undefined;
  /** Finding keys of lastPlan whose action succeeded in its apply. */
  private fixed: ReadonlySet<string> = new Set();
  lastError: { at: number; message: string } | undefined;
  /** Deletions of the last hour, kept across runs and policy revisions (the set changes, this object stays). */
  private readonly ledger: DeletionLedger;
  lastSuccessAt: number | undefined;
  private firstSeen = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.ledger = deps.deletionLedger ?? new MemoryDeletionLedger();
  }

  /** Counts the deletions this apply executed or submitted, per namespace, toward the hourly budget. */
  private async recordDeletions(applied: readonly ActionOutcome[], inventory: NonNullable<InventoryCache['inventory']>, at: number): Promise<void> {
    const counts = new Map<string, { services: number; instances: number }>();
    for (const outcome of applied) {
      const { action } = outcome;
      // Only a deletion this apply sent counts: an operation still in flight from an earlier pass
      // ('operation-pending') or one found already done was counted (or never sent) before, and counting it at
      // every pass would trip the sanity guard on a single slow deregistration.
      const sent = (outcome.result === 'success' && outcome.reason === undefined) || (outcome.result === 'pending' && outcome.reason === 'operation-submitted');
      if (!sent) continue;
      if (action.type !== 'cloudmap:DeleteService' && action.type !== 'cloudmap:DeregisterInstance') continue;
      const namespaceId = inventory.cloudMapServices.find((s) => s.id === action.serviceId)?.namespaceId ?? '';
      const count = counts.get(namespaceId) ?? { services: 0, instances: 0 };
      if (action.type === 'cloudmap:DeleteService') count.services += 1;
      else count.instances += 1;
      counts.set(namespaceId, count);
    }
    for (const [namespaceId, count] of counts) {
      await this.ledger.record(namespaceId, 'services', count.services, at);
      await this.ledger.record(namespaceId, 'instances', count.instances, at);
    }
  }

  /** The last plan without the findings its apply fixed: the drift as it stands (metrics, /status). */
  currentPlan(): Plan | undefined {
    return this.lastPlan && withoutFixed(this.lastPlan, this.fixed);
  }

  get target(): ReadTarget {
    return this.deps.target;
  }

  /** Plans over the cached inventory and applies; throws (after recording) when it fails. */
  async planAndApply(set: PolicySet, cache: InventoryCache): Promise<ReconcileResult> {
    const { metrics, timers, target } = this.deps;
    // Like controller-runtime's reconcileID: ties this run's log lines together.
    const logger = this.deps.logger.child({ reconcileId: randomUUID(), ...(target.isDefault ? {} : { target: target.key }) });
    const started = timers.now();
    try {
      const state = this.deps.state;
      // A new owner (or a restarted replica) starts from the table: grace clocks keep counting, journaled
      // writes are not repeated, pending Cloud Map operations are followed.
      if (state && !state.loaded) {
        this.firstSeen = await state.load();
        this.ledger.reset?.();
      }
      if (state && this.deps.serviceDiscovery) await this.settleJournal(state, this.deps.serviceDiscovery, logger);
      // Cloud Map operations submitted by earlier passes that ended since: report them, and re-read what the
      // successful ones changed, so this plan sees an instance gone only once Cloud Map has removed it.
      const settled = await this.deps.actuator.settle(this.deps.stopSignal);
      await this.refreshAfterWrites(cache, settled, logger);
      const inventory = cache.inventory!;
      // Plans judge AWS timestamps, so they run on AWS's time: a container clock an hour off decides the same.
      const now = this.awsNow();
      const recentDeletions = await this.ledger.recent(inventory.namespaces.map((n) => n.id), now);
      // Evidence that ECS used a Cloud Map service survives restarts in the state store.
      const planned = state?.loaded ? withStoredEvidence(inventory, state.evidence()) : inventory;
      const { plan, firstSeen } = buildPlan({ policies: set, inventory: planned, now, firstSeen: this.firstSeen, dryRun: this.deps.dryRun, recentDeletions });
      metrics.recordNewFindings(plan.findings.filter((f) => !this.firstSeen.has(f.key)));
      this.firstSeen = firstSeen;
      this.lastPlan = plan;
      this.fixed = new Set();
      if (state) await this.saveState(state, inventory, now, logger);
      const applied = await this.deps.actuator.apply(plan, this.deps.stopSignal);
      await this.recordDeletions(applied, inventory, now);
      const outcomes = [...settled, ...applied];
      // A write whose Cloud Map operation is still pending has fixed nothing yet.
      this.fixed = new Set(applied.filter((o) => o.result === 'success').map((o) => o.findingKey));
      this.deps.recentActions.add(outcomes);
      await this.refreshAfterWrites(cache, applied, logger);
      // The plan already refuses to prune where reads failed; a read that failed account-wide (AWS unreachable,
      // credentials gone) additionally makes the run a failure, so readiness and the error metric notice.
      const accountWide = inventory.readErrors.find((e) => e.scope.kind === 'account');
      if (accountWide) {
        const readError = `reading the fleet${this.where()} failed account-wide: ${accountWide.operation} ${accountWide.code}: ${accountWide.message}`;
        this.recordFailure(new Error(readError));
        logger.warn({ err: readError, findings: plan.findings.length }, 'reconciled with an incomplete view of the fleet');
        return { plan, outcomes, readError };
      }
      const finished = timers.now();
      this.lastSuccessAt = finished;
      this.lastError = undefined;
      logger.info(
        {
          revision: plan.revision,
          findings: plan.findings.length,
          actions: plan.actions.length,
          executed: outcomes.filter((o) => o.result === 'success').length,
          failed: outcomes.filter((o) => o.result === 'failed').length,
          pendingOperations: outcomes.filter((o) => o.result === 'pending').length,
          durationMs: finished - started,
        },
        'reconciled',
      );
      return { plan, outcomes };
    } catch (error) {
      this.recordFailure(error);
      logger.warn({ err: errorText(error) }, 'reconcile failed');
      throw error;
    }
  }

  /**
   * When the earliest grace period of a blocked action ends (epoch ms of the timers' clock), or a Cloud Map
   * operation is due for a check, or a failed action's backoff ends, with the keys to look at then (naming this
   * target unless it is the default), so the controller can requeue them like controller-runtime's
   * RequeueAfter instead of waiting for the next resync.
   */
  nextGraceDeadline(): { at: number; keys: WorkKey[] } | undefined {
    let at = Number.POSITIVE_INFINITY;
    const byDeadline = new Map<number, Map<string, WorkKey>>();
    const target = this.deps.target;
    const add = (due: number, action: Action) => {
      const key: WorkKey = { ...keyForAction(action), ...(target.isDefault ? {} : { target: target.key }) };
      const keys = byDeadline.get(due) ?? new Map<string, WorkKey>();
      keys.set(keyString(key), key);
      byDeadline.set(due, keys);
      at = Math.min(at, due);
    };
    // Grace clocks run on AWS's time, the actuator's follow-ups and the caller's timers on the local one.
    const skew = this.awsNow() - this.deps.timers.now();
    for (const planned of this.lastPlan?.actions ?? []) {
      const since = this.firstSeen.get(planned.finding.key);
      const grace = planned.finding.gracePeriodMs;
      if (planned.blockedBy !== 'grace-period' || since === undefined || grace === undefined) continue;
      add(since + grace - skew, planned.action);
    }
    const followUp = this.deps.actuator.nextFollowUp();
    for (const action of followUp?.actions ?? []) add(followUp!.at, action);
    return Number.isFinite(at) ? { at, keys: [...byDeadline.get(at)!.values()] } : undefined;
  }

  private awsNow(): number {
    return (this.deps.awsClock ?? this.deps.timers).now();
  }

  /** Grace clocks and ownership evidence to the table; a failure only delays (clocks restart later, never earlier). */
  private async saveState(state: TargetState, inventory: NonNullable<InventoryCache['inventory']>, now: number, logger: Logger): Promise<void> {
    try {
      await state.saveClocks(this.firstSeen);
      await state.recordEvidence(inventory, now);
    } catch (error) {
      logger.warn({ err: errorText(error) }, 'writing grace clocks or ownership evidence to the state store failed; retrying next reconcile');
    }
    state.setPlanView(inventory);
  }

  /** Settles pending journal entries; a failure leaves them for the next pass. */
  private async settleJournal(state: TargetState, serviceDiscovery: ServiceDiscoveryClient, logger: Logger): Promise<void> {
    try {
      await state.settlePending(serviceDiscovery);
    } catch (error) {
      logger.warn({ err: errorText(error) }, 'settling the action journal failed; retrying next reconcile');
    }
  }

  /** Cloud Map operations this target's actuator follows. */
  pendingOperations(): number {
    return this.deps.actuator.pendingOperations();
  }

  /** Resolves once this target has no Cloud Map operation in flight. */
  operationsDone(): Promise<void> {
    return this.deps.actuator.whenOperationsDone();
  }

  /** Follows the Cloud Map operations still in flight to their end (`run --once` has no later pass). */
  async finishOperations(): Promise<ActionOutcome[]> {
    const outcomes = await this.deps.actuator.finishOperations(this.deps.stopSignal);
    this.deps.recentActions.add(outcomes);
    // An operation of this plan that Cloud Map finished has fixed its finding, as a synchronous write would have.
    const done = outcomes.filter((o) => o.result === 'success').map((o) => o.findingKey);
    if (done.length > 0) this.fixed = new Set([...this.fixed, ...done]);
    return outcomes;
  }

  /** Keeps a failed reconcile's message (naming the target) for /status and readiness. */
  recordFailure(error: unknown): void {
    const message = errorText(error);
    const where = this.where();
    this.lastError = { at: this.deps.timers.now(), message: where && !message.includes(where) ? `${message}${where}` : message };
  }

  /** " in <target>" for targets other than the controller's own, for messages. */
  private where(): string {
    const t = this.deps.target;
    return t.isDefault ? '' : ` in target ${t.region}${t.roleArn ? ` as ${t.roleArn}` : ''}`;
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
  return actionSpec(action).refreshKey(action);
}

/** An error's message, whatever was thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
