/**
 * The safety contract (docs/ARCHITECTURE.md) applied to planned actions, as enforce mode would apply it. Mode
 * (suspend, audit, dry-run) is overlaid afterwards in build.ts, so audit and dry-run plans show what enforce
 * would do. The checks are the rules' own gates (controller/rules/, `gates`), run in registry order; budgets
 * and the sanity guard count only actions that pass every earlier check.
 */
import type { Block, DecideContext, Draft } from '../rules/definition.js';
import { RULES } from '../rules/index.js';
import { formatDuration } from '../util/duration.js';

export type { Block, DecideContext, Draft } from '../rules/definition.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A finding that must stay a while before its action may run (`gracePeriodMs`, from its first sighting). */
function gracePeriod(draft: Draft, ctx: DecideContext): Block | undefined {
  const grace = draft.finding.gracePeriodMs;
  if (grace === undefined) return undefined;
  const since = ctx.firstSeen.get(draft.finding.key) ?? ctx.now;
  if (since + grace <= ctx.now) return undefined;
  return {
    reason: 'grace-period',
    detail: `orphaned since ${iso(since)}; grace period ${formatDuration(grace)} ends ${iso(since + grace)}`,
  };
}

/** Sets `enforceBlock` on every draft (drafts must already be in plan order). */
export function decideEnforcement(drafts: readonly Draft[], ctx: DecideContext): void {
  const byRule = new Map<string, Draft[]>();
  for (const draft of drafts) {
    const list = byRule.get(draft.finding.rule);
    if (list) list.push(draft);
    else byRule.set(draft.finding.rule, [draft]);
  }
  for (const rule of RULES) {
    const mine = byRule.get(rule.name) ?? [];
    // Checks of one action alone, in the contract's order of precedence: what the rule itself found, its gate, the grace period.
    for (const draft of mine)
      draft.enforceBlock = draft.finding.blocked ?? rule.gates?.check?.(draft, ctx) ?? gracePeriod(draft, ctx);
    // Then the checks over all of the rule's actions together (concurrency, the sanity guard, budgets).
    rule.gates?.apply?.(mine, ctx);
  }
}
