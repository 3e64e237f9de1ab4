import type { RuleName } from '../model/findings.js';
import { RULE_NAMES, ruleNamed } from '../rules/index.js';
import { classifyPlan, DRIFT_STATES, type DriftState } from './states.js';
import type { Plan } from './types.js';

/** Every rule and drift state, so the drift gauge exports zeros for the pairs without drift (pass to ControllerMetrics). */
export const DRIFT_LABELS = { rules: RULE_NAMES, states: DRIFT_STATES } as const;

/** One policy's drift, as the drift and cost gauges export it (telemetry's PolicyDriftState). */
export interface PolicyDrift {
  name: string;
  /** Resources in drift per rule; rules left out count as zero. */
  driftByRule: Readonly<Partial<Record<RuleName, number>>>;
  /** The same, split by state (plan/states.ts); the drift gauge's `state` label. */
  driftByState: Readonly<Partial<Record<RuleName, Partial<Record<DriftState, number>>>>>;
  /** Cloud Map instances this policy found orphaned (each one is a billed registered resource). */
  orphanedRegistrations: number;
}

/**
 * Groups a plan's findings into per-policy drift counts, by rule and by state. `policyNames` lists every
 * loaded policy so policies without findings still report zero; findings of policies not listed are still
 * counted (they come from the plan).
 */
export function summarizeDrift(
  policyNames: readonly string[],
  plan: Pick<Plan, 'findings' | 'actions'> | undefined,
): PolicyDrift[] {
  type Entry = {
    driftByRule: Partial<Record<RuleName, number>>;
    driftByState: Partial<Record<RuleName, Partial<Record<DriftState, number>>>>;
    orphanedRegistrations: number;
  };
  const empty = (): Entry => ({ driftByRule: {}, driftByState: {}, orphanedRegistrations: 0 });
  const byPolicy = new Map<string, Entry>();
  for (const name of policyNames) byPolicy.set(name, empty());
  for (const { finding, state } of plan ? classifyPlan(plan) : []) {
    let entry = byPolicy.get(finding.policy);
    if (!entry) {
      entry = empty();
      byPolicy.set(finding.policy, entry);
    }
    entry.driftByRule[finding.rule] = (entry.driftByRule[finding.rule] ?? 0) + 1;
    const states = (entry.driftByState[finding.rule] ??= {});
    states[state.state] = (states[state.state] ?? 0) + 1;
    // Only instances are billed registrations; an orphaned service's cost is the sum of its instances' findings.
    if (
      finding.resource.kind === 'cloudmap-instance' &&
      ruleNamed(finding.rule).instanceFindingsAreOrphanedRegistrations
    )
      entry.orphanedRegistrations += 1;
  }
  return [...byPolicy.entries()].map(([name, entry]) => ({ name, ...entry }));
}
