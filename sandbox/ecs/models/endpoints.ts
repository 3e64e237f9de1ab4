/**
 * The Service Connect endpoint model of the scheduler (scheduler.ts): when each client alias appeared in its
 * namespace, which aliases a new deployment's tasks can resolve, and which services use each namespace.
 */
import type { Deployment, Service } from './model.js';
import { endpointId } from './model.js';
import type { EcsState } from './state.js';
import { clientAliases } from './discovery.js';

/** Records when each client alias of a new deployment appeared in its namespace (the Service Connect delay model). */
export function trackEndpoints(
  state: EcsState,
  service: Service,
  deployment: Deployment,
  previousNamespaceId: string | undefined,
): void {
  if (deployment.serviceConnectNamespaceId !== previousNamespaceId) service.endpointSince.clear();
  const namespaceName = deployment.serviceConnectNamespaceId
    ? (state.cloudMap.namespaceByRef(deployment.serviceConnectNamespaceId)?.name ?? '')
    : '';
  const offered = new Map(
    clientAliases(deployment.serviceConnect, namespaceName).map((a) => [a.alias, a.discoveryName]),
  );
  for (const alias of [...service.endpointSince.keys()]) if (!offered.has(alias)) service.endpointSince.delete(alias);
  for (const [alias, discoveryName] of offered) {
    if (!service.endpointSince.has(alias))
      service.endpointSince.set(alias, { since: deployment.createdAt, discoveryName });
  }
}

/** The endpoints a new deployment's tasks can resolve: every alias ACTIVE services offer in its namespace now. */
export function snapshotEndpoints(state: EcsState, deployment: Deployment): void {
  if (!deployment.serviceConnectNamespaceId) return;
  const resolvable = new Set<string>();
  for (const arn of state.namespaceIndex(deployment.serviceConnectNamespaceId).all()) {
    const server = state.servicesByArn.get(arn);
    if (!server || server.status !== 'ACTIVE') continue;
    for (const [alias, { since }] of server.endpointSince) resolvable.add(endpointId(server, alias, since));
  }
  deployment.resolvable = resolvable;
}

/** Adds a service to (or removes it from) the index of services whose deployment uses a Service Connect namespace. */
export function indexNamespace(state: EcsState, service: Service, namespaceId: string | undefined, add: boolean): void {
  if (namespaceId === undefined) return;
  if (add) state.namespaceIndex(namespaceId).add(service.arn);
  else state.namespaceServices.get(namespaceId)?.delete(service.arn);
}
