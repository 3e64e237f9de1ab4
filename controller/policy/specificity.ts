import { patternLevel } from './match.js';
import type { Policy } from './types.js';

/**
 * How specifically a pattern names what it matches: 2 an exact name, 1 a glob, 0 "*" (everything).
 * Several policies may match one resource; the one whose matching patterns are most specific wins.
 */
export function patternSpecificity(pattern: string): 0 | 1 | 2 {
  return (patternLevel(pattern) - 1) as 0 | 1 | 2;
}

/**
 * Specificity of a policy for one ECS service, given the patterns of that policy that matched it, compared
 * lexicographically: [service pattern, number of required service tags, cluster pattern]. Services come first
 * because the design says "service list over glob"; tags narrow a selection, so more required tags is more
 * specific; then the cluster. controller/rules/scope.ts ranks owners at run time with ecsSpecificityScore,
 * built from the same levels, so the overlap check and the plan agree on every tie.
 */
export type Specificity = readonly [service: number, tags: number, cluster: number];

/** The specificity of a policy for a resource matched by the given patterns of it. */
export function specificityOf(
  policy: Pick<Policy, 'target'>,
  matched: { service: string; cluster: string },
): Specificity {
  return [
    patternSpecificity(matched.service),
    Object.keys(policy.target.services.tags).length,
    patternSpecificity(matched.cluster),
  ];
}

/** Negative when a is less specific than b, 0 on a tie (a validation error when both claim the resource). */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The run-time score of an ECS service's owner from its match levels (1-3): the Specificity order as one number. */
export function ecsSpecificityScore(serviceLevel: number, tagCount: number, clusterLevel: number): number {
  return serviceLevel * 10_000 + Math.min(tagCount, 99) * 100 + clusterLevel;
}
