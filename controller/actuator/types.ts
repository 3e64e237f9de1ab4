import type { Action, RuleName } from '../model/findings.js';

/**
 * What happened to one planned action with decision "execute". `pending`: a Cloud Map write was accepted and
 * its operation is followed by later passes, which report it again as success or failed (never counted twice).
 */
export type ActionResult = 'success' | 'failed' | 'skipped' | 'dry-run' | 'pending';

/** The actuator's record of one action: what was decided and why, for logs, metrics and /status. */
export interface ActionOutcome {
  action: Action;
  /** Finding.key of the finding the action remedies. */
  findingKey: string;
  policy: string;
  rule: RuleName;
  result: ActionResult;
  /** Why it was skipped, or how success was reached ("already-deregistered"); stable kebab-case words. */
  reason?: string;
  error?: { code: string; message: string };
  /** The Cloud Map operation behind an asynchronous write (pending, and its final outcome). */
  operationId?: string;
  /** Epoch ms (injected clock) when the actuator started and finished the action. */
  startedAt: number;
  finishedAt: number;
}

/** The result of one executor before the actuator adds bookkeeping. */
export interface ExecutorResult {
  result: 'success' | 'failed' | 'skipped' | 'pending';
  reason?: string;
  /** With result pending: the Cloud Map operation submitted (or the one already in flight), followed by later passes (and journaled until it ends). */
  operationId?: string;
  error?: { code: string; message: string };
}

/** Thrown inside executors to end an action as failed with a code the user can look up. */
export class ActionFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}
