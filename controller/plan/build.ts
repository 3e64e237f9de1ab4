/**
 * Builds the plan: evaluates every policy, keeps the most specific policy's findings per resource, orders the
 * actions the way the actuator must apply them, and decides each one under the safety contract. Pure.
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy, PolicySet } from '../policy/types.js';
import { evaluateAll, RULES } from '../rules/index.js';
import { planOrder } from '../model/actions.js';
import type { Finding } from '../model/findings.js';
import { decideEnforcement, type Draft } from './decide.js';
import type { RecentDeletions } from './deletion-budget.js';
import { resolveOverlaps } from './overlap.js';
import type { Plan, PlannedAction, PolicySummary } from './types.js';

/** What a plan is built from; everything is passed in, nothing is read. */
export interface BuildPlanInput {
  policies: PolicySet;
  inventory: Inventory;
  now: number;
  /** Finding key -> when it was first seen (grace periods count from it); from the previous run, in memory. */
  firstSeen: ReadonlyMap<string, number>;
  /** --dry-run: decide as enforce would, but execute nothing. */
  dryRun?: boolean;
  /** Deletions per namespace id in the hour before this plan (controller/plan/deletion-budget.ts). */
  recentDeletions?: ReadonlyMap<string, RecentDeletions>;
}

function compareDrafts(a: Draft, b: Draft): number {
  // Plan order (the action registry's phases): deregistrations, the deletion they empty, TTL updates, redeploys.
  const ka = planOrder(a.action, a.finding);
  const kb = planOrder(b.action, b.finding);
  for (let i = 0; i < ka.length; i += 1) {
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  }
  return a.policy.name < b.policy.name ? -1 : a.policy.name > b.policy.name ? 1 : 0;
}

function wouldText(draft: Draft): string {
  return draft.enforceBlock
    ? `would be blocked by ${draft.enforceBlock.reason}: ${draft.enforceBlock.detail}`
    : 'would execute';
}

/** Overlays the policy mode and --dry-run on the enforce decision. */
function finalDecision(draft: Draft, dryRun: boolean): PlannedAction {
  const base = { finding: draft.finding, action: draft.action };
  const ruleBlock = draft.finding.blocked;
  if (ruleBlock) return { ...base, decision: 'blocked', blockedBy: ruleBlock.reason, detail: ruleBlock.detail };
  if (draft.policy.suspend)
    return {
      ...base,
      decision: 'blocked',
      blockedBy: 'suspended',
      detail: `policy is suspended; otherwise it ${wouldText(draft)}`,
    };
  if (draft.policy.mode === 'audit')
    return {
      ...base,
      decision: 'blocked',
      blockedBy: 'audit-mode',
      detail: `audit mode; in enforce mode it ${wouldText(draft)}`,
    };
  if (draft.enforceBlock) {
    const { reason, detail, until } = draft.enforceBlock;
    return {
      ...base,
      decision: 'blocked',
      blockedBy: reason,
      detail,
      ...(until !== undefined ? { blockedUntil: until } : {}),
    };
  }
  if (dryRun)
    return {
      ...base,
      decision: 'blocked',
      blockedBy: 'dry-run',
      detail: 'dry run; without --dry-run it would execute',
    };
  return { ...base, decision: 'execute' };
}

/**
 * Updates grace-period clocks: keys seen now keep their first sighting (or start now); keys no longer seen are
 * dropped. A finding blocked by a read error was not really observed, so its clock restarts.
 */
function nextFirstSeen(
  findings: readonly Finding[],
  previous: ReadonlyMap<string, number>,
  now: number,
): Map<string, number> {
  const next = new Map<string, number>();
  for (const finding of findings) {
    const since = previous.get(finding.key);
    // A read error proves nothing either way: it never starts a grace clock, but neither does it reset one,
    // or steady throttling would postpone every deletion for ever.
    if (finding.blocked?.reason === 'scope-read-error') {
      if (since !== undefined) next.set(finding.key, since);
      continue;
    }
    next.set(finding.key, Math.min(since ?? now, now));
  }
  return next;
}

function summarize(policy: Policy, findings: readonly Finding[], actions: readonly PlannedAction[]): PolicySummary {
  const mine = actions.filter((a) => a.finding.policy === policy.name);
  return {
    policy: policy.name,
    mode: policy.mode,
    suspended: policy.suspend,
    findings: findings.filter((f) => f.policy === policy.name).length,
    actionsToExecute: mine.filter((a) => a.decision === 'execute').length,
    actionsBlocked: mine.filter((a) => a.decision === 'blocked').length,
  };
}

/**
 * A finding of a rule whose findings are moot once their Cloud Map service is gone (a TTL update, say) about a
 * service this plan deletes (as enforce would) would fail after the deletion: drop that finding and its action.
 * If the deletion is blocked, the finding stays.
 */
function dropSupersededFindings(findings: Finding[], drafts: Draft[]): { findings: Finding[]; drafts: Draft[] } {
  const deleted = new Set(
    drafts
      .filter((d) => d.action.type === 'cloudmap:DeleteService' && !d.enforceBlock && !d.finding.blocked)
      .map((d) => (d.action.type === 'cloudmap:DeleteService' ? d.action.serviceId : '')),
  );
  if (deleted.size === 0) return { findings, drafts };
  const mootRules = new Set(RULES.filter((rule) => rule.mootWhenServiceDeleted).map((rule) => rule.name));
  const moot = (f: Finding): boolean =>
    mootRules.has(f.rule) && f.resource.kind === 'cloudmap-service' && deleted.has(f.resource.id);
  return { findings: findings.filter((f) => !moot(f)), drafts: drafts.filter((d) => !moot(d.finding)) };
}

/** Evaluates all policies against the inventory and decides every action; returns the plan and the new grace clocks. */
export function buildPlan(input: BuildPlanInput): { plan: Plan; firstSeen: Map<string, number> } {
  const { policies, inventory, now } = input;
  const all = policies.policies.flatMap((policy) => evaluateAll(policy, inventory, now));
  const resolved = resolveOverlaps(policies.policies, inventory, all);
  const firstSeen = nextFirstSeen(resolved, input.firstSeen, now);
  const byName = new Map(policies.policies.map((p) => [p.name, p]));
  const decided: Draft[] = [];
  for (const finding of resolved) {
    const policy = byName.get(finding.policy);
    if (finding.action && policy) decided.push({ finding, action: finding.action, policy });
  }
  decided.sort(compareDrafts);
  decideEnforcement(decided, {
    inventory,
    now,
    firstSeen,
    ...(input.recentDeletions ? { recentDeletions: input.recentDeletions } : {}),
    ...(policies.bounds?.maxDeletionsPerHour !== undefined
      ? { maxDeletionsPerHour: policies.bounds.maxDeletionsPerHour }
      : {}),
    ...(policies.bounds?.maxConcurrentRedeploys !== undefined
      ? { maxConcurrentRedeploys: policies.bounds.maxConcurrentRedeploys }
      : {}),
  });
  const { findings, drafts } = dropSupersededFindings(resolved, decided);
  const actions = drafts.map((d) => finalDecision(d, input.dryRun ?? false));
  return {
    plan: {
      generatedAt: now,
      revision: policies.revision,
      findings,
      actions,
      summaries: policies.policies.map((p) => summarize(p, findings, actions)),
    },
    firstSeen,
  };
}
