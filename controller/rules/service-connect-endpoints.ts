/**
 * Service Connect endpoints and what each client task can resolve (aws-facts §1). Clients resolve client
 * aliases (dnsName:port), never discovery names; a task has the endpoint list of the client *deployment* that
 * started it (replacement and scale-out tasks included), fixed when that deployment was created.
 */
import type { EcsService, EcsTask, Inventory, ServiceConnectConfig } from '../inventory/model.js';
import { cloudMapServiceByArn, primaryDeployment } from '../inventory/facts.js';
import { namespaceNameOf, resolveScNamespace } from './service-connect-namespace.js';

/** A client alias a server offers in a namespace, and when its current incarnation appeared. */
export interface Endpoint {
  /** "dnsName:port", what clients connect to. */
  alias: string;
  discoveryName: string;
  /** Names a client may use for it in `dependencies`: alias, alias DNS name, discovery name, server service names. */
  names: Set<string>;
  servers: EcsService[];
  appearedAt: number;
  /** appearedAt is the server's creation: the deployment that introduced the alias is no longer listed. */
  approximate: boolean;
  /** A deployment that serves it has completed, so clients may be redeployed now. */
  ready: boolean;
}

// The first deployment of a service is created with the service; ECS's two timestamps can differ slightly.
const FIRST_DEPLOYMENT_SLACK_MS = 5_000;

interface Alias {
  alias: string;
  dnsName: string;
  discoveryName: string;
}

/** The aliases a configuration offers; the dnsName defaults to discoveryName.namespace (ECS API reference). */
export function aliasesOf(sc: ServiceConnectConfig | undefined, namespaceName: string): Alias[] {
  if (!sc?.enabled) return [];
  return sc.services.flatMap((entry) => {
    const aliases = entry.clientAliases.length > 0 ? entry.clientAliases : [{ port: undefined, dnsName: undefined }];
    return aliases.map((a) => {
      const dnsName = a.dnsName ?? `${entry.discoveryName}.${namespaceName}`;
      return {
        alias: a.port === undefined ? dnsName : `${dnsName}:${a.port}`,
        dnsName,
        discoveryName: entry.discoveryName,
      };
    });
  });
}

function completed(d: EcsService['deployments'][number]): boolean {
  if (d.rolloutState) return d.rolloutState === 'COMPLETED';
  return d.pendingCount === 0 && d.runningCount >= d.desiredCount;
}

interface Revision {
  createdAt: number;
  sc?: ServiceConnectConfig;
  deployment?: EcsService['deployments'][number];
}

/** Listed deployments and older revisions of a server, newest first. */
function timelineOf(server: EcsService): Revision[] {
  return [
    ...server.deployments.map((d) => ({ createdAt: d.createdAt, sc: d.serviceConnect, deployment: d })),
    ...(server.serviceConnectHistory ?? []).map((r) => ({ createdAt: r.createdAt, sc: r.serviceConnect })),
  ].sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Dates one alias of a server: the oldest revision of the unbroken run of revisions, back from the newest, that
 * offered it in this namespace. A gap (the alias removed, the namespace changed) starts a new incarnation.
 * When the run reaches the oldest revision known and that is not the service's first, the alias is dated by
 * the server's creation (or its Cloud Map service's, if later): a recreated server appears anew.
 */
function dateAlias(
  inventory: Inventory,
  server: EcsService,
  namespaceKey: string,
  alias: Alias,
): Pick<Endpoint, 'appearedAt' | 'approximate' | 'ready'> {
  const primarySc = primaryDeployment(server)?.serviceConnect;
  const nsName = namespaceNameOf(inventory, namespaceKey);
  const timeline = timelineOf(server);
  let appearedAt = Infinity;
  let ready = false;
  let gap = false;
  for (const revision of timeline) {
    const sc = revision.sc;
    const sameNamespace =
      sc?.enabled && (sc.namespace === primarySc?.namespace || sameKey(inventory, server, sc, revision, namespaceKey));
    if (!sameNamespace || !aliasesOf(sc, nsName).some((a) => a.alias === alias.alias)) {
      gap = true;
      break;
    }
    appearedAt = revision.createdAt;
    if (revision.deployment && revision.deployment.status !== 'INACTIVE' && completed(revision.deployment))
      ready = true;
  }
  const oldest = timeline[timeline.length - 1];
  if (gap || !oldest || oldest.createdAt <= server.createdAt + FIRST_DEPLOYMENT_SLACK_MS)
    return { appearedAt, approximate: false, ready };
  let floor = server.createdAt;
  for (const d of server.deployments) {
    for (const r of d.serviceConnectResources) {
      const cm = r.discoveryName === alias.discoveryName ? cloudMapServiceByArn(inventory, r.discoveryArn) : undefined;
      if (cm && cm.createdAt > floor) floor = cm.createdAt;
    }
  }
  return { appearedAt: Math.min(appearedAt, floor), approximate: true, ready };
}

function sameKey(
  inventory: Inventory,
  server: EcsService,
  sc: ServiceConnectConfig,
  revision: Revision,
  namespaceKey: string,
): boolean {
  const resolved = resolveScNamespace(inventory, server, sc, revision.deployment);
  return resolved.kind === 'resolved' && resolved.key === namespaceKey;
}

/** Endpoints of one namespace, from the ACTIVE services that serve them there now. */
export function endpointsOf(
  inventory: Inventory,
  namespaceKey: string,
  members: readonly EcsService[],
): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  const nsName = namespaceNameOf(inventory, namespaceKey);
  for (const server of members) {
    if (server.status !== 'ACTIVE') continue;
    for (const alias of aliasesOf(primaryDeployment(server)?.serviceConnect, nsName)) {
      const dated = dateAlias(inventory, server, namespaceKey, alias);
      if (!Number.isFinite(dated.appearedAt)) continue;
      const existing = endpoints.get(alias.alias);
      const endpoint = existing ?? {
        alias: alias.alias,
        discoveryName: alias.discoveryName,
        names: new Set<string>(),
        servers: [],
        ...dated,
      };
      if (existing) {
        existing.appearedAt = Math.min(existing.appearedAt, dated.appearedAt);
        existing.ready ||= dated.ready;
      }
      endpoint.servers.push(server);
      for (const name of [alias.alias, alias.dnsName, alias.discoveryName, server.name]) endpoint.names.add(name);
      endpoints.set(alias.alias, endpoint);
    }
  }
  return endpoints;
}

/** What a client task's endpoint list dates from: its deployment's (or task set's) creation, else its own start. */
export interface TaskBasis {
  task: EcsTask;
  at: number;
  /** 'start' when the deployment that started it is unknown: the task's start is only an upper bound. */
  by: 'deployment' | 'task-set' | 'start';
}

/** The basis of each running task of a client; tasks with neither a known deployment nor a start are left out. */
export function taskBases(client: EcsService, tasks: readonly EcsTask[]): TaskBasis[] {
  const bases: TaskBasis[] = [];
  for (const task of tasks) {
    const deployment = task.deploymentId ? client.deployments.find((d) => d.id === task.deploymentId) : undefined;
    const taskSet =
      !deployment && task.deploymentId ? client.taskSets?.find((s) => s.id === task.deploymentId) : undefined;
    if (deployment) bases.push({ task, at: deployment.createdAt, by: 'deployment' });
    else if (taskSet) bases.push({ task, at: taskSet.createdAt, by: 'task-set' });
    else if (task.startedAt !== undefined) bases.push({ task, at: task.startedAt, by: 'start' });
  }
  return bases;
}
