/**
 * What a set of policies needs read from AWS. Reading more than a policy covers is safe (rules filter by
 * scope); reading less is not, so every choice here errs towards reading.
 */
import { matcherFor, patternMatches, type TargetPattern } from '../policy/match.js';
import type { Policy } from '../policy/types.js';
import { configOf, enabledRules } from '../rules/index.js';

/** A selection of clusters or namespaces by name, ARN, id or glob; `all` when some policy reaches everything. */
export interface ResourceMatcher {
  all: boolean;
  /** The policies' own compiled patterns (controller/policy/match.ts): the reader selects exactly as the rules do. */
  patterns: readonly TargetPattern[];
}

export interface ReadScopePlan {
  /** Clusters some policy covers itself (before a rule's readScope widens the read to every cluster). */
  coveredClusters: ResourceMatcher;
  /** Clusters whose ECS services are listed and described. */
  serviceClusters: ResourceMatcher;
  /**
   * Clusters whose tasks may be read: a full read describes there the task of every ECS-registered instance
   * naming the cluster, and lists and describes the running tasks of its Service Connect clients (see
   * serviceConnectClusters); event refreshes read a service's tasks there.
   */
  taskClusters: ResourceMatcher;
  /** Clusters where serviceConnectRefresh needs the running tasks of Service Connect clients (their deployments). */
  serviceConnectClusters: ResourceMatcher;
  /** Namespaces whose Cloud Map services are listed. */
  namespaces: ResourceMatcher;
  /** Namespaces whose Cloud Map services also need instances and tags (orphan detection). */
  instanceNamespaces: ResourceMatcher;
  /**
   * Namespaces whose Cloud Map services may need their tags: protect tags gate every write, TTL changes included.
   * A full read reads them only for the services some finding would act on (controller/rules/tag-candidates.ts).
   */
  tagNamespaces: ResourceMatcher;
  /** Clusters whose services' Application Auto Scaling maximum is read (for rules that size deployments). */
  scalingClusters: ResourceMatcher;
  /** DNS namespaces whose SOA TTL must be known: GetNamespace where ListNamespaces did not carry it (namespaceSoa). */
  namespaceSoa: ResourceMatcher;
  /**
   * Clusters whose services' task definitions are described (DescribeTaskDefinition, once per revision: they are
   * immutable) for their containers' stopTimeout: dnsTtl's drain bound (drainBound report or enforce, max: auto).
   */
  taskDefinitionClusters: ResourceMatcher;
}

const NONE: ResourceMatcher = { all: false, patterns: [] };

function union(a: ResourceMatcher, b: ResourceMatcher): ResourceMatcher {
  if (a.all || b.all) return { all: true, patterns: [] };
  return { all: false, patterns: [...new Set([...a.patterns, ...b.patterns])] };
}

/** As in rules/scope.ts: an empty target list covers nothing, "*" or "**" covers everything. */
function fromList(list: readonly TargetPattern[]): ResourceMatcher {
  return list.some((p) => p.level === 1 && !p.arnFields)
    ? { all: true, patterns: [] }
    : { all: false, patterns: [...list] };
}

const EVERYTHING: ResourceMatcher = { all: true, patterns: [] };

/**
 * Derives what to read from the active (non-suspended) policies and the rules they enable: every enabled rule
 * gets its policy's clusters' services and namespaces' Cloud Map services; each rule adds what it needs
 * (its `readScope` in controller/rules/).
 */
export function planReadScope(policies: readonly Policy[]): ReadScopePlan {
  let plan: ReadScopePlan = {
    coveredClusters: NONE,
    serviceClusters: NONE,
    taskClusters: NONE,
    serviceConnectClusters: NONE,
    namespaces: NONE,
    instanceNamespaces: NONE,
    tagNamespaces: NONE,
    scalingClusters: NONE,
    namespaceSoa: NONE,
    taskDefinitionClusters: NONE,
  };
  for (const policy of policies) {
    if (policy.suspend) continue;
    const rules = enabledRules(policy);
    if (rules.length === 0) continue;
    const compiled = matcherFor({ target: policy.target });
    const covered = {
      clusters: fromList(compiled.clusters),
      namespaces: fromList(compiled.namespaces),
      everything: EVERYTHING,
    };
    const needs: Partial<ReadScopePlan>[] = [
      { coveredClusters: covered.clusters, serviceClusters: covered.clusters, namespaces: covered.namespaces },
      ...rules.map((rule) => rule.readScope(configOf(policy, rule), covered)),
    ];
    for (const need of needs) {
      for (const [field, matcher] of Object.entries(need) as [keyof ReadScopePlan, ResourceMatcher][])
        plan = { ...plan, [field]: union(plan[field], matcher) };
    }
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

/**
 * Does the matcher select a resource known by these identifiers? Clusters pass (name, ARN); namespaces pass
 * (name, id, ARN), as the scope functions match them.
 */
export function matches(m: ResourceMatcher, name: string, idOrArn?: string, arn?: string): boolean {
  if (m.all) return true;
  return m.patterns.some((p) =>
    patternMatches(p, p.kind === 'cluster' ? { name, arn: idOrArn } : { name, id: idOrArn, arn }),
  );
}
