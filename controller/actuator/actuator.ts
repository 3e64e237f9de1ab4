import { awsErrorCode, type AwsClients } from '../aws/clients.js';
import type { Plan, PlannedAction } from '../plan/types.js';
import type { Action } from '../model/findings.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import { logResource, resourceOf } from '../model/actions.js';
import type { ExecutorContext } from './context.js';
import { execute } from './executors.js';
import { OperationFollower } from './follow.js';
import { OperationTracker, operationKey } from './pending.js';
import { recordBlocked } from './blocked.js';
import { WriteRateLimiter, type Pacer } from './rate-limit.js';
import { ActionFailure, type ActionOutcome, type ExecutorResult } from './types.js';
import { FenceLostError } from '../state/types.js';

export type { ActionOutcome, ActionResult } from './types.js';

/** What the actuator is built from; everything but clients, logger, clock and dryRun has a default. */
export interface ActuatorDeps {
  clients: AwsClients;
  logger: Logger;
  clock: Clock;
  /** Log and count what would be done, send nothing. */
  dryRun: boolean;
  metrics?: ControllerMetrics;
  /** Resources worked on at once (actions on one resource always run one after another). Default 4. */
  concurrency?: number;
  /** Longest wait of finishOperations() (`run --once`); later passes warn once about an operation older than this. Default 120 s. */
  operationTimeoutMs?: number;
  /** When a later pass first checks a Cloud Map operation after the write (doubles per check up to 30 s). Default 1 s. */
  operationPollMs?: number;
  /** After an operation FAILs, the action is not sent again for this long (doubles per FAIL up to 15 min). Default 30 s. */
  failureBackoffMs?: number;
  /** Writes per second per AWS write API (token bucket, burst of the same size). Default: DEFAULT_WRITE_RATES (rate-limit.ts). */
  writesPerSecond?: number;
  /** Time source for rate-limit pacing; real monotonic time by default. */
  pacer?: Pacer;
  /** The target's action journal (controller/state/target-state.ts): intent before each write, outcome after. */
  journal?: ActionJournal;
}

/** A journal entry as the actuator reads it back: a write whose Cloud Map operation may still be running. */
export interface JournaledOperation {
  id: string;
  action: string;
  resource: string;
  operationId?: string;
  outcome?: { result: string };
}

/** Where the actuator journals its writes; intent and outcome throw FenceLostError once the target's lease is lost. */
export interface ActionJournal {
  intent(write: { action: string; resource: string; findingKey: string; policy: string }): Promise<string>;
  outcome(
    id: string,
    result: 'success' | 'failed' | 'skipped' | 'submitted',
    reason?: string,
    operationId?: string,
  ): Promise<void>;
  /** When a redeploy of this ECS service resource was last journaled, by this or a previous owner. */
  lastRedeployIntent(resource: string): number | undefined;
}

/**
 * The only code that writes to AWS. Applies a plan's "execute" actions in plan order, re-checking the current
 * state before each write so that applying the same plan twice, or after a restart, changes nothing more.
 *
 * Metrics: the actuator counts every decision it sees, including the plan's blocked ones
 * (actions_blocked_total, once per blocked action per apply; sanity_guard_trips_total once per policy and
 * namespace per apply), so callers must not count blocked actions themselves.
 */
export class Actuator {
  private readonly limiter: WriteRateLimiter;
  private readonly concurrency: number;
  /** Finding key -> the block reason last logged at info, so a wait is announced once, not at every resync. */
  private readonly announcedBlocks = new Map<string, string>();
  /** Cloud Map operations submitted and not yet seen at SUCCESS or FAIL, and the backoff of failed ones. */
  private readonly operations: OperationTracker;
  private readonly follower: OperationFollower;
  /** Write keys whose last attempt failed (the write itself, not its operation): retried only when apply says so. */
  private readonly failedWrites = new Map<string, { code: string; count: number }>();

  constructor(private readonly deps: ActuatorDeps) {
    this.limiter = new WriteRateLimiter(deps.writesPerSecond, deps.pacer);
    this.concurrency = Math.max(1, deps.concurrency ?? 4);
    this.operations = new OperationTracker({
      firstCheckDelayMs: deps.operationPollMs ?? 1_000,
      maxCheckDelayMs: 30_000,
      backoffMs: deps.failureBackoffMs ?? 30_000,
      maxBackoffMs: 15 * 60_000,
    });
    this.follower = new OperationFollower({
      client: deps.clients.serviceDiscovery,
      clock: deps.clock,
      logger: deps.logger,
      tracker: this.operations,
      report: (outcome, extra) => this.report(outcome, extra),
      ...(deps.journal ? { journal: deps.journal } : {}),
      slowAfterMs: deps.operationTimeoutMs ?? 120_000,
      pollMs: deps.operationPollMs ?? 1_000,
    });
  }

  /**
   * Checks the Cloud Map operations that are due (all of them with `all`) and reports those that ended
   * (follow.ts). Runs before each plan, so a pass sees what finished since the last one.
   */
  settle(signal?: AbortSignal, all = false): Promise<ActionOutcome[]> {
    return this.follower.settle(signal, all);
  }

  /** Follows every operation still in flight to its end or `timeoutMs` (`run --once`, which has no later pass). */
  finishOperations(
    signal?: AbortSignal,
    timeoutMs = this.deps.operationTimeoutMs ?? 120_000,
  ): Promise<ActionOutcome[]> {
    return this.follower.finish(signal, timeoutMs);
  }

  /**
   * Follows the Cloud Map operations the journal shows submitted and this actuator does not follow yet (a
   * previous owner's, or this process's before a restart), to record their end there; checked at the next settle.
   */
  adoptOperations(entries: readonly JournaledOperation[]): void {
    const now = this.deps.clock.now();
    for (const entry of entries) {
      if (entry.outcome?.result !== 'submitted' || !entry.operationId) continue;
      this.operations.adopt(
        { operationId: entry.operationId, journalId: entry.id, action: entry.action, resource: entry.resource },
        now,
      );
    }
  }

  /** Cloud Map operations in flight (submitted, not yet seen at SUCCESS or FAIL). */
  pendingOperations(): number {
    return this.operations.list().length;
  }

  /** Resolves once no Cloud Map operation is in flight. */
  whenOperationsDone(): Promise<void> {
    return this.operations.whenEmpty();
  }

  /** When a later pass is next needed for a backoff that ends, with the actions concerned. */
  nextFollowUp(): { at: number; actions: Action[] } | undefined {
    return this.operations.nextFollowUp(this.deps.clock.now());
  }

  /** When a later pass is next needed to check a Cloud Map operation (it needs nothing re-read first). */
  nextOperationCheck(): number | undefined {
    return this.operations.nextCheck();
  }

  /**
   * Executes the plan's actions with decision "execute" and returns one outcome per such action, in plan order.
   * When `signal` aborts, no new action starts (the rest end as skipped, reason "aborted"); in-flight writes finish.
   * `retryFailed` says which actions whose last write failed may be sent again now (the runtime: those whose key's
   * backoff ended); the others are skipped ("backoff-after-failure"), so one key's retry does not resend every
   * failing write of the target. Without it, all are.
   */
  async apply(plan: Plan, signal?: AbortSignal, retryFailed?: (action: Action) => boolean): Promise<ActionOutcome[]> {
    recordBlocked(plan, this.announcedBlocks, this.deps);
    // A failed write whose drift is gone from the plan has nothing left to retry.
    const planned = new Set(plan.actions.map((a) => operationKey(a.action)));
    for (const key of this.failedWrites.keys()) if (!planned.has(key)) this.failedWrites.delete(key);
    const toExecute = plan.actions.filter((a) => a.decision === 'execute');
    const outcomes = new Map<PlannedAction, ActionOutcome>();
    const chains = new Map<string, PlannedAction[]>();
    for (const planned of toExecute) {
      const key = resourceOf(planned.action);
      const chain = chains.get(key) ?? [];
      chain.push(planned);
      chains.set(key, chain);
    }
    const pending = [...chains.values()];
    const worker = async () => {
      for (let chain = pending.shift(); chain; chain = pending.shift()) {
        await this.runChain(chain, plan, outcomes, signal, retryFailed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pending.length) }, worker));
    return toExecute.map((planned) => outcomes.get(planned)!);
  }

  /**
   * Runs one resource's actions in order. A failed deregistration stops the deletion of its service; one whose
   * operation is still running makes the deletion wait for a later pass. An action whose operation is in
   * flight is not sent again, nor one whose operation failed less than its backoff ago.
   */
  private async runChain(
    chain: PlannedAction[],
    plan: Plan,
    outcomes: Map<PlannedAction, ActionOutcome>,
    signal?: AbortSignal,
    retryFailed?: (action: Action) => boolean,
  ) {
    let deregistrationFailed = false;
    let deregistrationPending = false;
    for (const planned of chain) {
      let outcome: ActionOutcome;
      const { action } = planned;
      const startedAt = this.deps.clock.now();
      const inFlight = this.operations.pendingFor(action);
      const backoff = this.operations.backoffFor(action, startedAt);
      const failedWrite = this.failedWrites.get(operationKey(action));
      if (signal?.aborted) {
        outcome = this.outcome(planned, startedAt, { result: 'skipped', reason: 'aborted' });
      } else if (this.deps.dryRun) {
        outcome = { ...this.outcome(planned, startedAt, { result: 'skipped', reason: 'dry-run' }), result: 'dry-run' };
      } else if (action.type === 'cloudmap:DeleteService' && deregistrationFailed) {
        outcome = this.outcome(planned, startedAt, { result: 'skipped', reason: 'deregistration-failed' });
      } else if (
        action.type === 'cloudmap:DeleteService' &&
        (deregistrationPending || this.operations.deregistrationPendingIn(action.serviceId))
      ) {
        outcome = this.outcome(planned, startedAt, { result: 'skipped', reason: 'deregistration-pending' });
      } else if (inFlight) {
        outcome = this.outcome(planned, startedAt, {
          result: 'pending',
          reason: 'operation-pending',
          operationId: inFlight.operationId,
        });
      } else if (backoff) {
        outcome = this.outcome(planned, startedAt, {
          result: 'skipped',
          reason: 'backoff-after-failure',
          error: {
            code: backoff.code,
            message: `the last Cloud Map operation failed with ${backoff.code} (${backoff.count} time(s)); retrying after ${new Date(backoff.retryAt).toISOString()}`,
          },
        });
      } else if (failedWrite && retryFailed && !retryFailed(action)) {
        outcome = this.outcome(planned, startedAt, {
          result: 'skipped',
          reason: 'backoff-after-failure',
          error: {
            code: failedWrite.code,
            message: `the last ${action.type} failed with ${failedWrite.code} (${failedWrite.count} time(s)); retried when its key's backoff ends`,
          },
        });
      } else {
        const { journalId, ...result } = await this.journaled(planned, () => this.execute(planned, plan, signal));
        if (result.result === 'failed')
          this.failedWrites.set(operationKey(action), {
            code: result.error?.code ?? 'unknown',
            count: (failedWrite?.count ?? 0) + 1,
          });
        else this.failedWrites.delete(operationKey(action));
        if (result.result === 'pending' && result.operationId) {
          const owner = {
            action,
            findingKey: planned.finding.key,
            policy: planned.finding.policy,
            rule: planned.finding.rule,
          };
          this.operations.track(
            owner,
            result.operationId,
            this.deps.clock.now(),
            result.reason === 'operation-submitted' ? undefined : result.reason,
            journalId,
          );
        }
        outcome = this.outcome(planned, startedAt, result);
      }
      if (action.type === 'cloudmap:DeregisterInstance') {
        if (outcome.result === 'pending') deregistrationPending = true;
        else if (outcome.result !== 'success') deregistrationFailed = true;
      }
      outcomes.set(planned, outcome);
      this.report(outcome);
    }
  }

  /**
   * Runs a write between its journal intent and outcome. No intent, no write: a replica whose lease was taken
   * (a paused process that woke up) skips with reason "lease-lost". An outcome that cannot be journaled is left
   * pending for the successor, which follows it up (state/target-state.ts settlePending). Returns the journal
   * entry's id with the result: the follower records the end of a submitted operation there.
   */
  private async journaled(
    planned: PlannedAction,
    run: () => Promise<ExecutorResult>,
  ): Promise<ExecutorResult & { journalId?: string }> {
    const journal = this.deps.journal;
    if (!journal) return run();
    const write = {
      action: planned.action.type,
      resource: logResource(planned.action),
      findingKey: planned.finding.key,
      policy: planned.finding.policy,
    };
    let id: string;
    try {
      id = await journal.intent(write);
    } catch (error) {
      if (error instanceof FenceLostError) return { result: 'skipped', reason: 'lease-lost' };
      return {
        result: 'failed',
        error: {
          code: awsErrorCode(error),
          message: `journaling the intent of ${write.action} on ${write.resource} failed: ${(error as Error).message}`,
        },
      };
    }
    const result = await run();
    try {
      // A pending Cloud Map write is journaled "submitted" with its OperationId until its operation ends.
      await journal.outcome(
        id,
        result.result === 'pending' ? 'submitted' : result.result,
        result.reason,
        result.operationId,
      );
    } catch (error) {
      this.deps.logger.warn(
        { resource: write.resource, action: write.action, err: (error as Error).message },
        "the outcome of a write could not be journaled; the target's next owner settles it",
      );
    }
    return { ...result, journalId: id };
  }

  /** Runs the executor for one action and turns any error into a failed result with a code. */
  private async execute(planned: PlannedAction, plan: Plan, signal?: AbortSignal): Promise<ExecutorResult> {
    const ctx: ExecutorContext = {
      clients: this.deps.clients,
      limiter: this.limiter,
      signal,
    };
    const action = planned.action;
    try {
      return await execute(ctx, action, {
        generatedAt: plan.generatedAt,
        lastRedeployIntent: this.deps.journal && ((resource) => this.deps.journal!.lastRedeployIntent(resource)),
      });
    } catch (error) {
      if (error instanceof ActionFailure)
        return { result: 'failed', error: { code: error.code, message: error.message } };
      const message = error instanceof Error ? error.message : String(error);
      return {
        result: 'failed',
        error: { code: awsErrorCode(error), message: `${action.type} on ${logResource(action)} failed: ${message}` },
      };
    }
  }

  private outcome(planned: PlannedAction, startedAt: number, result: ExecutorResult): ActionOutcome {
    return {
      action: planned.action,
      findingKey: planned.finding.key,
      policy: planned.finding.policy,
      rule: planned.finding.rule,
      ...result,
      startedAt,
      finishedAt: this.deps.clock.now(),
    };
  }

  /**
   * One log event per decision, and one metric increment per decision that is final: a write whose Cloud Map
   * operation is still running is counted once, when the operation ends (success or failed).
   */
  private report(outcome: ActionOutcome, extra: Record<string, unknown> = {}): void {
    const fields = {
      policy: outcome.policy,
      rule: outcome.rule,
      resource: logResource(outcome.action),
      action: outcome.action.type,
      result: outcome.result,
      reason: outcome.reason,
      findingKey: outcome.findingKey,
      ...(outcome.operationId ? { operationId: outcome.operationId } : {}),
      ...(outcome.error ? { errorCode: outcome.error.code, error: outcome.error.message } : {}),
      ...extra,
    };
    if (outcome.result === 'pending') {
      if (outcome.reason === 'operation-pending')
        this.deps.logger.debug(fields, 'action waits for its Cloud Map operation');
      else this.deps.logger.info(fields, 'action submitted; Cloud Map finishes it later (operation followed)');
      return;
    }
    if (outcome.result === 'failed') this.deps.logger.warn(fields, 'action failed');
    else if (outcome.result === 'dry-run') this.deps.logger.info(fields, 'action not sent (dry run)');
    else if (outcome.reason === 'backoff-after-failure') this.deps.logger.debug(fields, 'action skipped');
    else this.deps.logger.info(fields, outcome.result === 'success' ? 'action applied' : 'action skipped');
    const metricResult = outcome.result === 'dry-run' ? 'skipped' : outcome.result;
    this.deps.metrics?.recordAction(
      { policy: outcome.policy, rule: outcome.rule, action: outcome.action.type },
      metricResult,
    );
  }
}
