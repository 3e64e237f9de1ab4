/**
 * What a set of policies needs read from AWS. Reading more than a policy covers is safe (rules filter by
 * scope); reading less is not, so every choice here errs towards reading.
 */
import picomatch from 'picomatch';
import type { Policy } from '../policy/types.js';

/** A selection of clusters or namespaces by name, ARN, id or glob; `all` when some policy reaches everything. */
export interface ResourceMatcher {
  all: boolean;
  patterns: readonly string[];
}

export interface ReadScopePlan {
  /** Clusters some policy covers itself (before the orphan rule widens the read to every cluster). */
  coveredClusters: ResourceMatcher;
  /** Clusters whose ECS services are listed and described. */
  serviceClusters: ResourceMatcher;
  /** Clusters whose tasks (RUNNING and recently STOPPED) are listed and described. */
  taskClusters: ResourceMatcher;
  /** Namespaces whose Cloud Map services are listed. */
  namespaces: ResourceMatcher;
  /** Namespaces whose Cloud Map services also need instances and tags (orphan detection). */
  instanceNamespaces: ResourceMatcher;
  /** Clusters whose services' Application Auto Scaling maximum is read (taskLimit only). */
  scalingClusters: ResourceMatcher;
}

const NONE: ResourceMatcher = { all: false, patterns: [] };

function union(a: ResourceMatcher, b: ResourceMatcher): ResourceMatcher {
  if (a.all || b.all) return { all: true, patterns: [] };
  return { all: false, patterns: [...new Set([...a.patterns, ...b.patterns])] };
}

/** As in rules/scope.ts: an empty target list covers nothing, "*" or "**" covers everything. */
function fromList(list: readonly string[]): ResourceMatcher {
  return list.includes('*') || list.includes('**') ? { all: true, patterns: [] } : { all: false, patterns: [...list] };
}

const EVERYTHING: ResourceMatcher = { all: true, patterns: [] };

/** Derives what to read from the active (non-suspended) policies and the rules they enable. */
export function planReadScope(policies: readonly Policy[]): ReadScopePlan {
  let plan: ReadScopePlan = { coveredClusters: NONE, serviceClusters: NONE, taskClusters: NONE, namespaces: NONE, instanceNamespaces: NONE, scalingClusters: NONE };
  for (const policy of policies) {
    if (policy.suspend) continue;
    const { rules, target } = policy;
    const anyRule = rules.serviceConnectRefresh.enabled || rules.cloudMapOrphans.enabled || rules.dnsTtl.enabled || rules.taskLimit.enabled;
    if (!anyRule) continue;
    const clusters = fromList(target.clusters);
    const namespaces = fromList(target.namespaces);
    const orphans = rules.cloudMapOrphans.enabled;
    plan = {
      coveredClusters: union(plan.coveredClusters, clusters),
      // Orphan detection asks "does ANY ECS service in the account and region still reference this Cloud Map
      // service, and is this instance's task running?", so it needs every cluster, not just the policy's.
      serviceClusters: union(plan.serviceClusters, orphans ? EVERYTHING : clusters),
      taskClusters: union(plan.taskClusters, orphans ? EVERYTHING : rules.serviceConnectRefresh.enabled ? clusters : NONE),
      namespaces: union(plan.namespaces, namespaces),
      instanceNamespaces: union(plan.instanceNamespaces, orphans ? namespaces : NONE),
      scalingClusters: union(plan.scalingClusters, rules.taskLimit.enabled ? clusters : NONE),
    };
  }
  return plan;
}

/** True when no policy needs anything read. */
export function readsNothing(plan: ReadScopePlan): boolean {
  return isEmptyMatcher(plan.serviceClusters) && isEmptyMatcher(plan.taskClusters) && isEmptyMatcher(plan.namespaces);
}

/** True when the matcher selects nothing at all. */
export function isEmptyMatcher(m: ResourceMatcher): boolean {
  return !m.all && m.patterns.length === 0;
}

const compiled = new Map<string, (s: string) => boolean>();

function compile(pattern: string): (s: string) => boolean {
  let test = compiled.get(pattern);
  if (!test) {
    test = picomatch(pattern, { dot: true });
    compiled.set(pattern, test);
  }
  return test;
}

/** Does the matcher select a resource known by any of these identifiers (name, ARN, id)? */
export function matches(m: ResourceMatcher, ...identifiers: readonly (string | undefined)[]): boolean {
  if (m.all) return true;
  for (const pattern of m.patterns) {
    const test = compile(pattern);
    for (const id of identifiers) if (id !== undefined && (id === pattern || test(id))) return true;
  }
  return false;
}
