import { classifyPlan, type DriftState } from '../plan/states.js';
import type { Plan } from '../plan/types.js';
import type { RuleName } from '../model/findings.js';

/**
 * Point-in-time state the controller exposes as gauges. The metrics class asks a provider for it at each
 * scrape and rebuilds the gauges from it, so a policy that is gone from the state is gone from /metrics.
 */
export interface MetricsState {
  /** Every loaded policy, including those with no drift (they export zeros, so dashboards see them). */
  policies: readonly PolicyDriftState[];
  /** The revision each policy source is at (e.g. a git commit or an S3 listing digest). */
  sources: readonly { source: string; revision: string }[];
  /** Keys waiting in the work queue. */
  workqueueDepth: number;
  /** With --queue-url: whether the event consumer's receives succeed (undefined without a queue). */
  eventsReceiving?: boolean;
}

/** One policy's drift, as the drift and cost gauges export it. */
export interface PolicyDriftState {
  name: string;
  /** Resources in drift per rule; rules left out count as zero. */
  driftByRule: Readonly<Partial<Record<RuleName, number>>>;
  /** The same, split by state (plan/states.ts); the drift gauge's `state` label. */
  driftByState: Readonly<Partial<Record<RuleName, Partial<Record<DriftState, number>>>>>;
  /** Cloud Map instances this policy found orphaned (each one is a billed registered resource). */
  orphanedRegistrations: number;
}

/** An empty state, for before the first reconcile. */
export const EMPTY_METRICS_STATE: MetricsState = { policies: [], sources: [], workqueueDepth: 0 };

/**
 * Groups a plan's findings into per-policy drift counts, by rule and by state. `policyNames` lists every
 * loaded policy so policies without findings still report zero; findings of policies not listed are still
 * counted (they come from the plan).
 */
export function summarizeDrift(policyNames: readonly string[], plan: Pick<Plan, 'findings' | 'actions'> | undefined): PolicyDriftState[] {
  type Entry = { driftByRule: Partial<Record<RuleName, number>>; driftByState: Partial<Record<RuleName, Partial<Record<DriftState, number>>>>; orphanedRegistrations: number };
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
    if (finding.rule === 'cloudMapOrphans' && finding.resource.kind === 'cloudmap-instance') entry.orphanedRegistrations += 1;
  }
  return [...byPolicy.entries()].map(([name, entry]) => ({ name, ...entry }));
}
