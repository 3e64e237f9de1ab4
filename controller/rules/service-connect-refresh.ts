/**
 * serviceConnectRefresh: a Service Connect task resolves only the endpoints that existed in its namespace when
 * it started. A client whose running tasks predate an endpoint it may call cannot reach it until redeployed.
 */
import type { EcsService, EcsTask, Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { formatDuration } from '../util/duration.js';
import {
  hasDeploymentInProgress,
  lastArnSegment,
  liveTasksOf,
  namespaceDisplayName,
  serviceConnectNamespaceKey,
  serviceConnectOf,
} from './facts.js';
import { coversEcsService } from './scope.js';
import type { Finding, RuleEvaluator } from './types.js';

/** An endpoint (discovery name) of a Service Connect namespace and when it first appeared there. */
interface Endpoint {
  discoveryName: string;
  /** Names a client may use for it in `dependencies`: discovery name, server service names, client alias DNS names. */
  aliases: Set<string>;
  servers: EcsService[];
  firstAppeared: number;
  /** A deployment that serves it has completed, so clients may be redeployed now. */
  ready: boolean;
}

function deploymentServes(d: EcsService['deployments'][number], discoveryName: string): boolean {
  if (d.serviceConnect?.enabled && d.serviceConnect.services.some((s) => s.discoveryName === discoveryName)) return true;
  return d.serviceConnectResources.some((r) => r.discoveryName === discoveryName);
}

function deploymentCompleted(d: EcsService['deployments'][number]): boolean {
  if (d.rolloutState) return d.rolloutState === 'COMPLETED';
  return d.pendingCount === 0 && d.runningCount >= d.desiredCount;
}

/** Endpoints of one namespace, from the ACTIVE services that serve them there. */
function endpointsOf(inventory: Inventory, namespaceKey: string, members: readonly EcsService[]): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  for (const server of members) {
    if (server.status !== 'ACTIVE') continue;
    for (const entry of serviceConnectOf(server)?.services ?? []) {
      const endpoint = endpoints.get(entry.discoveryName)
        ?? { discoveryName: entry.discoveryName, aliases: new Set([entry.discoveryName]), servers: [], firstAppeared: Infinity, ready: false };
      endpoint.servers.push(server);
      endpoint.aliases.add(server.name);
      for (const alias of entry.clientAliases) if (alias.dnsName) endpoint.aliases.add(alias.dnsName);
      for (const d of server.deployments) {
        if (!deploymentServes(d, entry.discoveryName)) continue;
        endpoint.firstAppeared = Math.min(endpoint.firstAppeared, d.createdAt);
        if (d.status !== 'INACTIVE' && deploymentCompleted(d)) endpoint.ready = true;
        // The Cloud Map service Service Connect created for the endpoint outlives redeploys of the server,
        // whose old deployments ECS forgets: its creation time is the better "first appeared".
        for (const r of d.serviceConnectResources) {
          if (r.discoveryName !== entry.discoveryName) continue;
          const cm = inventory.cloudMapServices.find((s) => s.arn === r.discoveryArn || s.id === lastArnSegment(r.discoveryArn));
          if (cm && cm.createdAt > 0) endpoint.firstAppeared = Math.min(endpoint.firstAppeared, cm.createdAt);
        }
      }
      const cmByName = inventory.cloudMapServices.find((s) => s.namespaceId === namespaceKey && s.name === entry.discoveryName);
      if (cmByName && cmByName.createdAt > 0) endpoint.firstAppeared = Math.min(endpoint.firstAppeared, cmByName.createdAt);
      endpoints.set(entry.discoveryName, endpoint);
    }
  }
  return endpoints;
}

/** The endpoints a client may call: all but its own, narrowed by `dependencies` when the policy declares them. */
function callableEndpoints(policy: Policy, client: EcsService, endpoints: Map<string, Endpoint>): Endpoint[] {
  const dependencies = policy.rules.serviceConnectRefresh.dependencies;
  // The map narrows only the clients it names (`worker: []` declares one that calls nothing). A client it
  // does not name is unknown, so it may call anything: missing a broken caller is worse than one redeploy.
  const listed = dependencies?.[client.name];
  const declared = listed ? new Set(listed) : undefined;
  return [...endpoints.values()].filter((endpoint) => {
    if (endpoint.servers.some((s) => s.arn === client.arn)) return false;
    if (!declared) return true;
    return [...endpoint.aliases].some((alias) => declared.has(alias));
  });
}

interface StaleEndpoint {
  endpoint: Endpoint;
  staleTasks: EcsTask[];
  /** How long before the endpoint appeared the oldest stale task started. */
  worstLeadMs: number;
}

function staleEndpointsOf(tasks: readonly EcsTask[], callable: readonly Endpoint[], staleAfterMs: number): StaleEndpoint[] {
  const stale: StaleEndpoint[] = [];
  for (const endpoint of callable) {
    if (!Number.isFinite(endpoint.firstAppeared)) continue;
    const staleTasks = tasks.filter((t) => t.startedAt !== undefined && endpoint.firstAppeared - t.startedAt > staleAfterMs);
    if (staleTasks.length === 0) continue;
    const worstLeadMs = Math.max(...staleTasks.map((t) => endpoint.firstAppeared - (t.startedAt as number)));
    stale.push({ endpoint, staleTasks, worstLeadMs });
  }
  return stale.sort((a, b) => a.endpoint.discoveryName.localeCompare(b.endpoint.discoveryName));
}

function blockFor(client: EcsService, stale: readonly StaleEndpoint[]): Finding['blocked'] {
  if (hasDeploymentInProgress(client)) {
    const live = client.deployments.filter((d) => d.status !== 'INACTIVE').map((d) => `${d.id} ${d.rolloutState ?? d.status}`);
    return { reason: 'deployment-in-progress', detail: `client deployment under way (${live.join(', ')})` };
  }
  const pending = stale.filter((s) => !s.endpoint.ready).map((s) => s.endpoint.discoveryName);
  if (pending.length > 0) {
    return {
      reason: 'endpoint-deployment-pending',
      detail: `waiting for the deployment of ${pending.join(', ')} to complete before redeploying the client`,
    };
  }
  return undefined;
}

function findingFor(policy: Policy, inventory: Inventory, namespaceKey: string, client: EcsService, stale: StaleEndpoint[], taskCount: number): Finding {
  const names = stale.map((s) => s.endpoint.discoveryName);
  const staleTaskIds = new Set(stale.flatMap((s) => s.staleTasks.map((t) => t.id)));
  const worst = stale.reduce((a, b) => (b.worstLeadMs > a.worstLeadMs ? b : a));
  const staleAfter = formatDuration(policy.rules.serviceConnectRefresh.staleAfterMs);
  const blocked = blockFor(client, stale);
  return {
    policy: policy.name,
    rule: 'serviceConnectRefresh',
    resource: { kind: 'ecs-service', arn: client.arn, cluster: client.clusterName, name: client.name },
    namespace: namespaceDisplayName(inventory, namespaceKey),
    cluster: client.clusterName,
    observed: `${staleTaskIds.size} of ${taskCount} running tasks started before ${names.join(', ')} appeared `
      + `(oldest ${formatDuration(worst.worstLeadMs)} before ${worst.endpoint.discoveryName})`,
    desired: policy.rules.serviceConnectRefresh.staleAfterMs === 0
      ? 'every running task started after the endpoints it may call appeared'
      : `every running task started no more than ${staleAfter} before the endpoints it may call appeared`,
    reason: `Service Connect tasks resolve only endpoints that existed when they started: ${client.name} cannot reach `
      + `${names.join(', ')} until it is redeployed`,
    action: { type: 'ecs:ForceNewDeployment', cluster: client.clusterName, service: client.name, serviceArn: client.arn },
    ...(blocked ? { blocked } : {}),
    key: `serviceConnectRefresh/${client.clusterName}/${client.name}`,
  };
}

/** Finds covered Service Connect clients with running tasks older than an endpoint they may call. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.serviceConnectRefresh;
  const byNamespace = new Map<string, EcsService[]>();
  for (const ecs of inventory.services) {
    if (ecs.status === 'INACTIVE') continue;
    const sc = serviceConnectOf(ecs);
    if (!sc) continue;
    const key = serviceConnectNamespaceKey(inventory, ecs, sc);
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), ecs]);
  }
  const findings: Finding[] = [];
  for (const [namespaceKey, members] of byNamespace) {
    const endpoints = endpointsOf(inventory, namespaceKey, members);
    for (const client of members) {
      if (client.status !== 'ACTIVE' || !coversEcsService(policy, inventory, client)) continue;
      const tasks = liveTasksOf(inventory, client);
      const stale = staleEndpointsOf(tasks, callableEndpoints(policy, client, endpoints), rule.staleAfterMs);
      if (stale.length > 0) findings.push(findingFor(policy, inventory, namespaceKey, client, stale, tasks.length));
    }
  }
  return findings.sort((a, b) => a.key.localeCompare(b.key));
};
