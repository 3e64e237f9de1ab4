/**
 * The rule registry: the one list of rules. Everything else (policy types and parsing, read scope, overlaps,
 * read errors, gates, metrics) loops over it; a rule is added here and in its own module (rules/definition.ts).
 * The order is the order of evaluation, of the gates and of rule names in messages.
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { cloudMapOrphans } from './cloud-map-orphans.js';
import type { AnyRule, ConfigOf, RawOf, RuleConfigBase } from './definition.js';
import { dnsTtl } from './dns-ttl.js';
import { namespaceSoa } from './namespace-soa.js';
import { serviceConnectRefresh } from './service-connect-refresh.js';
import { taskLimit } from './task-limit.js';
import type { Finding } from '../model/findings.js';

const REGISTRY = [serviceConnectRefresh, cloudMapOrphans, dnsTtl, namespaceSoa, taskLimit] as const;

type Registered = (typeof REGISTRY)[number];

/** Rule name -> its typed configuration (Policy['rules']). */
export type RuleConfigs = { [R in Registered as R['name']]: ConfigOf<R> };

/** Rule name -> its block as written in spec.rules, after the schema's defaults. */
export type RawRuleConfigs = { [R in Registered as R['name']]: RawOf<R> };

/** Every rule, in registry order. */
export const RULES: readonly AnyRule[] = REGISTRY;

/** Every rule's name, in registry order. */
export const RULE_NAMES: readonly Registered['name'][] = REGISTRY.map((rule) => rule.name);

/** The rule of this name (names come from the registry, so it always exists). */
export function ruleNamed(name: string): AnyRule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`no rule named ${name} in the registry`);
  return rule;
}

/** The enabled rules of a policy, in registry order. */
export function enabledRules(policy: Policy): AnyRule[] {
  return RULES.filter((rule) => configOf(policy, rule).enabled);
}

/** A rule's configuration in a policy. */
export function configOf(policy: Policy, rule: AnyRule): RuleConfigBase {
  return (policy.rules as unknown as Record<string, RuleConfigBase>)[rule.name];
}

/**
 * Evaluates every enabled rule of the policy. Suspended and audit policies are evaluated too: what happens to
 * their findings is a plan decision.
 */
export function evaluateAll(policy: Policy, inventory: Inventory, now: number): Finding[] {
  return enabledRules(policy).flatMap((rule) => rule.evaluate(policy, inventory, now));
}
