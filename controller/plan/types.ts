import type { Action, BlockReason, Finding } from '../model/findings.js';

/** A finding's action with the safety decision the actuator will apply. */
export interface PlannedAction {
  finding: Finding;
  action: Action;
  /** execute: the actuator will send it; blocked: it will not, for `blockedBy`. */
  decision: 'execute' | 'blocked';
  blockedBy?: BlockReason;
  /** When `blockedBy` ends by itself (epoch ms on AWS's time; a cooldown), so the runtime can requeue then. */
  blockedUntil?: number;
  /** Human explanation of the decision ("cooldown until 2026-11-25T14:00Z"). */
  detail?: string;
}

export interface PolicySummary {
  policy: string;
  mode: 'audit' | 'enforce';
  suspended: boolean;
  findings: number;
  actionsToExecute: number;
  actionsBlocked: number;
}

export interface Plan {
  generatedAt: number;
  revision: string;
  findings: readonly Finding[];
  /** In the order the actuator must apply them (deregistrations before the service deletion they empty). */
  actions: readonly PlannedAction[];
  summaries: readonly PolicySummary[];
}
