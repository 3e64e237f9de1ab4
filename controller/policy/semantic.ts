import { configOf, enabledRules, RULES, type RawRuleConfigs } from '../rules/index.js';
import { boundFlag, NO_BOUNDS, type OperatorBounds } from './bounds.js';
import { bindMatcher, compileTarget, type TargetMatcher, type TargetPattern } from './match.js';
import { ruleParseContext } from './rule-config.js';
import type { Policy, PolicyRules } from './types.js';

/** The YAML form after schema validation and defaults: every defaulted field is present. */
export interface RawPolicy {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    mode: 'audit' | 'enforce';
    suspend: boolean;
    target: {
      region?: string;
      roleArn?: string;
      clusters: string[];
      namespaces: string[];
      services: { include: string[]; exclude: string[]; tags: Record<string, string> };
    };
    /** Every registered rule's block, as its module declares it (controller/rules/index.ts). */
    rules: RawRuleConfigs;
  };
}

/** A semantic problem located by field path (segments into the document). */
export interface SemanticIssue {
  segments: (string | number)[];
  message: string;
}

/** A compiled target pattern with its index in the list it came from (for locating problems). */
export type IndexedGlob = TargetPattern;

/** The compiled target (controller/policy/match.ts), kept beside the policy for the scope and overlap checks. */
export type CompiledTarget = TargetMatcher;

export { clusterNamePart } from './match.js';

/**
 * Checks what the schema cannot (target globs that can match a real name, and each rule's own checks: durations
 * in range, cron windows, a TTL to set below the maximum...) and builds the typed policy with durations in milliseconds.
 * `operator`: the bounds the policy is loaded under (rules take the protect tag key from it).
 */
export function checkPolicy(
  raw: RawPolicy,
  origin: Policy['origin'],
  operator: OperatorBounds = NO_BOUNDS,
): { policy: Policy; compiled: CompiledTarget; issues: SemanticIssue[] } {
  const issues: SemanticIssue[] = [];
  const spec = raw.spec;
  const target = spec.target;
  const { matcher: compiled, errors: patternErrors } = compileTarget(target);
  for (const { field, index, message } of patternErrors)
    issues.push({ segments: ['spec', 'target', ...field.split('.'), index], message });
  const rawRules = spec.rules as unknown as Record<string, unknown>;
  const rules = Object.fromEntries(
    RULES.map((rule) => [
      rule.name,
      rule.policy.parse(rawRules[rule.name], ruleParseContext(rule.name, operator, issues)),
    ]),
  ) as unknown as PolicyRules;

  const account = target.roleArn?.split(':')[4];
  const policy: Policy = {
    name: raw.metadata.name,
    labels: { ...(raw.metadata.labels ?? {}) },
    origin,
    mode: spec.mode,
    suspend: spec.suspend,
    target: {
      ...(target.region !== undefined ? { region: target.region } : {}),
      ...(target.roleArn !== undefined ? { roleArn: target.roleArn, account } : {}),
      clusters: [...target.clusters],
      namespaces: [...target.namespaces],
      services: {
        include: [...target.services.include],
        exclude: [...target.services.exclude],
        tags: { ...target.services.tags },
      },
    },
    rules,
  };
  // The runtime matches with the very patterns validated here (one compile per loaded policy).
  bindMatcher(policy.target, compiled);
  return { policy, compiled, issues };
}

/** What a policy asks beyond the operator's bounds, each message naming the operator's limit. Enabled rules only. */
export function checkBounds(policy: Policy, bounds: OperatorBounds | undefined): SemanticIssue[] {
  if (!bounds) return [];
  return enabledRules(policy).flatMap((rule) =>
    (rule.policy.checkBounds?.(configOf(policy, rule), bounds, boundFlag) ?? []).map((issue) => ({
      segments: ['spec', 'rules', rule.name, ...issue.segments],
      message: issue.message,
    })),
  );
}
