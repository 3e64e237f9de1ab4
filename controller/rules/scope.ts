/**
 * What a policy covers, and how specifically. Pure functions over the policy and the inventory model.
 *
 * Coverage (patterns compiled once by controller/policy/match.ts, the matcher validation also uses):
 * - a cluster is covered when one of target.clusters matches its name, or (an ARN pattern) its ARN; an empty
 *   list covers no cluster (a policy must say where it acts).
 * - a namespace is covered when one of target.namespaces matches its name (a glob matches names only), equals
 *   its id, or (an ARN pattern) matches its ARN; an empty list covers no namespace.
 * - an ECS service is covered when its cluster is covered, its name matches services.include (empty: all),
 *   matches no services.exclude, it carries every tag of services.tags, and, when it takes part in service
 *   discovery, one of its namespaces (Service Connect, or the namespace of a registry) is covered: two teams'
 *   policies on a shared cluster split its services by namespace, as the policy loader's overlap check assumes.
 *   For serviceConnectRefresh only its Service Connect namespace counts (DiscoveryVia).
 * - a Cloud Map service is covered only when its namespace is covered (a policy never reaches outside its
 *   namespaces, which the operator's allowed scopes bound); references from covered ECS services only make
 *   the claim more specific.
 *
 * Specificity (higher wins when several policies cover one resource): a number built from three levels,
 * compared in order: how the resource itself was matched (exact name 3, glob 2, match-all 1), how many tag
 * conditions the selector has, how its container (cluster) was matched (exact 3, glob 2, match-all 1).
 */
import type { CloudMapService, EcsService, Inventory, Namespace } from '../inventory/model.js';
import { bestLevel, matcherFor, type MatchLevel } from '../policy/match.js';
import { ecsSpecificityScore } from '../policy/specificity.js';
import type { Policy } from '../policy/types.js';
import {
  cloudMapServiceByArn,
  liveReferrers,
  primaryDeployment,
  registriesOf,
  serviceConnectOf,
} from '../inventory/facts.js';
import { resolveScNamespace } from './service-connect-namespace.js';

export type { MatchLevel } from '../policy/match.js';

/** Level at which the policy covers a cluster (by name or ARN). */
export function clusterLevel(policy: Policy, cluster: { name: string; arn: string }): MatchLevel {
  return bestLevel(matcherFor(policy).clusters, cluster);
}

/** Does the policy cover this cluster? */
export function coversCluster(policy: Policy, cluster: { name: string; arn: string }): boolean {
  return clusterLevel(policy, cluster) > 0;
}

/** Level at which the policy covers a namespace (by name, id or ARN). */
export function namespaceLevel(policy: Policy, namespace: Pick<Namespace, 'id' | 'name' | 'arn'>): MatchLevel {
  return bestLevel(matcherFor(policy).namespaces, namespace);
}

/** Does the policy cover this namespace? */
export function coversNamespace(policy: Policy, namespace: Pick<Namespace, 'id' | 'name' | 'arn'>): boolean {
  return namespaceLevel(policy, namespace) > 0;
}

/** Level at which services.include/exclude/tags select the ECS service (0 when excluded or not included). */
function selectorLevel(policy: Policy, service: EcsService): MatchLevel {
  const selector = policy.target.services;
  const matcher = matcherFor(policy);
  if (bestLevel(matcher.exclude, service) > 0) return 0;
  for (const [key, value] of Object.entries(selector.tags)) {
    if (service.tags[key] !== value) return 0;
  }
  if (selector.include.length === 0) return 1;
  return bestLevel(matcher.include, service);
}

/**
 * Which of a service's discovery namespaces give a policy the service: any of them, or (for serviceConnectRefresh,
 * whose remedy is about Service Connect) only its Service Connect namespace. A rule acts on a resource only through
 * the policy that owns it for that rule: the owner of the registry's namespace does not redeploy a client for
 * Service Connect.
 */
export type DiscoveryVia = 'any' | 'serviceConnect';

/** Does the policy cover this ECS service (cluster, include/exclude globs, tags, discovery namespaces)? */
export function coversEcsService(
  policy: Policy,
  inventory: Inventory,
  service: EcsService,
  via: DiscoveryVia = 'any',
): boolean {
  return ecsServiceSpecificity(policy, inventory, service, via) > 0;
}

/** Each namespace the service discovers through (name, id, ARN as known); empty when it uses no service discovery. */
function discoveryNamespaces(
  inventory: Inventory,
  service: EcsService,
  via: DiscoveryVia,
): Pick<Namespace, 'id' | 'name' | 'arn'>[] {
  const out: Pick<Namespace, 'id' | 'name' | 'arn'>[] = [];
  const sc = serviceConnectOf(service);
  if (sc?.namespace) {
    // By ARN where ECS gives one (service-connect-namespace.ts); a name a DNS and an HTTP namespace share counts
    // as either (a policy over one of them covers the service; its Service Connect finding is blocked as ambiguous).
    const resolved = resolveScNamespace(inventory, service, sc, primaryDeployment(service));
    const candidates =
      resolved.kind === 'ambiguous' ? resolved.candidates : inventory.namespaces.filter((n) => n.id === resolved.key);
    if (candidates.length === 0) out.push({ name: sc.namespace, id: '', arn: '' });
    else if (candidates.length === 1) out.push(candidates[0]);
    else out.push(...candidates);
  }
  if (via === 'serviceConnect') return out.length > 0 ? out : [{ name: '', id: '', arn: '' }];
  for (const registry of registriesOf(service)) {
    const target = cloudMapServiceByArn(inventory, registry.registryArn);
    if (target) out.push(namespaceById(inventory, target.namespaceId));
  }
  return out;
}

/** Specificity of the policy for an ECS service; 0 when it does not cover it. */
export function ecsServiceSpecificity(
  policy: Policy,
  inventory: Inventory,
  service: EcsService,
  via: DiscoveryVia = 'any',
): number {
  const cluster = clusterLevel(policy, { name: service.clusterName, arn: service.clusterArn });
  if (cluster === 0) return 0;
  const selector = selectorLevel(policy, service);
  if (selector === 0) return 0;
  const namespaces = discoveryNamespaces(inventory, service, via);
  if (namespaces.length > 0 && !namespaces.some((ns) => namespaceLevel(policy, ns) > 0)) return 0;
  return ecsSpecificityScore(selector, Object.keys(policy.target.services.tags).length, cluster);
}

/** The inventory's namespace with this id, or a stand-in carrying only the id. */
export function namespaceById(inventory: Inventory, namespaceId: string): Namespace {
  return (
    inventory.namespaces.find((ns) => ns.id === namespaceId) ?? {
      id: namespaceId,
      arn: '',
      name: namespaceId,
      type: 'DNS_PRIVATE',
    }
  );
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
