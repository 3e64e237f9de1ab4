/**
 * The state of each finding, the one classification that `plan`, `/status`, the drift metric, its alert rules
 * and the demo all use, so they never disagree (docs/ARCHITECTURE.md, "Telemetry contract"):
 *
 * - actionable: enforce mode acts on it in this apply. Drift that stays actionable was supposed to be fixed
 *   and was not: this is the only state the alert rules fire on.
 * - blocked: the controller would fix it, but waits (grace period, cooldown, window, concurrency, a deployment
 *   in progress) or a safety check stops it (read error, sanity guard, unproven ownership). It either becomes
 *   actionable by itself or the finding's reason says what a person must look at.
 * - accepted: it is not to be fixed by design: audit mode, a suspended policy, --dry-run, a protected or
 *   Service Connect-managed resource, a registration ECS does not own, a Cloud Map service nothing proves ECS
 *   used (ownership-unproven) or another account created, or a report-only rule.
 */
import type { BlockReason, Finding } from '../model/findings.js';
import type { Plan, PlannedAction } from './types.js';

export const DRIFT_STATES = ['actionable', 'blocked', 'accepted'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** Why a finding is blocked or accepted: a block reason, or report-only for a finding with no action. */
export type DriftReason = BlockReason | 'report-only';

/** Reasons that mean "not to be fixed, by design"; every other block reason is `blocked`. */
const ACCEPTED: ReadonlySet<DriftReason> = new Set<DriftReason>([
  'audit-mode',
  'suspended',
  'dry-run',
  'protected',
  'service-connect-managed',
  'not-ecs-owned',
  'ownership-unproven',
  'other-account',
  'report-only',
]);

/** One finding's state and, unless actionable, the reason. */
export interface FindingState {
  state: DriftState;
  reason?: DriftReason;
}

/** The state of one finding given its planned action (undefined: the plan has no action for it). */
export function findingState(finding: Finding, planned: PlannedAction | undefined): FindingState {
  if (planned?.decision === 'execute') return { state: 'actionable' };
  const reason: DriftReason = planned?.blockedBy ?? finding.blocked?.reason ?? 'report-only';
  return { state: ACCEPTED.has(reason) ? 'accepted' : 'blocked', reason };
}

/** Counts of findings per state, with the reasons of the blocked and accepted ones. */
export interface DriftCounts {
  actionable: number;
  blocked: number;
  accepted: number;
  /** Reason -> findings, for the blocked and the accepted ones. */
  reasons: { blocked: Record<string, number>; accepted: Record<string, number> };
}

/** Every finding of the plan (optionally of one policy) with its state. */
export function classifyPlan(
  plan: Pick<Plan, 'findings' | 'actions'>,
  policy?: string,
): { finding: Finding; state: FindingState }[] {
  const byFinding = new Map<Finding, PlannedAction>(plan.actions.map((a) => [a.finding, a]));
  return plan.findings
    .filter((f) => policy === undefined || f.policy === policy)
    .map((finding) => ({ finding, state: findingState(finding, byFinding.get(finding)) }));
}

/** Counts the plan's findings (optionally of one policy) by state. */
export function countDrift(plan: Pick<Plan, 'findings' | 'actions'> | undefined, policy?: string): DriftCounts {
  const counts: DriftCounts = { actionable: 0, blocked: 0, accepted: 0, reasons: { blocked: {}, accepted: {} } };
  for (const { state } of plan ? classifyPlan(plan, policy) : []) {
    counts[state.state] += 1;
    if (state.state !== 'actionable') {
      const reasons = counts.reasons[state.state];
      reasons[state.reason!] = (reasons[state.reason!] ?? 0) + 1;
    }
  }
  return counts;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function reasonList(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, n]) => (n === 1 ? reason : `${reason} ×${n}`))
    .join(', ');
}

/**
 * The one-line verdict every surface prints (demo, /status, plan): "all actionable drift fixed; 5 findings
 * accepted (audit-mode ×2, protected, report-only ×2)", or "3 actionable findings not fixed yet; …".
 */
export function driftSummaryLine(counts: DriftCounts): string {
  if (counts.actionable + counts.blocked + counts.accepted === 0) return 'no drift';
  const parts = [
    counts.actionable === 0
      ? 'all actionable drift fixed'
      : `${plural(counts.actionable, 'actionable finding')} not fixed yet`,
  ];
  if (counts.blocked > 0)
    parts.push(`${plural(counts.blocked, 'finding')} blocked (${reasonList(counts.reasons.blocked)})`);
  if (counts.accepted > 0)
    parts.push(`${plural(counts.accepted, 'finding')} accepted (${reasonList(counts.reasons.accepted)})`);
  return parts.join('; ');
}

/** Adds counts (e.g. of several targets' plans). */
export function addCounts(a: DriftCounts, b: DriftCounts): DriftCounts {
  const merge = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    actionable: a.actionable + b.actionable,
    blocked: a.blocked + b.blocked,
    accepted: a.accepted + b.accepted,
    reasons: {
      blocked: merge(a.reasons.blocked, b.reasons.blocked),
      accepted: merge(a.reasons.accepted, b.reasons.accepted),
    },
  };
}

/**
 * The plan as it stands after its apply: findings whose action succeeded are fixed (the next read confirms
 * it) and are left out, so the metric, /status and the demo do not report fixed drift as "not fixed yet"
 * until the next reconcile.
 */
export function withoutFixed(plan: Plan, fixedKeys: ReadonlySet<string>): Plan {
  if (fixedKeys.size === 0) return plan;
  const findings = plan.findings.filter((f) => !fixedKeys.has(f.key));
  const actions = plan.actions.filter((a) => !fixedKeys.has(a.finding.key));
  const summaries = plan.summaries.map((s) => {
    const mine = actions.filter((a) => a.finding.policy === s.policy);
    const executing = mine.filter((a) => a.decision === 'execute').length;
    return {
      ...s,
      findings: findings.filter((f) => f.policy === s.policy).length,
      actionsToExecute: executing,
      actionsBlocked: mine.length - executing,
    };
  });
  return { ...plan, findings, actions, summaries };
}
