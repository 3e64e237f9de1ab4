/**
 * One target's plan-and-apply, as functions over the target's runtime (target-runtimes.ts): build the plan from
 * the target's policies and its cached inventory (grace-period clocks carried between runs in its progress),
 * apply it with the target's actuator, re-read what was written, and remember the outcome for /status and
 * readiness. The reconciler (reconcile.ts) calls it for one target at a time; `deadlinesOf` tells it when
 * each key of the target needs looking at again.
 */
import { randomUUID } from 'node:crypto';
import type { Actuator, ActionOutcome } from '../actuator/actuator.js';
import type { ReadTarget } from '../aws/targets.js';
import { keyString, type WorkKey } from '../inventory/work-key.js';
import { actionSpec } from '../model/actions.js';
import type { Action } from '../model/findings.js';
import { withStoredEvidence } from './stored-evidence.js';
import { buildPlan } from '../plan/build.js';
import type { DeletionLedger } from '../plan/deletion-budget.js';
import { withoutFixed } from '../plan/states.js';
import type { Plan } from '../plan/types.js';
import type { Announcer } from '../publish/announcer.js';
import type { PolicySet } from '../policy/types.js';
import type { TargetState } from '../state/target-state.js';
import type { Logger } from '../telemetry/logger.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { RecentActions } from '../telemetry/status.js';
import type { Clock } from '../util/clock.js';
import type { InventoryCache } from './inventory-cache.js';
import { recordDeletions } from './deletion-ledger.js';

/** The result of one target's plan-and-apply. */
export interface PlanAndApplyResult {
  plan: Plan;
  outcomes: ActionOutcome[];
  /** Set when the fleet could not be read account-wide: the run counts as failed (readiness, metrics). */
  readError?: string;
}

/** What one target keeps between runs: grace clocks, its last plan and what its apply fixed, last success and error. */
export class TargetProgress {
  lastPlan: Plan | undefined;
  /** Finding keys of lastPlan whose action succeeded in its apply (or whose operation Cloud Map finished since). */
  fixed: ReadonlySet<string> = new Set();
  lastError: { at: number; message: string } | undefined;
  lastSuccessAt: number | undefined;
  firstSeen = new Map<string, number>();

  /** The last plan without the findings its apply fixed: the drift as it stands (metrics, /status). */
  currentPlan(): Plan | undefined {
    return this.lastPlan && withoutFixed(this.lastPlan, this.fixed);
  }
}

/** The parts of a target's runtime that plan-and-apply works with. */
export interface PlanTarget {
  target: ReadTarget;
  set: PolicySet;
  cache: InventoryCache;
  actuator: Actuator;
  progress: TargetProgress;
  /** Deletions per namespace over the last hour (sanity guard, hourly budget). */
  deletionLedger: DeletionLedger;
  /** AWS's time (the target clients' clock): plans compare it with AWS timestamps (cooldowns, grace, staleness). */
  awsClock: Clock;
  /** The target's durable state (with a state store): loaded on lease gain, written as it changes. */
  state?: TargetState;
}

/** What every target's plan-and-apply shares. */
export interface PlanEnv {
  metrics: ControllerMetrics;
  logger: Logger;
  timers: Clock;
  dryRun: boolean;
  /** Aborted when the controller stops: the actuator starts no new write after that. */
  stopSignal: AbortSignal;
  /** Shared by every target, for /status. */
  recentActions: RecentActions;
  /** The controller's own events (--events-bus); absent: none are published. */
  announcer?: Announcer;
}

/**
 * Plans over the target's cached inventory and applies; throws (after recording) when it fails. `retryFailed`: which
 * actions whose last write failed are sent again in this run (Actuator.apply); all of them when absent.
 */
export async function planAndApply(
  t: PlanTarget,
  env: PlanEnv,
  retryFailed?: (action: Action) => boolean,
): Promise<PlanAndApplyResult> {
  const { metrics, timers } = env;
  const { target, progress } = t;
  // Like controller-runtime's reconcileID: ties this run's log lines together.
  const logger = env.logger.child({ reconcileId: randomUUID(), ...(target.isDefault ? {} : { target: target.key }) });
  const started = timers.now();
  try {
    const state = t.state;
    // A new owner (or a restarted replica) starts from the table: grace clocks keep counting, journaled
    // writes are not repeated, pending Cloud Map operations are followed.
    if (state && !state.loaded) {
      progress.firstSeen = await state.load();
      t.deletionLedger.reset?.();
    }
    if (state) await settleJournal(state, t.actuator, logger);
    // Cloud Map operations submitted by earlier passes that ended since: report them, and re-read what the
    // successful ones changed, so this plan sees an instance gone only once Cloud Map has removed it.
    const settled = await t.actuator.settle(env.stopSignal);
    await refreshAfterWrites(t.cache, settled, logger);
    // A full read may be in flight (it lets the old inventory go): plan over what it reads.
    const inventory = (await t.cache.settled())!;
    // Plans judge AWS timestamps, so they run on AWS's time: a container clock an hour off decides the same.
    const now = t.awsClock.now();
    const recentDeletions = await t.deletionLedger.recent(
      inventory.namespaces.map((n) => n.id),
      now,
    );
    // Evidence that ECS used a Cloud Map service survives restarts in the state store.
    const planned = state?.loaded ? withStoredEvidence(inventory, state.evidence()) : inventory;
    const { plan, firstSeen } = buildPlan({
      policies: t.set,
      inventory: planned,
      now,
      firstSeen: progress.firstSeen,
      dryRun: env.dryRun,
      recentDeletions,
    });
    metrics.recordNewFindings(plan.findings.filter((f) => !progress.firstSeen.has(f.key)));
    progress.firstSeen = firstSeen;
    progress.lastPlan = plan;
    progress.fixed = new Set();
    if (state) await saveState(state, progress.firstSeen, inventory, now, logger);
    // A tripped sanity guard means the fleet looked as if much of it had vanished: signals read from the same
    // API may agree with that picture, so the next resync re-reads everything before any deletion is trusted.
    if (plan.actions.some((a) => a.blockedBy === 'sanity-guard')) t.cache.requireFullRead('sanity guard tripped');
    const applied = await t.actuator.apply(plan, env.stopSignal, retryFailed);
    await recordDeletions(t.deletionLedger, applied, inventory, now);
    const outcomes = [...settled, ...applied];
    // A write whose Cloud Map operation is still pending has fixed nothing yet.
    progress.fixed = new Set(applied.filter((o) => o.result === 'success').map((o) => o.findingKey));
    env.recentActions.add(outcomes);
    env.announcer?.announce(target.key, plan, progress.fixed, outcomes);
    await refreshAfterWrites(t.cache, applied, logger);
    // The plan already refuses to prune where reads failed; a read that failed account-wide (AWS unreachable,
    // credentials gone) additionally makes the run a failure, so readiness and the error metric notice.
    const accountWide = inventory.readErrors.find((e) => e.scope.kind === 'account');
    if (accountWide) {
      const readError = `reading the fleet${where(target)} failed account-wide: ${accountWide.operation} ${accountWide.code}: ${accountWide.message}`;
      recordFailure(t, new Error(readError), timers.now());
      logger.warn(
        { err: readError, findings: plan.findings.length },
        'reconciled with an incomplete view of the fleet',
      );
      return { plan, outcomes, readError };
    }
    const finished = timers.now();
    progress.lastSuccessAt = finished;
    progress.lastError = undefined;
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
    recordFailure(t, error, timers.now());
    logger.warn({ err: errorText(error) }, 'reconcile failed');
    throw error;
  }
}

/**
 * When each key of the target needs looking at again (epoch ms of the local timers), like controller-runtime's
 * RequeueAfter: the end of a blocked action's grace period or cooldown (the action's key, re-read then), the end of
 * a failed operation's backoff (likewise), or a Cloud Map operation's next check (the target's `operations` key,
 * which reads nothing first). Keys name the target unless it is the default.
 */
export function deadlinesOf(t: PlanTarget, timers: Clock): Map<string, { key: WorkKey; at: number }> {
  const deadlines = new Map<string, { key: WorkKey; at: number }>();
  const add = (at: number, action: Action) => {
    const key = targetKeyForAction(action, t.target);
    const id = keyString(key);
    const known = deadlines.get(id);
    if (!known || at < known.at) deadlines.set(id, { key, at });
  };
  // Grace clocks run on AWS's time, the actuator's follow-ups and the caller's timers on the local one.
  const skew = t.awsClock.now() - timers.now();
  for (const planned of t.progress.lastPlan?.actions ?? []) {
    // A block that ends by itself (a cooldown) is looked at again when it ends.
    if (planned.blockedUntil !== undefined) add(planned.blockedUntil - skew, planned.action);
    const since = t.progress.firstSeen.get(planned.finding.key);
    const grace = planned.finding.gracePeriodMs;
    if (planned.blockedBy !== 'grace-period' || since === undefined || grace === undefined) continue;
    add(since + grace - skew, planned.action);
  }
  const followUp = t.actuator.nextFollowUp();
  for (const action of followUp?.actions ?? []) add(followUp!.at, action);
  // An operation check needs no re-read first: its settle patches in what a SUCCESS changed (refreshAfterWrites).
  const check = t.actuator.nextOperationCheck();
  if (check !== undefined) {
    const key: WorkKey = t.target.isDefault ? { kind: 'operations' } : { kind: 'operations', target: t.target.key };
    deadlines.set(keyString(key), { key, at: check });
  }
  return deadlines;
}

/** Follows the target's Cloud Map operations still in flight to their end (`run --once` has no later pass). */
export async function finishOperations(t: PlanTarget, env: PlanEnv): Promise<ActionOutcome[]> {
  const outcomes = await t.actuator.finishOperations(env.stopSignal);
  env.recentActions.add(outcomes);
  // An operation of this plan that Cloud Map finished has fixed its finding, as a synchronous write would have.
  const done = outcomes.filter((o) => o.result === 'success').map((o) => o.findingKey);
  if (done.length > 0) t.progress.fixed = new Set([...t.progress.fixed, ...done]);
  return outcomes;
}

/** Keeps a failed reconcile's message (naming the target) for /status and readiness. */
export function recordFailure(t: { target: ReadTarget; progress: TargetProgress }, error: unknown, now: number): void {
  const message = errorText(error);
  const at = where(t.target);
  t.progress.lastError = { at: now, message: at && !message.includes(at) ? `${message}${at}` : message };
}

/** The work key whose refresh shows the effect of an action (the action registry's refreshKey). */
export function keyForAction(action: Action): WorkKey {
  return actionSpec(action).refreshKey(action);
}

/** The action's work key in its target (named unless it is the controller's own). */
export function targetKeyForAction(action: Action, target: ReadTarget): WorkKey {
  const key = keyForAction(action) as Exclude<WorkKey, { kind: 'full' }>;
  return target.isDefault ? key : { ...key, target: target.key };
}

/** An error's message, whatever was thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** " in <target>" for targets other than the controller's own, for messages. */
function where(t: ReadTarget): string {
  return t.isDefault ? '' : ` in target ${t.region}${t.roleArn ? ` as ${t.roleArn}` : ''}`;
}

/** Grace clocks and ownership evidence to the table; a failure only delays (clocks restart later, never earlier). */
async function saveState(
  state: TargetState,
  firstSeen: Map<string, number>,
  inventory: NonNullable<InventoryCache['inventory']>,
  now: number,
  logger: Logger,
): Promise<void> {
  try {
    await state.saveClocks(firstSeen);
    await state.recordEvidence(inventory, now);
  } catch (error) {
    logger.warn(
      { err: errorText(error) },
      'writing grace clocks or ownership evidence to the state store failed; retrying next reconcile',
    );
  }
  state.setPlanView(inventory);
}

/** Settles pending journal entries, handing their Cloud Map operations to the actuator's follower; a failure leaves them for the next pass. */
async function settleJournal(state: TargetState, actuator: Actuator, logger: Logger): Promise<void> {
  try {
    actuator.adoptOperations(await state.settlePending());
  } catch (error) {
    logger.warn({ err: errorText(error) }, 'settling the action journal failed; retrying next reconcile');
  }
}

/**
 * Shows the next plan what was just written: a write whose success proves its effect (the registry's `effect`) is
 * patched into the cache; any other is re-read.
 */
async function refreshAfterWrites(
  cache: InventoryCache,
  outcomes: readonly ActionOutcome[],
  logger: Logger,
): Promise<void> {
  const keys = new Map<string, WorkKey>();
  for (const outcome of outcomes) {
    if (outcome.result !== 'success') continue;
    const spec = actionSpec(outcome.action);
    if (spec.effect) {
      cache.applyEffect((inventory) => spec.effect!(outcome.action, inventory));
      continue;
    }
    const key = keyForAction(outcome.action);
    keys.set(keyString(key), key);
  }
  if (keys.size === 0) return;
  try {
    await cache.refresh([...keys.values()]);
  } catch (error) {
    logger.warn(
      { err: errorText(error), keys: [...keys.keys()] },
      're-reading after writes failed; the next reconcile re-reads',
    );
  }
}

export type { ActionOutcome };
