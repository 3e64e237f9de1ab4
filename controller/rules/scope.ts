/**
 * What a policy covers, and how specifically. Pure functions over the policy and the inventory model.
 *
 * Coverage:
 * - a cluster is covered when one of target.clusters equals its name or ARN, or is a glob matching either;
 *   an empty list covers no cluster (a policy must say where it acts).
 * - a namespace is covered when one of target.namespaces equals its name, id or ARN, or is a glob matching
 *   its name; an empty list covers no namespace.
 * - an ECS service is covered when its cluster is covered, its name matches services.include (empty: all),
 *   matches no services.exclude, it carries every tag of services.tags, and, when it takes part in service
 *   discovery, one of its namespaces (Service Connect, or the namespace of a registry) is covered: two teams'
 *   policies on a shared cluster split its services by namespace, as the policy loader's overlap check assumes.
 * - a Cloud Map service is covered only when its namespace is covered (a policy never reaches outside its
 *   namespaces, which the operator's allowed scopes bound); references from covered ECS services only make
 *   the claim more specific.
 *
 * Specificity (higher wins when several policies cover one resource): a number built from three levels,
 * compared in order: how the resource itself was matched (exact name 3, glob 2, match-all 1), how many tag
 * conditions the selector has, how its container (cluster) was matched (exact 3, glob 2, match-all 1).
 */
import picomatch from 'picomatch';
import type { CloudMapService, EcsService, Inventory, Namespace } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { cloudMapServiceByArn, liveReferrers, serviceConnectOf } from './facts.js';

/** How a pattern list matched a value: 3 exact, 2 glob, 1 match-all, 0 not at all. */
export type MatchLevel = 0 | 1 | 2 | 3;

const MATCH_ALL = new Set(['*', '**']);

function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** The best level at which any pattern matches any of the candidate strings. */
export function matchLevel(patterns: readonly string[], candidates: readonly string[]): MatchLevel {
  let best: MatchLevel = 0;
  for (const pattern of patterns) {
    if (candidates.includes(pattern)) return 3;
    if (!isGlob(pattern)) continue;
    const level: MatchLevel = MATCH_ALL.has(pattern) ? 1 : 2;
    if (level <= best) continue;
    // A bare "*" must also match ARNs, which contain "/" that picomatch treats as a path separator.
    const matcher = picomatch(pattern, { dot: true });
    const anyMatch = candidates.some((c) => c.length > 0 && (MATCH_ALL.has(pattern) || matcher(c)));
    if (anyMatch) best = level;
  }
  return best;
}

/** Level at which the policy covers a cluster (by name or ARN). */
export function clusterLevel(policy: Policy, cluster: { name: string; arn: string }): MatchLevel {
  return matchLevel(policy.target.clusters, [cluster.name, cluster.arn]);
}

/** Does the policy cover this cluster? */
export function coversCluster(policy: Policy, cluster: { name: string; arn: string }): boolean {
  return clusterLevel(policy, cluster) > 0;
}

/** Level at which the policy covers a namespace (by name, id or ARN). */
export function namespaceLevel(policy: Policy, namespace: Pick<Namespace, 'id' | 'name' | 'arn'>): MatchLevel {
  return matchLevel(policy.target.namespaces, [namespace.name, namespace.id, namespace.arn]);
}

/** Does the policy cover this namespace? */
export function coversNamespace(policy: Policy, namespace: Pick<Namespace, 'id' | 'name' | 'arn'>): boolean {
  return namespaceLevel(policy, namespace) > 0;
}

/** Level at which services.include/exclude/tags select the ECS service (0 when excluded or not included). */
function selectorLevel(policy: Policy, service: EcsService): MatchLevel {
  const selector = policy.target.services;
  if (matchLevel(selector.exclude, [service.name]) > 0) return 0;
  for (const [key, value] of Object.entries(selector.tags)) {
    if (service.tags[key] !== value) return 0;
  }
  if (selector.include.length === 0) return 1;
  return matchLevel(selector.include, [service.name]);
}

/** Does the policy cover this ECS service (cluster, include/exclude globs, tags, discovery namespaces)? */
export function coversEcsService(policy: Policy, inventory: Inventory, service: EcsService): boolean {
  return ecsServiceSpecificity(policy, inventory, service) > 0;
}

/** Name, id and ARN of each namespace the service discovers through; empty when it uses no service discovery. */
function discoveryNamespaces(inventory: Inventory, service: EcsService): string[][] {
  const out: string[][] = [];
  const sc = serviceConnectOf(service);
  if (sc?.namespace) {
    const ns = inventory.namespaces.find((n) => n.arn === sc.namespace || n.name === sc.namespace || n.id === sc.namespace);
    out.push(ns ? [ns.name, ns.id, ns.arn] : [sc.namespace]);
  }
  for (const registry of service.serviceRegistries) {
    const target = cloudMapServiceByArn(inventory, registry.registryArn);
    if (target) {
      const ns = namespaceById(inventory, target.namespaceId);
      out.push([ns.name, ns.id, ns.arn].filter((x) => x));
    }
  }
  return out;
}

/** Specificity of the policy for an ECS service; 0 when it does not cover it. */
export function ecsServiceSpecificity(policy: Policy, inventory: Inventory, service: EcsService): number {
  const cluster = clusterLevel(policy, { name: service.clusterName, arn: service.clusterArn });
  if (cluster === 0) return 0;
  const selector = selectorLevel(policy, service);
  if (selector === 0) return 0;
  const namespaces = discoveryNamespaces(inventory, service);
  if (namespaces.length > 0 && !namespaces.some((candidates) => matchLevel(policy.target.namespaces, candidates) > 0)) return 0;
  const tagCount = Math.min(Object.keys(policy.target.services.tags).length, 99);
  return selector * 10_000 + tagCount * 100 + cluster;
}

/** The inventory's namespace with this id, or a stand-in carrying only the id. */
export function namespaceById(inventory: Inventory, namespaceId: string): Namespace {
  return inventory.namespaces.find((ns) => ns.id === namespaceId)
    ?? { id: namespaceId, arn: '', name: namespaceId, type: 'DNS_PRIVATE' };
}

/** Specificity of the policy for a Cloud Map service; 0 when it does not cover it. */
export function cloudMapServiceSpecificity(policy: Policy, inventory: Inventory, service: CloudMapService): number {
  const byNamespace = namespaceLevel(policy, namespaceById(inventory, service.namespaceId)) * 10_000;
  if (byNamespace === 0) return 0;
  let byReference = 0;
  for (const ecs of liveReferrers(inventory, service)) {
    byReference = Math.max(byReference, ecsServiceSpecificity(policy, inventory, ecs));
  }
  return Math.max(byNamespace, byReference);
}

/** Does the policy cover this Cloud Map service (its namespace is covered)? */
export function coversCloudMapService(policy: Policy, inventory: Inventory, service: CloudMapService): boolean {
  return cloudMapServiceSpecificity(policy, inventory, service) > 0;
}

/** Cloud Map services whose namespace the policy covers (the only ones orphan pruning may touch). */
export function cloudMapServicesInCoveredNamespaces(policy: Policy, inventory: Inventory): CloudMapService[] {
  return inventory.cloudMapServices.filter((svc) => coversNamespace(policy, namespaceById(inventory, svc.namespaceId)));
}
