import type { Action, RuleName } from '../rules/types.js';

/** What happened to one planned action with decision "execute". */
export type ActionResult = 'success' | 'failed' | 'skipped' | 'dry-run';

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
  /** Epoch ms (injected clock) when the actuator started and finished the action. */
  startedAt: number;
  finishedAt: number;
}

/** The result of one executor before the actuator adds bookkeeping. */
export interface ExecutorResult {
  result: 'success' | 'failed' | 'skipped';
  reason?: string;
  /** A Cloud Map operation submitted and not followed to its end (the journal keeps it until it is). */
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
