/**
 * Which Cloud Map namespace a Service Connect configuration is in. ECS reports the namespace as the caller gave
 * it (a name or an ARN; the cluster default by name), and Cloud Map lets a DNS and an HTTP namespace share a
 * name, so a name alone can be ambiguous: resolve by ARN wherever ECS gives one (the Cloud Map services a
 * deployment names in serviceConnectResources, or an ARN namespace), and never guess between two namespaces.
 */
import type { Deployment, EcsService, Inventory, Namespace, ServiceConnectConfig } from '../inventory/model.js';
import { cloudMapServiceByArn, lastArnSegment } from '../inventory/facts.js';

export type NamespaceResolution =
  { kind: 'resolved'; key: string } | { kind: 'ambiguous'; name: string; candidates: Namespace[] };

/** Resolves the namespace of a Service Connect configuration (of `deployment`, when given) of `ecs`. */
export function resolveScNamespace(
  inventory: Inventory,
  ecs: EcsService,
  sc: ServiceConnectConfig,
  deployment?: Pick<Deployment, 'serviceConnectResources'>,
): NamespaceResolution {
  // The Cloud Map services Service Connect created for the deployment name their namespace by id: exact.
  for (const resource of deployment?.serviceConnectResources ?? []) {
    const cm = cloudMapServiceByArn(inventory, resource.discoveryArn);
    if (cm) return { kind: 'resolved', key: cm.namespaceId };
  }
  const ref = sc.namespace;
  if (!ref) return { kind: 'resolved', key: `cluster-default:${ecs.clusterArn}` };
  if (ref.startsWith('arn:')) {
    const ns = inventory.namespaces.find((n) => n.arn === ref);
    return { kind: 'resolved', key: ns ? ns.id : lastArnSegment(ref) };
  }
  const byId = inventory.namespaces.find((n) => n.id === ref);
  if (byId) return { kind: 'resolved', key: byId.id };
  const named = inventory.namespaces.filter((n) => n.name === ref);
  if (named.length === 1) return { kind: 'resolved', key: named[0].id };
  if (named.length > 1) return { kind: 'ambiguous', name: ref, candidates: named };
  return { kind: 'resolved', key: ref };
}

/** The namespace's name for a resolved key (the key itself when the inventory does not know it). */
export function namespaceNameOf(inventory: Inventory, key: string): string {
  return inventory.namespaces.find((n) => n.id === key)?.name ?? key;
}
