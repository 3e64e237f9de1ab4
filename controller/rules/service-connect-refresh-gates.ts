/**
 * The gates of serviceConnectRefresh's redeploys (docs/ARCHITECTURE.md, the safety contract): maintenance
 * windows, the cooldown, the policy's maxConcurrent and the operator's --max-concurrent-redeploys.
 */
import { windowStatus } from '../plan/windows.js';
import { formatDuration } from '../util/duration.js';
import type { Block, DecideContext, Draft, RuleGates } from './definition.js';
import { latestDeploymentAt } from '../inventory/facts.js';
import { coversEcsService } from './scope.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function redeployTiming(draft: Draft, ctx: DecideContext): Block | undefined {
  if (draft.action.type !== 'ecs:ForceNewDeployment') return undefined;
  const rule = draft.policy.rules.serviceConnectRefresh;
  const window = windowStatus(rule.windows, ctx.now);
  if (!window.open) return { reason: 'outside-window', detail: window.detail };
  const serviceArn = draft.action.serviceArn;
  const service = ctx.inventory.services.find((s) => s.arn === serviceArn);
  const last = service ? latestDeploymentAt(service) : undefined;
  if (last !== undefined && last + rule.cooldownMs > ctx.now) {
    return {
      reason: 'cooldown',
      detail: `last deployment at ${iso(last)}; cooldown ${formatDuration(rule.cooldownMs)} ends ${iso(last + rule.cooldownMs)}`,
      until: last + rule.cooldownMs,
    };
  }
  return undefined;
}

/**
 * maxConcurrent per policy: deployments already in progress among its services, plus redeploys planned now.
 * The operator's --max-concurrent-redeploys caps the same count over every policy of the plan together.
 */
function applyMaxConcurrent(drafts: readonly Draft[], ctx: DecideContext): void {
  const planned = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const inProgress = (s: DecideContext['inventory']['services'][number]) =>
    s.status === 'ACTIVE' && s.deployments.some((d) => d.rolloutState === 'IN_PROGRESS');
  const redeployPolicies = [
    ...new Set(drafts.filter((d) => d.action.type === 'ecs:ForceNewDeployment').map((d) => d.policy)),
  ];
  const allInFlight =
    ctx.maxConcurrentRedeploys === undefined
      ? 0
      : ctx.inventory.services.filter(
          (s) => inProgress(s) && redeployPolicies.some((p) => coversEcsService(p, ctx.inventory, s, 'serviceConnect')),
        ).length;
  let allPlanned = 0;
  for (const draft of drafts) {
    if (draft.action.type !== 'ecs:ForceNewDeployment' || draft.enforceBlock) continue;
    const policy = draft.policy;
    if (!inFlight.has(policy.name)) {
      inFlight.set(
        policy.name,
        ctx.inventory.services.filter(
          (s) => inProgress(s) && coversEcsService(policy, ctx.inventory, s, 'serviceConnect'),
        ).length,
      );
    }
    const running = inFlight.get(policy.name) ?? 0;
    const already = planned.get(policy.name) ?? 0;
    const max = policy.rules.serviceConnectRefresh.maxConcurrent;
    if (running + already >= max) {
      draft.enforceBlock = {
        reason: 'max-concurrent',
        detail: `${running} deployment(s) in progress and ${already} planned; maxConcurrent is ${max}`,
      };
    } else if (ctx.maxConcurrentRedeploys !== undefined && allInFlight + allPlanned >= ctx.maxConcurrentRedeploys) {
      draft.enforceBlock = {
        reason: 'max-concurrent',
        detail: `${allInFlight} deployment(s) in progress and ${allPlanned} planned across policies; the operator's maximum is ${ctx.maxConcurrentRedeploys} concurrent redeploys (--max-concurrent-redeploys / MAX_CONCURRENT_REDEPLOYS)`,
      };
    } else {
      planned.set(policy.name, already + 1);
      allPlanned += 1;
    }
  }
}

/** Windows and cooldown per redeploy, then the concurrency ceilings over all of them. */
export const redeployGates: RuleGates = { check: redeployTiming, apply: applyMaxConcurrent };
