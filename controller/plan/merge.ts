import type { Plan } from './types.js';

/**
 * One plan from per-target plans (each target's policies only ever see their own target's fleet): findings,
 * actions and summaries side by side, target after target. A single plan is returned as it is.
 */
export function mergePlans(plans: readonly Plan[], revision: string, now: number): Plan {
  if (plans.length === 1) return plans[0];
  return {
    generatedAt: now,
    revision,
    findings: plans.flatMap((p) => p.findings),
    actions: plans.flatMap((p) => p.actions),
    summaries: plans.flatMap((p) => p.summaries),
  };
}
