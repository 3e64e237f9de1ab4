/**
 * The gates of cloudMapOrphans' deletions (docs/ARCHITECTURE.md, the safety contract): no pruning in a scope
 * that could not be read, the sanity guard, the policy's maxDeletionsPerRun and the operator's hourly budget.
 * Run by plan/decide.ts through the rule's `gates`, as enforce mode would apply them.
 */
import { totalOf } from '../plan/deletion-budget.js';
import type { Policy } from '../policy/types.js';
import type { Block, DecideContext, Draft, RuleGates } from './definition.js';
import { describeReadError } from '../inventory/facts.js';
import { namespaceById } from './scope.js';
import type { Action } from '../model/findings.js';

/** Is this a deletion the budgets and the sanity guard count? */
export function isPrune(
  action: Action,
): action is Extract<Action, { type: 'cloudmap:DeregisterInstance' | 'cloudmap:DeleteService' }> {
  return action.type === 'cloudmap:DeregisterInstance' || action.type === 'cloudmap:DeleteService';
}

/** No pruning where a read failed: the missing part may still use what looks orphaned. */
export function pruneReadError(draft: Draft, ctx: DecideContext): Block | undefined {
  if (!isPrune(draft.action)) return undefined;
  const serviceId = draft.action.serviceId;
  const service = ctx.inventory.cloudMapServices.find((s) => s.id === serviceId);
  const error = ctx.inventory.readErrors.find(
    (e) =>
      e.scope.kind === 'account' ||
      (e.scope.kind === 'cloudmap-service' && e.scope.serviceId === serviceId) ||
      (e.scope.kind === 'namespace' && e.scope.namespaceId === service?.namespaceId) ||
      (e.scope.kind === 'cluster' && draft.action.type === 'cloudmap:DeleteService'),
  );
  if (error)
    return { reason: 'scope-read-error', detail: `${describeReadError(error)}: no pruning in that scope this run` };
  if (!service) return { reason: 'scope-read-error', detail: `Cloud Map service ${serviceId} is not in the inventory` };
  return undefined;
}

function namespaceOf(draft: Draft, ctx: DecideContext): string {
  const serviceId = isPrune(draft.action) ? draft.action.serviceId : '';
  return ctx.inventory.cloudMapServices.find((s) => s.id === serviceId)?.namespaceId ?? '';
}

/**
 * Below this many deletions of one kind the 50 % rule does not apply: a namespace of one or two services
 * would otherwise never be cleaned up. The budget, the grace period and the read-error rule still hold.
 */
export const SANITY_GUARD_MIN_DELETIONS = 3;

/** Rule blocks that are final by design (plan/states.ts "accepted"): such a service is no candidate at all. */
const NEVER_PRUNED: ReadonlySet<string> = new Set([
  'protected',
  'service-connect-managed',
  'not-ecs-owned',
  'report-only',
]);

/**
 * Sanity guard: a namespace where the deletions of the last hour plus every prune candidate of this run (blocked
 * or not: a grace period or a read error only postpones a candidate) would remove more than 50 % of its services
 * or instances, or where one policy's executable deletions exceed its maxDeletionsPerRun, prunes nothing.
 */
function applySanityGuard(drafts: readonly Draft[], ctx: DecideContext): void {
  const byNamespace = new Map<string, Draft[]>();
  for (const draft of drafts) {
    if (!isPrune(draft.action) || NEVER_PRUNED.has(draft.finding.blocked?.reason ?? '')) continue;
    const ns = namespaceOf(draft, ctx);
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), draft]);
  }
  for (const [namespaceId, candidates] of byNamespace) {
    const recent = ctx.recentDeletions?.get(namespaceId) ?? { services: 0, instances: 0 };
    const services = ctx.inventory.cloudMapServices.filter((s) => s.namespaceId === namespaceId);
    const instanceTotal = services.reduce((sum, s) => sum + (s.instances?.length ?? s.instanceCount), 0);
    const deletes = candidates.filter((d) => d.action.type === 'cloudmap:DeleteService').length + recent.services;
    const deregs = candidates.filter((d) => d.action.type === 'cloudmap:DeregisterInstance').length + recent.instances;
    // What was deleted in the last hour was part of the namespace then: it counts on both sides.
    const serviceBase = services.length + recent.services;
    const instanceBase = instanceTotal + recent.instances;
    const perPolicy = new Map<Policy, number>();
    for (const d of candidates) if (!d.enforceBlock) perPolicy.set(d.policy, (perPolicy.get(d.policy) ?? 0) + 1);
    const overBudget = [...perPolicy].find(
      ([policy, count]) => count > policy.rules.cloudMapOrphans.maxDeletionsPerRun,
    );
    const reasons: string[] = [];
    const since = recent.services + recent.instances > 0 ? ` (${totalOf(recent)} of them in the last hour)` : '';
    if (deletes >= SANITY_GUARD_MIN_DELETIONS && deletes * 2 > serviceBase)
      reasons.push(`${deletes} of ${serviceBase} services${recent.services > 0 ? since : ''}`);
    if (deregs >= SANITY_GUARD_MIN_DELETIONS && deregs * 2 > instanceBase)
      reasons.push(`${deregs} of ${instanceBase} instances${recent.instances > 0 ? since : ''}`);
    if (overBudget)
      reasons.push(
        `${overBudget[1]} deletions, above maxDeletionsPerRun ${overBudget[0].rules.cloudMapOrphans.maxDeletionsPerRun}`,
      );
    if (reasons.length === 0) continue;
    const name = namespaceById(ctx.inventory, namespaceId).name;
    const detail = `this run would prune ${reasons.join(' and ')} in namespace ${name}, counting every candidate, blocked or not (more than 50 % or the budget): pruning nothing there`;
    for (const d of candidates) if (!d.enforceBlock) d.enforceBlock = { reason: 'sanity-guard', detail };
  }
}

/** The operator's hourly budget per namespace, over the deletions of the last hour (all runs and revisions). */
function applyHourlyBudget(drafts: readonly Draft[], ctx: DecideContext): void {
  const max = ctx.maxDeletionsPerHour;
  if (max === undefined) return;
  const used = new Map<string, number>();
  for (const draft of drafts) {
    if (!isPrune(draft.action) || draft.enforceBlock) continue;
    const ns = namespaceOf(draft, ctx);
    const recent = totalOf(ctx.recentDeletions?.get(ns));
    const count = used.get(ns) ?? recent;
    if (count >= max) {
      const name = namespaceById(ctx.inventory, ns).name;
      draft.enforceBlock = {
        reason: 'budget-exhausted',
        detail: `the operator's budget of ${max} deletions per namespace per hour (--max-deletions-per-hour / MAX_DELETIONS_PER_HOUR) is used in namespace ${name}: ${recent} in the last hour`,
      };
    } else {
      used.set(ns, count + 1);
    }
  }
}

/** maxDeletionsPerRun per policy, in plan order; a service is deleted only if all its deregistrations run. */
function applyBudget(drafts: readonly Draft[]): void {
  const used = new Map<string, number>();
  for (const draft of drafts) {
    if (!isPrune(draft.action)) continue;
    if (draft.action.type === 'cloudmap:DeleteService' && !draft.enforceBlock) {
      const serviceId = draft.action.serviceId;
      const waiting = drafts.find(
        (d) => d.action.type === 'cloudmap:DeregisterInstance' && d.action.serviceId === serviceId && d.enforceBlock,
      );
      if (waiting?.enforceBlock && waiting.action.type === 'cloudmap:DeregisterInstance') {
        draft.enforceBlock = {
          reason: waiting.enforceBlock.reason,
          detail: `waits for the deregistration of instance ${waiting.action.instanceId} (${waiting.enforceBlock.reason}: ${waiting.enforceBlock.detail})`,
        };
      }
    }
    if (draft.enforceBlock) continue;
    const max = draft.policy.rules.cloudMapOrphans.maxDeletionsPerRun;
    const count = used.get(draft.policy.name) ?? 0;
    if (count >= max) {
      draft.enforceBlock = { reason: 'budget-exhausted', detail: `maxDeletionsPerRun ${max} already used by this run` };
    } else {
      used.set(draft.policy.name, count + 1);
    }
  }
}

/** The deletion gates in the contract's order; a service is deleted only once all its deregistrations run. */
export const orphanGates: RuleGates = {
  check: pruneReadError,
  apply(drafts, ctx) {
    applySanityGuard(drafts, ctx);
    applyBudget(drafts);
    applyHourlyBudget(drafts, ctx);
    // Re-check after the hourly budget: it may have stopped a deregistration a deletion waits for.
    applyBudget(drafts);
  },
};
