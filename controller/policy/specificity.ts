import { isGlob, isMatchAll } from './glob.js';
import type { Policy } from './types.js';

/**
 * How specifically a pattern names what it matches: 2 an exact name, 1 a glob, 0 "*" (everything).
 * Several policies may match one resource; the one whose matching patterns are most specific wins.
 */
export function patternSpecificity(pattern: string): 0 | 1 | 2 {
  if (isMatchAll(pattern)) return 0;
  return isGlob(pattern) ? 1 : 2;
}

/**
 * Specificity of a policy for one ECS service, given the patterns of that policy that matched it, compared
 * lexicographically: [service pattern, number of required service tags, cluster pattern]. Services come first
 * because the design says "service list over glob"; tags narrow a selection, so more required tags is more
 * specific; then the cluster. This is the order controller/rules/scope.ts uses when the plan picks the owner.
 */
export type Specificity = readonly [service: number, tags: number, cluster: number];

/** The specificity of a policy for a resource matched by the given patterns of it. */
export function specificityOf(policy: Pick<Policy, 'target'>, matched: { service: string; cluster: string }): Specificity {
  return [
    patternSpecificity(matched.service),
    Object.keys(policy.target.services.tags).length,
    patternSpecificity(matched.cluster.replace(/^arn:.*:cluster\//, '')),
  ];
}

/** Negative when a is less specific than b, 0 on a tie (a validation error when both claim the resource). */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
