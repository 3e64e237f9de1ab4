/**
 * The safety contract (docs/ARCHITECTURE.md) applied to planned actions, as enforce mode would apply it. Mode
 * (suspend, audit, dry-run) is overlaid afterwards in build.ts, so audit and dry-run plans show what enforce
 * would do. Budgets and the sanity guard count only actions that pass every earlier check.
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { describeReadError, latestDeploymentAt } from '../inventory/facts.js';
import { coversEcsService, namespaceById } from '../rules/scope.js';
import type { Action, BlockReason, Finding } from '../model/findings.js';
import { formatDuration } from '../util/duration.js';
import { totalOf, type RecentDeletions } from './deletion-budget.js';
import { windowStatus } from './windows.js';

/** Why an action will not run, with the detail a person needs. */
export interface Block {
  reason: BlockReason;
  detail: string;
}

/** One action on its way into the plan. `enforceBlock` undefined means enforce mode would execute it. */
export interface Draft {
  finding: Finding;
  action: Action;
  policy: Policy;
  enforceBlock?: Block;
}

/** The observed state and clocks the decisions depend on. */
export interface DecideContext {
  inventory: Inventory;
  now: number;
  /** Finding key -> first time seen, already updated for this run. */
  firstSeen: ReadonlyMap<string, number>;
  /** Deletions per namespace id in the hour before this plan (runs and revisions before it). */
  recentDeletions?: ReadonlyMap<string, RecentDeletions>;
  /** The operator's budget of deletions per namespace in any hour (--max-deletions-per-hour); undefined: none. */
  maxDeletionsPerHour?: number;
  /** The operator's ceiling on redeploys in progress or planned, over all policies (--max-concurrent-redeploys). */
  maxConcurrentRedeploys?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Is this a deletion the budgets and the sanity guard count? */
export function isPrune(action: Action): action is Extract<Action, { type: 'cloudmap:DeregisterInstance' | 'cloudmap:DeleteService' }> {
  return action.type === 'cloudmap:DeregisterInstance' || action.type === 'cloudmap:DeleteService';
}

function pruneReadError(draft: Draft, ctx: DecideContext): Block | undefined {
  if (!isPrune(draft.action)) return undefined;
  const serviceId = draft.action.serviceId;
  const service = ctx.inventory.cloudMapServices.find((s) => s.id === serviceId);
  const error = ctx.inventory.readErrors.find((e) => e.scope.kind === 'account'
    || (e.scope.kind === 'cloudmap-service' && e.scope.serviceId === serviceId)
    || (e.scope.kind === 'namespace' && e.scope.namespaceId === service?.namespaceId)
    || (e.scope.kind === 'cluster' && draft.action.type === 'cloudmap:DeleteService'));
  if (error) return { reason: 'scope-read-error', detail: `${describeReadError(error)}: no pruning in that scope this run` };
  if (!service) return { reason: 'scope-read-error', detail: `Cloud Map service ${serviceId} is not in the inventory` };
  return undefined;
}

function gracePeriod(draft: Draft, ctx: DecideContext): Block | undefined {
  const grace = draft.finding.gracePeriodMs;
  if (grace === undefined) return undefined;
  const since = ctx.firstSeen.get(draft.finding.key) ?? ctx.now;
  if (since + grace <= ctx.now) return undefined;
  return { reason: 'grace-period', detail: `orphaned since ${iso(since)}; grace period ${formatDuration(grace)} ends ${iso(since + grace)}` };
}

function redeployTiming(draft: Draft, ctx: DecideContext): Block | undefined {
  if (draft.action.type !== 'ecs:ForceNewDeployment') return undefined;
  const rule = draft.policy.rules.serviceConnectRefresh;
  const window = windowStatus(rule.windows, ctx.now);
  if (!window.open) return { reason: 'outside-window', detail: window.detail };
  const serviceArn = draft.action.serviceArn;
  const service = ctx.inventory.services.find((s) => s.arn === serviceArn);
  const last = service ? latestDeploymentAt(service) : undefined;
  if (last !== undefined && last + rule.cooldownMs > ctx.now) {
    return { reason: 'cooldown', detail: `last deployment at ${iso(last)}; cooldown ${formatDuration(rule.cooldownMs)} ends ${iso(last + rule.cooldownMs)}` };
  }
  return undefined;
}

/** Checks that depend on one action alone, in the contract's order of precedence. */
function individualBlock(draft: Draft, ctx: DecideContext): Block | undefined {
  return draft.finding.blocked ?? pruneReadError(draft, ctx) ?? gracePeriod(draft, ctx) ?? redeployTiming(draft, ctx);
}

/**
 * maxConcurrent per policy: deployments already in progress among its services, plus redeploys planned now.
 * The operator's --max-concurrent-redeploys caps the same count over every policy of the plan together.
 */
function applyMaxConcurrent(drafts: readonly Draft[], ctx: DecideContext): void {
  const planned = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const inProgress = (s: DecideContext['inventory']['services'][number]) => s.status === 'ACTIVE' && s.deployments.some((d) => d.rolloutState === 'IN_PROGRESS');
  const redeployPolicies = [...new Set(drafts.filter((d) => d.action.type === 'ecs:ForceNewDeployment').map((d) => d.policy))];
  const allInFlight = ctx.maxConcurrentRedeploys === undefined ? 0
    : ctx.inventory.services.filter((s) => inProgress(s) && redeployPolicies.some((p) => coversEcsService(p, ctx.inventory, s, 'serviceConnect'))).length;
  let allPlanned = 0;
  for (const draft of drafts) {
    if (draft.action.type !== 'ecs:ForceNewDeployment' || draft.enforceBlock) continue;
    const policy = draft.policy;
    if (!inFlight.has(policy.name)) {
      inFlight.set(policy.name, ctx.inventory.services.filter((s) => inProgress(s) && coversEcsService(policy, ctx.inventory, s, 'serviceConnect')).length);
    }
    const running = inFlight.get(policy.name) ?? 0;
    const already = planned.get(policy.name) ?? 0;
    const max = policy.rules.serviceConnectRefresh.maxConcurrent;
    if (running + already >= max) {
      draft.enforceBlock = { reason: 'max-concurrent', detail: `${running} deployment(s) in progress and ${already} planned; maxConcurrent is ${max}` };
    } else if (ctx.maxConcurrentRedeploys !== undefined && allInFlight + allPlanned >= ctx.maxConcurrentRedeploys) {
      draft.enforceBlock = { reason: 'max-concurrent', detail: `${allInFlight} deployment(s) in progress and ${allPlanned} planned across policies; the operator's maximum is ${ctx.maxConcurrentRedeploys} concurrent redeploys (--max-concurrent-redeploys / MAX_CONCURRENT_REDEPLOYS)` };
    } else {
      planned.set(policy.name, already + 1);
      allPlanned += 1;
    }
  }
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
const NEVER_PRUNED: ReadonlySet<string> = new Set(['protected', 'service-connect-managed', 'not-ecs-owned', 'report-only']);

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
    const overBudget = [...perPolicy].find(([policy, count]) => count > policy.rules.cloudMapOrphans.maxDeletionsPerRun);
    const reasons: string[] = [];
    const since = recent.services + recent.instances > 0 ? ` (${totalOf(recent)} of them in the last hour)` : '';
    if (deletes >= SANITY_GUARD_MIN_DELETIONS && deletes * 2 > serviceBase) reasons.push(`${deletes} of ${serviceBase} services${recent.services > 0 ? since : ''}`);
    if (deregs >= SANITY_GUARD_MIN_DELETIONS && deregs * 2 > instanceBase) reasons.push(`${deregs} of ${instanceBase} instances${recent.instances > 0 ? since : ''}`);
    if (overBudget) reasons.push(`${overBudget[1]} deletions, above maxDeletionsPerRun ${overBudget[0].rules.cloudMapOrphans.maxDeletionsPerRun}`);
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
      draft.enforceBlock = { reason: 'budget-exhausted', detail: `the operator's budget of ${max} deletions per namespace per hour (--max-deletions-per-hour / MAX_DELETIONS_PER_HOUR) is used in namespace ${name}: ${recent} in the last hour` };
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
      const waiting = drafts.find((d) => d.action.type === 'cloudmap:DeregisterInstance' && d.action.serviceId === serviceId && d.enforceBlock);
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

/** Sets `enforceBlock` on every draft (drafts must already be in plan order). */
export function decideEnforcement(drafts: readonly Draft[], ctx: DecideContext): void {
  for (const draft of drafts) draft.enforceBlock = individualBlock(draft, ctx);
  applyMaxConcurrent(drafts, ctx);
  applySanityGuard(drafts, ctx);
  applyBudget(drafts);
  applyHourlyBudget(drafts, ctx);
  // A service is deleted only once all its deregistrations run: re-check after the hourly budget.
  applyBudget(drafts);
}
