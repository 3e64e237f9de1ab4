/**
 * Cloud Map writes (DeregisterInstance, UpdateService) return an OperationId and succeed or fail later
 * (GetOperation Status SUBMITTED|PENDING|SUCCESS|FAIL, aws-facts §4). The actuator does not wait for them: it
 * records each one here and later passes check the ones that are due, so no worker is held while Cloud Map
 * (and Route 53 behind it) works. A FAIL starts a backoff for that action: it is not sent again before then.
 */
import { actionSpec } from '../model/actions.js';
import type { Action, RuleName } from '../model/findings.js';

/** The planned action an operation belongs to, as the actuator reports it. */
export interface OperationOwner {
  action: Action;
  findingKey: string;
  policy: string;
  rule: RuleName;
}

/** A submitted Cloud Map write whose operation has not been seen at SUCCESS or FAIL yet. */
export interface PendingOperation extends OperationOwner {
  operationId: string;
  /** How success was reached when it is ("followed-duplicate-operation"), carried to the final outcome. */
  reason?: string;
  submittedAt: number;
  /** GetOperation answers seen so far (the next check waits twice as long as the last, up to a cap). */
  checks: number;
  nextCheckAt: number;
  /** Set once the operation was reported as running unusually long (logged once, then followed on). */
  slowReported?: boolean;
  /** The journal entry of the write (with a state store): the follower records the operation's end there. */
  journalId?: string;
}

/**
 * A Cloud Map operation the journal shows submitted and that this actuator did not submit (a previous owner of
 * the target, or this process before a restart): followed only to record its end in the journal.
 */
export interface AdoptedOperation {
  operationId: string;
  journalId: string;
  /** The journaled action type and resource, for logs. */
  action: string;
  resource: string;
  checks: number;
  nextCheckAt: number;
}

export interface TrackerOptions {
  /** First check this long after submission; doubles per check up to `maxCheckDelayMs`. */
  firstCheckDelayMs: number;
  maxCheckDelayMs: number;
  /** Wait after a FAIL before the action may be sent again; doubles per consecutive FAIL up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** The identity of a write: two actions with the same key would submit the same operation. */
export function operationKey(action: Action): string {
  return actionSpec(action).writeKey(action);
}

/** Pending Cloud Map operations and the backoff of actions whose operation failed, per actuator (target). */
export class OperationTracker {
  private readonly pending = new Map<string, PendingOperation>();
  /** Operation id -> an operation adopted from the journal; kept apart: it holds no action back and wakes no pass. */
  private readonly adopted = new Map<string, AdoptedOperation>();
  private readonly failures = new Map<string, { count: number; retryAt: number; code: string; action: Action }>();
  private emptyWaiters: (() => void)[] = [];

  constructor(private readonly options: TrackerOptions) {}

  /** Starts following an operation submitted at `now`. */
  track(
    owner: OperationOwner,
    operationId: string,
    now: number,
    reason?: string,
    journalId?: string,
  ): PendingOperation {
    const entry: PendingOperation = {
      ...owner,
      operationId,
      reason,
      submittedAt: now,
      checks: 0,
      nextCheckAt: now + this.options.firstCheckDelayMs,
      ...(journalId ? { journalId } : {}),
    };
    this.pending.set(operationKey(owner.action), entry);
    return entry;
  }

  /** The operation in flight for this action, if any. */
  pendingFor(action: Action): PendingOperation | undefined {
    return this.pending.get(operationKey(action));
  }

  /** True while a deregistration from this Cloud Map service is in flight (the service is not empty yet). */
  deregistrationPendingIn(serviceId: string): boolean {
    for (const entry of this.pending.values()) {
      if (entry.action.type === 'cloudmap:DeregisterInstance' && entry.action.serviceId === serviceId) return true;
    }
    return false;
  }

  /** True when this operation is followed already (submitted here, or adopted from the journal). */
  follows(operationId: string): boolean {
    if (this.adopted.has(operationId)) return true;
    for (const entry of this.pending.values()) if (entry.operationId === operationId) return true;
    return false;
  }

  /** Starts following a journaled operation this actuator did not submit; its first check is due at once. */
  adopt(operation: Omit<AdoptedOperation, 'checks' | 'nextCheckAt'>, now: number): void {
    if (!this.follows(operation.operationId))
      this.adopted.set(operation.operationId, { ...operation, checks: 0, nextCheckAt: now });
  }

  /** Adopted operations whose next check is due at `now` (all of them when `all`). */
  dueAdopted(now: number, all = false): AdoptedOperation[] {
    return [...this.adopted.values()].filter((entry) => all || entry.nextCheckAt <= now);
  }

  /** An adopted operation ended (its end is journaled): stop following it. */
  forgetAdopted(entry: AdoptedOperation): void {
    this.adopted.delete(entry.operationId);
  }

  /** Operations whose next check is due at `now` (all of them when `all`). */
  due(now: number, all = false): PendingOperation[] {
    return [...this.pending.values()].filter((entry) => all || entry.nextCheckAt <= now);
  }

  /** Every operation still in flight. */
  list(): PendingOperation[] {
    return [...this.pending.values()];
  }

  /** The operation is still running: check it again later, less often each time. */
  checkLater(entry: { checks: number; nextCheckAt: number }, now: number): void {
    entry.checks += 1;
    entry.nextCheckAt =
      now + Math.min(this.options.firstCheckDelayMs * 2 ** entry.checks, this.options.maxCheckDelayMs);
  }

  /** The operation ended (or is forgotten): stop following it. */
  forget(entry: PendingOperation): void {
    if (this.pending.get(operationKey(entry.action)) === entry) this.pending.delete(operationKey(entry.action));
    if (this.pending.size === 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Resolves once no operation is in flight (now, or when the last one ends). */
  whenEmpty(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Records a SUCCESS: a later FAIL of the same action starts its backoff from the beginning again. */
  succeeded(entry: PendingOperation): void {
    this.forget(entry);
    this.failures.delete(operationKey(entry.action));
  }

  /** Records a FAIL; returns when the action may be sent again. */
  failed(entry: PendingOperation, code: string, now: number): number {
    this.forget(entry);
    const key = operationKey(entry.action);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const retryAt = now + Math.min(this.options.backoffMs * 2 ** (count - 1), this.options.maxBackoffMs);
    this.failures.set(key, { count, retryAt, code, action: entry.action });
    return retryAt;
  }

  /** The backoff an earlier FAIL imposes on this action at `now`, if it still runs. */
  backoffFor(action: Action, now: number): { retryAt: number; code: string; count: number } | undefined {
    const failure = this.failures.get(operationKey(action));
    return failure && failure.retryAt > now ? failure : undefined;
  }

  /** When the next operation check is due (a pass that settles operations, and re-reads nothing before). */
  nextCheck(): number | undefined {
    let at: number | undefined;
    for (const entry of this.pending.values()) if (at === undefined || entry.nextCheckAt < at) at = entry.nextCheckAt;
    return at;
  }

  /** The earliest moment a failed operation's backoff ends, with its actions (their keys are re-read then). */
  nextFollowUp(now: number): { at: number; actions: Action[] } | undefined {
    let at = Number.POSITIVE_INFINITY;
    let actions: Action[] = [];
    const consider = (when: number, action: Action) => {
      if (when < at) {
        at = when;
        actions = [action];
      } else if (when === at) {
        actions.push(action);
      }
    };
    for (const failure of this.failures.values()) if (failure.retryAt > now) consider(failure.retryAt, failure.action);
    return Number.isFinite(at) ? { at, actions } : undefined;
  }
}
