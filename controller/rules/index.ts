/** The rule registry: every rule by name, and evaluation of all enabled rules of one policy. */
import type { Inventory } from '../inventory/model.js';
import { RULE_NAMES, type Policy } from '../policy/types.js';
import { evaluate as cloudMapOrphans } from './cloud-map-orphans.js';
import { evaluate as dnsTtl } from './dns-ttl.js';
import { evaluate as serviceConnectRefresh } from './service-connect-refresh.js';
import { evaluate as taskLimit } from './task-limit.js';
import type { Finding, RuleEvaluator, RuleName } from '../model/findings.js';

/** Every rule's evaluator by rule name. */
export const RULES: Record<RuleName, RuleEvaluator> = { serviceConnectRefresh, cloudMapOrphans, dnsTtl, taskLimit };

/**
 * Evaluates every enabled rule of the policy. Suspended and audit policies are evaluated too: what happens to
 * their findings is a plan decision.
 */
export function evaluateAll(policy: Policy, inventory: Inventory, now: number): Finding[] {
  const findings: Finding[] = [];
  for (const name of RULE_NAMES) {
    if (!policy.rules[name].enabled) continue;
    findings.push(...RULES[name](policy, inventory, now));
  }
  return findings;
}
