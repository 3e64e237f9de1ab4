/**
 * serviceConnectRefresh: a Service Connect task resolves only the endpoints (client aliases) that existed in its
 * namespace when its client deployment was created; replacement tasks keep that list (aws-facts §1). A client
 * with a running task from a deployment older than an endpoint it may call cannot reach it until redeployed.
 */
import type { EcsService } from '../inventory/model.js';
import { compileGlob, isGlob } from '../policy/glob.js';
import type { MaintenanceWindow, Policy } from '../policy/types.js';
import { formatDuration } from '../util/duration.js';
import type { RuleDefinition } from './definition.js';
import { hasDeploymentInProgress, liveTasksOf, primaryDeployment, serviceConnectOf } from '../inventory/facts.js';
import { redeployGates } from './service-connect-refresh-gates.js';
import { coversEcsService } from './scope.js';
import { endpointsOf, taskBases, type Endpoint, type TaskBasis } from './service-connect-endpoints.js';
import { namespaceNameOf, resolveScNamespace } from './service-connect-namespace.js';
import type { Finding, RuleEvaluator } from '../model/findings.js';

/** spec.rules.serviceConnectRefresh as written, with the CRD's defaults filled in. */
export interface ServiceConnectRefreshRaw {
  enabled: boolean;
  staleAfter: string;
  dependencies?: Record<string, string[]>;
  maxConcurrent: number;
  cooldown: string;
  windows: { schedule: string; duration: string; timezone: string }[];
}

export interface ServiceConnectRefreshRule {
  enabled: boolean;
  /** A task is stale when it started more than this long before an endpoint it may call appeared. */
  staleAfterMs: number;
  /** Client service name -> endpoint discovery names it calls; undefined means every client may call every endpoint. */
  dependencies?: Readonly<Record<string, readonly string[]>>;
  maxConcurrent: number;
  cooldownMs: number;
  /** Empty means always allowed. */
  windows: readonly MaintenanceWindow[];
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
    return [...endpoint.names].some((name) => declared.has(name));
  });
}

interface StaleEndpoint {
  endpoint: Endpoint;
  stale: TaskBasis[];
  /** How long before the endpoint appeared the oldest stale deployment (or task) dates from. */
  worstLeadMs: number;
}

function staleEndpointsOf(
  bases: readonly TaskBasis[],
  callable: readonly Endpoint[],
  staleAfterMs: number,
): StaleEndpoint[] {
  const stale: StaleEndpoint[] = [];
  for (const endpoint of callable) {
    const behind = bases.filter((b) => endpoint.appearedAt - b.at > staleAfterMs);
    if (behind.length === 0) continue;
    stale.push({ endpoint, stale: behind, worstLeadMs: Math.max(...behind.map((b) => endpoint.appearedAt - b.at)) });
  }
  return stale.sort((a, b) => a.endpoint.alias.localeCompare(b.endpoint.alias));
}

function blockFor(client: EcsService, stale: readonly StaleEndpoint[]): Finding['blocked'] {
  if (hasDeploymentInProgress(client)) {
    const live = client.deployments
      .filter((d) => d.status !== 'INACTIVE')
      .map((d) => `${d.id} ${d.rolloutState ?? d.status}`);
    return { reason: 'deployment-in-progress', detail: `client deployment under way (${live.join(', ')})` };
  }
  const pending = stale.filter((s) => !s.endpoint.ready).map((s) => s.endpoint.alias);
  if (pending.length > 0) {
    return {
      reason: 'endpoint-deployment-pending',
      detail: `waiting for the deployment of ${pending.join(', ')} to complete before redeploying the client`,
    };
  }
  return undefined;
}

/** Words for what the stale tasks are judged by, naming the tasks whose deployment is unknown. */
function basisNote(stale: readonly StaleEndpoint[]): string {
  const byStart = new Set(stale.flatMap((s) => s.stale.filter((b) => b.by === 'start').map((b) => b.task.id)));
  const approximate = stale.filter((s) => s.endpoint.approximate).map((s) => s.endpoint.alias);
  const notes: string[] = [];
  if (byStart.size > 0)
    notes.push(
      `${byStart.size} judged by their start time: the deployment that started them is unknown (${[...byStart].sort().join(', ')})`,
    );
  if (approximate.length > 0)
    notes.push(
      `${approximate.join(', ')} dated by the server's creation: the deployment that introduced it is no longer listed`,
    );
  return notes.length ? `; ${notes.join('; ')}` : '';
}

interface FindingInput {
  policy: Policy;
  namespace: string;
  client: EcsService;
  stale: StaleEndpoint[];
  taskCount: number;
  blocked?: Finding['blocked'];
}

function findingFor({ policy, namespace, client, stale, taskCount, blocked }: FindingInput): Finding {
  const names = stale.map((s) => s.endpoint.alias);
  const staleTaskIds = new Set(stale.flatMap((s) => s.stale.map((b) => b.task.id)));
  const worst = stale.reduce((a, b) => (b.worstLeadMs > a.worstLeadMs ? b : a));
  const staleAfter = formatDuration(policy.rules.serviceConnectRefresh.staleAfterMs);
  const block = blocked ?? blockFor(client, stale);
  return {
    policy: policy.name,
    rule: 'serviceConnectRefresh',
    resource: { kind: 'ecs-service', arn: client.arn, cluster: client.clusterName, name: client.name },
    namespace,
    cluster: client.clusterName,
    observed:
      `${staleTaskIds.size} of ${taskCount} running tasks belong to deployments created before ${names.join(', ')} appeared ` +
      `(oldest ${formatDuration(worst.worstLeadMs)} before ${worst.endpoint.alias})${basisNote(stale)}`,
    desired:
      policy.rules.serviceConnectRefresh.staleAfterMs === 0
        ? 'every running task belongs to a deployment created after the endpoints it may call appeared'
        : `every running task belongs to a deployment created no more than ${staleAfter} before the endpoints it may call appeared`,
    reason:
      `Service Connect tasks resolve only the endpoints that existed when their deployment was created: ${client.name} ` +
      `cannot reach ${names.join(', ')} until it is redeployed`,
    action: {
      type: 'ecs:ForceNewDeployment',
      cluster: client.clusterName,
      service: client.name,
      serviceArn: client.arn,
    },
    ...(block ? { blocked: block } : {}),
    key: `serviceConnectRefresh/${client.clusterName}/${client.name}`,
  };
}

/** Finds covered Service Connect clients with running tasks whose deployment predates an endpoint they may call. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const rule = policy.rules.serviceConnectRefresh;
  const byNamespace = new Map<string, EcsService[]>();
  const ambiguous: { client: EcsService; name: string; candidates: string[] }[] = [];
  for (const ecs of inventory.services) {
    if (ecs.status === 'INACTIVE') continue;
    const sc = serviceConnectOf(ecs);
    if (!sc) continue;
    const resolved = resolveScNamespace(inventory, ecs, sc, primaryDeployment(ecs));
    if (resolved.kind === 'ambiguous') {
      ambiguous.push({ client: ecs, name: resolved.name, candidates: resolved.candidates.map((n) => n.id) });
      continue;
    }
    byNamespace.set(resolved.key, [...(byNamespace.get(resolved.key) ?? []), ecs]);
  }
  const endpointCache = new Map<string, Map<string, Endpoint>>();
  const endpointsIn = (key: string) => {
    let endpoints = endpointCache.get(key);
    if (!endpoints) endpointCache.set(key, (endpoints = endpointsOf(inventory, key, byNamespace.get(key) ?? [])));
    return endpoints;
  };
  const findings: Finding[] = [];
  const judge = (client: EcsService, keys: readonly string[]) => {
    const tasks = liveTasksOf(inventory, client);
    const bases = taskBases(client, tasks);
    const stale = keys.flatMap((key) =>
      staleEndpointsOf(bases, callableEndpoints(policy, client, endpointsIn(key)), rule.staleAfterMs),
    );
    return { tasks, stale };
  };
  for (const [namespaceKey, members] of byNamespace) {
    for (const client of members) {
      if (client.status !== 'ACTIVE' || !coversEcsService(policy, inventory, client, 'serviceConnect')) continue;
      const { tasks, stale } = judge(client, [namespaceKey]);
      if (stale.length > 0)
        findings.push(
          findingFor({
            policy,
            namespace: namespaceNameOf(inventory, namespaceKey),
            client,
            stale,
            taskCount: tasks.length,
          }),
        );
    }
  }
  // A client whose namespace name fits a DNS and an HTTP namespace alike: what it can reach depends on which one
  // it is in, so report what it would miss in either and never act on a guess.
  for (const { client, name, candidates } of ambiguous) {
    if (client.status !== 'ACTIVE' || !coversEcsService(policy, inventory, client, 'serviceConnect')) continue;
    const { tasks, stale } = judge(client, candidates);
    if (stale.length === 0) continue;
    const blocked = {
      reason: 'ambiguous-namespace' as const,
      detail: `namespace "${name}" names ${candidates.length} Cloud Map namespaces (${candidates.join(', ')}): which one the client is in is unknown`,
    };
    findings.push(findingFor({ policy, namespace: name, client, stale, taskCount: tasks.length, blocked }));
  }
  return findings.sort((a, b) => a.key.localeCompare(b.key));
};

/** The serviceConnectRefresh rule. */
export const serviceConnectRefresh: RuleDefinition<
  'serviceConnectRefresh',
  ServiceConnectRefreshRaw,
  ServiceConnectRefreshRule
> = {
  name: 'serviceConnectRefresh',
  policy: {
    parse(raw, ctx) {
      const windows: MaintenanceWindow[] = raw.windows.map((window, index) => {
        const timezone = ctx.cronWindow(window.schedule, window.timezone, ['windows', index]);
        return {
          schedule: window.schedule,
          timezone,
          durationMs: ctx.duration(window.duration, ['windows', index, 'duration'], { positive: true }),
        };
      });
      for (const client of Object.keys(raw.dependencies ?? {})) {
        const { error } = compileGlob(client, 'service');
        if (error || isGlob(client)) {
          ctx.issue(
            ['dependencies', client],
            `"${client}" is not an ECS service name (exact names only: letters, digits, hyphens and underscores)`,
          );
        }
      }
      return {
        enabled: raw.enabled,
        staleAfterMs: ctx.duration(raw.staleAfter, ['staleAfter']),
        ...(raw.dependencies
          ? { dependencies: Object.fromEntries(Object.entries(raw.dependencies).map(([k, v]) => [k, [...v]])) }
          : {}),
        maxConcurrent: raw.maxConcurrent,
        cooldownMs: ctx.duration(raw.cooldown, ['cooldown']),
        windows,
      };
    },
    checkBounds(config, bounds, flagOf) {
      const issues = [];
      if (bounds.minCooldownMs !== undefined && config.cooldownMs < bounds.minCooldownMs) {
        issues.push({
          segments: ['cooldown'],
          message: `cooldown ${formatDuration(config.cooldownMs)} is below the operator's minimum cooldown ${formatDuration(bounds.minCooldownMs)} (${flagOf('minCooldownMs')})`,
        });
      }
      if (bounds.maxConcurrentRedeploys !== undefined && config.maxConcurrent > bounds.maxConcurrentRedeploys) {
        issues.push({
          segments: ['maxConcurrent'],
          message: `maxConcurrent ${config.maxConcurrent} is above the operator's maximum of ${bounds.maxConcurrentRedeploys} concurrent redeploys (${flagOf('maxConcurrentRedeploys')})`,
        });
      }
      return issues;
    },
    needsNamespaces: true,
    claimsCloudMapServicesByNamespace: false,
  },
  defaults: { enabled: true, staleAfterMs: 0, maxConcurrent: 2, cooldownMs: 6 * 3_600_000, windows: [] },
  evaluate,
  // The running tasks of the covered clients date their deployments.
  readScope: (_config, covered) => ({ taskClusters: covered.clusters, serviceConnectClusters: covered.clusters }),
  // Service Connect history dates the endpoints of every client in the namespace, wherever their cluster.
  affectedBy: (error) => error.scope.kind === 'service-history',
  ownershipVia: 'serviceConnect',
  gates: redeployGates,
};
