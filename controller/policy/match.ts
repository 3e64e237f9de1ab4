/**
 * The one matcher of policy targets. A pattern is compiled once (controller/policy/glob.ts) and that compiled
 * form answers every question asked of it: validation, the allowed-scope check, the overlap check, what the
 * reader reads and what the rules cover at run time. Nothing else in the controller interprets a glob.
 *
 * - A cluster pattern is a name, a name glob, or an ARN arn:<partition>:ecs:<region>:<account>:cluster/<name>
 *   whose fields may be globs too. A name pattern matches the cluster's name; an ARN pattern its ARN.
 * - A namespace pattern written exactly matches the namespace's name or id; a glob matches its name only
 *   (the allowed-scope check compares names, so a glob must not reach namespaces by their random ids); an ARN
 *   arn:<partition>:servicediscovery:<region>:<account>:namespace/<ns-id> matches its ARN.
 * - A service pattern matches the ECS service's name.
 * How specifically a pattern matches (its level) depends on the pattern alone: exact 3, glob 2, "*" 1.
 */
import type { CompiledGlob, NameKind } from './glob.js';
import { compileGlob, isGlob, isMatchAll } from './glob.js';
import type { Policy } from './types.js';

/** How a pattern list matched a value: 3 exact, 2 glob, 1 match-all, 0 not at all. */
export type MatchLevel = 0 | 1 | 2 | 3;

export type PatternKind = 'cluster' | 'namespace' | 'service';

/** What a pattern is matched against: every identifier the resource has. */
export interface Identity {
  name: string;
  arn?: string;
  id?: string;
}

/** One compiled target pattern. */
export interface TargetPattern {
  source: string;
  kind: PatternKind;
  /** The name part (for a cluster ARN pattern, the part after "cluster/"). */
  glob: CompiledGlob;
  /** Partition, region and account globs of a cluster ARN pattern. */
  arnFields?: readonly CompiledGlob[];
  level: 1 | 2 | 3;
  /** Index in the list it came from (for locating problems). */
  index: number;
}

const CLUSTER_ARN = /^arn:([^:]*):ecs:([^:]*):([^:]*):cluster\/(.+)$/;
/** Policies may name a Cloud Map namespace by ARN (README); its last part is the namespace id. */
const NAMESPACE_ARN = /^arn:([^:]*):servicediscovery:([^:]*):([^:]*):namespace\/(.+)$/;
const ARN_FORMS: Partial<Record<PatternKind, { pattern: RegExp; what: string; expected: string }>> = {
  cluster: {
    pattern: CLUSTER_ARN,
    what: 'an ECS cluster ARN',
    expected: 'arn:aws:ecs:<region>:<account>:cluster/<name>',
  },
  namespace: {
    pattern: NAMESPACE_ARN,
    what: 'a Cloud Map namespace ARN',
    expected: 'arn:aws:servicediscovery:<region>:<account>:namespace/<ns-id>',
  },
};

/** The last part of a cluster or namespace ARN pattern (the cluster name, the namespace id), else the pattern. */
function lastPart(pattern: string): string {
  return CLUSTER_ARN.exec(pattern)?.[4] ?? NAMESPACE_ARN.exec(pattern)?.[4] ?? pattern;
}

/** The level of a pattern, from its name part: exact 3, glob 2, match-all ("*", "**") 1. */
export function patternLevel(pattern: string): 1 | 2 | 3 {
  const name = lastPart(pattern);
  if (isMatchAll(name)) return 1;
  return isGlob(name) ? 2 : 3;
}

/** The cluster-name part of a cluster pattern (ARN patterns match on the name after "cluster/"). */
export function clusterNamePart(pattern: string): string {
  return CLUSTER_ARN.exec(pattern)?.[4] ?? pattern;
}

/** The part of a target pattern the allowed scopes are checked against: the cluster name, the namespace id of an ARN. */
export { lastPart as scopedPart };

/** Compiles one target pattern, or explains why it is not usable. */
export function compilePattern(
  pattern: string,
  kind: PatternKind,
  index = 0,
): { pattern?: TargetPattern; error?: string } {
  let name = pattern;
  let arnFields: CompiledGlob[] | undefined;
  const arnForm = ARN_FORMS[kind];
  if (arnForm && pattern.startsWith('arn:')) {
    const arn = arnForm.pattern.exec(pattern);
    if (!arn) return { error: `"${pattern}" is not ${arnForm.what}: expected ${arnForm.expected}` };
    if (!/^[0-9*?[\]{},-]*$/.test(arn[3]) || arn[3] === '')
      return { error: `"${pattern}" has "${arn[3]}" where the 12-digit account id belongs` };
    arnFields = [];
    for (const field of [arn[1], arn[2], arn[3]]) {
      const { glob, error } = compileGlob(field, 'arn-field');
      if (!glob) return { error: `${error} (in the ${kind} ARN "${pattern}")` };
      arnFields.push(glob);
    }
    name = arn[4];
  }
  const { glob, error } = compileGlob(name, kind as NameKind);
  if (!glob) return { error: name === pattern ? error : `${error} (in the ${kind} ARN "${pattern}")` };
  return {
    pattern: { source: pattern, kind, glob, ...(arnFields ? { arnFields } : {}), level: patternLevel(pattern), index },
  };
}

/** Does the compiled pattern match the resource? Empty identifiers never match. */
export function patternMatches(p: TargetPattern, identity: Identity): boolean {
  if (p.arnFields) {
    const arn = identity.arn === undefined ? undefined : ARN_FORMS[p.kind]!.pattern.exec(identity.arn);
    if (!arn) return false;
    return p.arnFields.every((field, i) => field.regex.test(arn[i + 1])) && p.glob.regex.test(arn[4]);
  }
  if (identity.name.length > 0 && p.glob.regex.test(identity.name)) return true;
  // Exact namespace patterns also name a namespace by id; globs never reach ids.
  return p.kind === 'namespace' && p.level === 3 && identity.id === p.source;
}

/** The best level at which any of the patterns matches the resource. */
export function bestLevel(patterns: readonly TargetPattern[], identity: Identity): MatchLevel {
  let best: MatchLevel = 0;
  for (const p of patterns) if (p.level > best && patternMatches(p, identity)) best = p.level;
  return best;
}

/** A policy's target, compiled. */
export interface TargetMatcher {
  clusters: TargetPattern[];
  namespaces: TargetPattern[];
  include: TargetPattern[];
  exclude: TargetPattern[];
}

/** Compiles a target; patterns that do not compile are left out (they match nothing) and reported in `errors`. */
export function compileTarget(target: Pick<Policy['target'], 'clusters' | 'namespaces' | 'services'>): {
  matcher: TargetMatcher;
  errors: { field: string; index: number; message: string }[];
} {
  const errors: { field: string; index: number; message: string }[] = [];
  const list = (patterns: readonly string[], kind: PatternKind, field: string) =>
    patterns.flatMap((source, index) => {
      const { pattern, error } = compilePattern(source, kind, index);
      if (error) errors.push({ field, index, message: error });
      return pattern ? [pattern] : [];
    });
  return {
    matcher: {
      clusters: list(target.clusters, 'cluster', 'clusters'),
      namespaces: list(target.namespaces, 'namespace', 'namespaces'),
      include: list(target.services.include, 'service', 'services.include'),
      exclude: list(target.services.exclude, 'service', 'services.exclude'),
    },
    errors,
  };
}

/**
 * Compiled targets by target object: a loaded policy set is frozen, so each target compiles once per set (the
 * loader's own compile when it ran in this thread; for a set cloned from the loader thread, on first use).
 */
const matchers = new WeakMap<object, TargetMatcher>();

/** Records the matcher the loader compiled for a target, so the runtime uses that very one. */
export function bindMatcher(target: Policy['target'], matcher: TargetMatcher): void {
  matchers.set(target, matcher);
}

/** The compiled matcher of a policy's target (compiled on first use for policies not built by the loader). */
export function matcherFor(policy: Pick<Policy, 'target'>): TargetMatcher {
  let matcher = matchers.get(policy.target);
  if (!matcher) {
    matcher = compileTarget(policy.target).matcher;
    matchers.set(policy.target, matcher);
  }
  return matcher;
}
