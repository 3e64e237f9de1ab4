/**
 * Following Cloud Map operations without holding a worker: each pass checks the operations that are due with
 * one GetOperation each (operations.ts) and reports those that ended; `run --once` follows them to the end.
 * This is the one follower of Cloud Map operations: with a state store it also records each end in the action
 * journal, and follows the operations the journal shows a previous owner submitted (the journal asks nothing).
 */
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { Logger } from '../telemetry/logger.js';
import { monotonicClock, sleepUnlessAborted, type Clock } from '../util/clock.js';
import { Semaphore } from '../util/semaphore.js';
import { checkOperation } from './operations.js';

/** GetOperation calls of one pass in flight at once. */
const SETTLE_CONCURRENCY = 8;
import type { ActionJournal } from './actuator.js';
import type { AdoptedOperation, OperationTracker, PendingOperation } from './pending.js';
import { logResource } from '../model/actions.js';
import type { ActionOutcome, ExecutorResult } from './types.js';

export interface FollowerDeps {
  client: ServiceDiscoveryClient;
  clock: Clock;
  logger: Logger;
  tracker: OperationTracker;
  /** The actuator's one log line and metric increment per final outcome. */
  report: (outcome: ActionOutcome, extra?: Record<string, unknown>) => void;
  /** An operation running longer than this is logged once as a warning (it is still followed). */
  slowAfterMs: number;
  /** First wait of finish() between checks (doubles up to 5 s, at most 1 s to start). */
  pollMs: number;
  /** The target's action journal, where each operation's end is recorded. */
  journal?: ActionJournal;
}

/** Checks pending operations and turns their end into outcomes (success, or failed with the ErrorCode). */
export class OperationFollower {
  constructor(private readonly deps: FollowerDeps) {}

  /**
   * Checks the Cloud Map operations that are due (all of them with `all`) with one GetOperation each, and
   * reports those that ended: SUCCESS as a success, FAIL as a failed action with the operation's ErrorCode
   * (counted, logged, and backed off before the action is sent again). Runs before each plan, so a pass sees
   * what finished since the last one; returns the outcomes of the operations that ended.
   */
  async settle(signal?: AbortSignal, all = false): Promise<ActionOutcome[]> {
    const outcomes: ActionOutcome[] = [];
    const due = this.deps.tracker.due(this.deps.clock.now(), all);
    // Asked at once (a few at a time), judged one by one: at 10 deregistrations a second, one GetOperation after
    // another made every pass, and so every event's plan waiting behind it, as long as their sum.
    const limit = new Semaphore(SETTLE_CONCURRENCY);
    const checks = due.map((entry) =>
      limit.run(async () => (signal?.aborted ? undefined : checkOperation(this.deps.client, entry))),
    );
    for (const [index, entry] of due.entries()) {
      const check = await checks[index];
      if (signal?.aborted || !check) break;
      const now = this.deps.clock.now();
      if (!check.done) {
        this.deps.tracker.checkLater(entry, now);
        const fields = {
          policy: entry.policy,
          rule: entry.rule,
          resource: logResource(entry.action),
          action: entry.action.type,
          operationId: entry.operationId,
          status: check.status,
        };
        const slow = now - entry.submittedAt > this.deps.slowAfterMs;
        if (slow && !entry.slowReported) {
          // Still followed (it may yet succeed or fail), but an operator should know it is stuck.
          entry.slowReported = true;
          this.deps.logger.warn(
            { ...fields, runningForMs: now - entry.submittedAt },
            'Cloud Map operation still running long after it was submitted; following it on',
          );
        } else {
          this.deps.logger.debug(fields, 'Cloud Map operation still running');
        }
        continue;
      }
      let retryAt: number | undefined;
      if (check.result.result === 'failed')
        retryAt = this.deps.tracker.failed(entry, check.result.error?.code ?? 'OperationFailed', now);
      else if (check.result.result === 'success') this.deps.tracker.succeeded(entry);
      else this.deps.tracker.forget(entry);
      const outcome = { ...this.ownerOutcome(entry, check.result), finishedAt: now };
      outcomes.push(outcome);
      this.deps.report(outcome, retryAt === undefined ? {} : { retryAt: new Date(retryAt).toISOString() });
      if (entry.journalId)
        await this.journalEnd(entry.journalId, check.result, {
          resource: logResource(entry.action),
          action: entry.action.type,
          operationId: entry.operationId,
        });
    }
    for (const entry of this.deps.tracker.dueAdopted(this.deps.clock.now(), all)) {
      if (signal?.aborted) break;
      await this.settleAdopted(entry);
    }
    return outcomes;
  }

  /**
   * Checks an operation adopted from the journal and, once it ended, records that in the journal. It is not an
   * outcome of this actuator's (no metric, no report): the plan, which re-reads AWS, decides anew about its drift.
   */
  private async settleAdopted(entry: AdoptedOperation): Promise<void> {
    // The journal keeps no ARN: an operation in a namespace shared with this account is looked up in our own.
    const check = await checkOperation(this.deps.client, { operationId: entry.operationId });
    const fields = { resource: entry.resource, action: entry.action, operationId: entry.operationId };
    if (!check.done) {
      this.deps.tracker.checkLater(entry, this.deps.clock.now());
      this.deps.logger.debug({ ...fields, status: check.status }, 'journaled Cloud Map operation still running');
      return;
    }
    this.deps.tracker.forgetAdopted(entry);
    if (check.result.result === 'failed')
      this.deps.logger.warn(
        { ...fields, errorCode: check.result.error?.code },
        'a journaled Cloud Map operation failed',
      );
    await this.journalEnd(entry.journalId, check.result, fields);
  }

  /** Records an operation's end in the journal; a failure to write it leaves the entry for a later pass or owner. */
  private async journalEnd(journalId: string, result: ExecutorResult, fields: Record<string, unknown>): Promise<void> {
    const journal = this.deps.journal;
    if (!journal) return;
    const [ended, reason]: ['success' | 'failed' | 'skipped', string] =
      result.result === 'success'
        ? ['success', 'operation-succeeded']
        : result.result === 'failed'
          ? ['failed', `operation-failed: ${result.error?.code ?? 'unknown'}`]
          : ['skipped', result.reason ?? 'operation-unknown'];
    try {
      await journal.outcome(journalId, ended, reason);
    } catch (error) {
      this.deps.logger.warn(
        { ...fields, err: (error as Error).message },
        "the end of a Cloud Map operation could not be journaled; a later pass or the target's next owner follows it again",
      );
    }
  }

  /**
   * Follows every operation still in flight until it ends or `timeoutMs` passes (`run --once`, which has no
   * later pass); operations still running then end as failed OperationTimeout (not confirmed), and are forgotten.
   */
  async finish(signal: AbortSignal | undefined, timeoutMs: number): Promise<ActionOutcome[]> {
    const outcomes: ActionOutcome[] = [];
    const started = monotonicClock.now();
    let delay = Math.min(this.deps.pollMs, 1_000);
    while (this.deps.tracker.list().length > 0 && !signal?.aborted && monotonicClock.now() - started < timeoutMs) {
      outcomes.push(...(await this.settle(signal, true)));
      if (this.deps.tracker.list().length === 0) break;
      await sleepUnlessAborted(Math.min(delay, Math.max(0, timeoutMs - (monotonicClock.now() - started))), signal);
      delay = Math.min(delay * 2, 5_000);
    }
    for (const entry of this.deps.tracker.list()) {
      this.deps.tracker.forget(entry);
      const outcome = this.ownerOutcome(entry, {
        result: 'failed',
        error: {
          code: 'OperationTimeout',
          message: `Cloud Map operation ${entry.operationId} had not finished when the run ended; the next run re-checks the resource`,
        },
      });
      outcomes.push(outcome);
      this.deps.report(outcome);
    }
    return outcomes;
  }

  /** The outcome of an operation's action, from its submission to now. */
  private ownerOutcome(entry: PendingOperation, result: ExecutorResult): ActionOutcome {
    return {
      action: entry.action,
      findingKey: entry.findingKey,
      policy: entry.policy,
      rule: entry.rule,
      ...result,
      operationId: entry.operationId,
      startedAt: entry.submittedAt,
      finishedAt: this.deps.clock.now(),
    };
  }
}
