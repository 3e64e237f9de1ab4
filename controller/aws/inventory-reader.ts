/**
 * Reads the observed fleet that a set of policies needs, from one account and region. Partial failures
 * become readErrors against their scope (so the rules refuse to prune there); nothing is thrown for them.
 *
 * It reads what the rules need to decide, at the largest page and batch sizes (controller/aws/read-budget.ts
 * is this reader's own call estimate; bench/read-bound.ts derives the lower bound independently):
 * - Tasks are never listed cluster-wide. The task of every ECS-registered instance is described by id after
 *   the instances were listed (orphans need "is it running, stopping or gone?", which only a describe made
 *   after the listing proves), and the running tasks of Service Connect clients are listed per client and
 *   described (serviceConnectRefresh needs the deployment that started each). A task no rule asks about is
 *   not read at all.
 * - Tags of Cloud Map services are read only for the services some finding would act on, after a first
 *   evaluation (options.tagCandidates: rules/tag-candidates.ts); a service whose tags were not read has tagsRead false, which blocks
 *   every write to it.
 * - DescribeClusters is never needed (the cluster ARN carries the name) and GetService only for Cloud Map
 *   services referenced from outside the namespaces read (ListServices carries type, DNS records, instance
 *   count and creation date).
 * - ListInstances is skipped where no enabled rule needs instances, and for a service ListServices reports
 *   empty (InstanceCount 0) that a live ECS service refers to: only an unreferenced service's deletion must
 *   prove it empty, and InstanceCount lags registrations, so those are always listed.
 * Application Auto Scaling is read only for taskLimit (scaling-reader.ts), alongside the reads that follow
 * the ECS listing; task definitions only for dnsTtl's drain bound, once per revision (task-definition-reader.ts).
 */
import type { Cluster, CloudMapService, EcsService, EcsTask, Inventory, Namespace } from '../inventory/model.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import { isEmptyMatcher, matches, planReadScope, readsNothing, type ReadScopePlan } from '../inventory/read-scope.js';
import type { Policy } from '../policy/types.js';
import type { AwsClients } from './clients.js';
import {
  getService,
  listNamespaceServices,
  listNamespaces,
  readNamespaceSoa,
  withInstances,
} from './cloudmap-reader.js';
import { listUnreferencedEmpty, readCandidateTags } from './candidate-reader.js';
import { describeServices, listClusters, readClusterServices, readServicesTasks } from './ecs-reader.js';
import { recheckInstanceTasks } from './instance-recheck.js';
import { collectOwnership, memoryOwnershipSources, type OwnershipSources } from './ownership-reader.js';
import type { EcsServiceName } from '../inventory/evidence.js';
import { arnAccount, arnName, ReadContext, type ReadOptions } from './read-context.js';
import { registriesOf, serviceConnectOf } from '../inventory/facts.js';
import { readScalingMaxima, withScalingMaxima } from './scaling-reader.js';
import { readTaskDefinitions, type TaskDefinitionCache } from './task-definition-reader.js';

export type { ReadOptions };

/** What a full read may be given besides the ReadContext options. */
export interface InventoryReadOptions extends ReadOptions {
  /** Ownership evidence kept across reads (per target); a fresh in-memory one when absent. */
  ownership?: OwnershipSources;
  /** Task definitions already described (per target; revisions are immutable); a fresh one when absent. */
  taskDefinitions?: TaskDefinitionCache;
}

interface EcsPart {
  clusters: Cluster[];
  services: EcsService[];
  tasks: EcsTask[];
}

async function readEcs(ctx: ReadContext, scope: ReadScopePlan): Promise<EcsPart> {
  if (isEmptyMatcher(scope.serviceClusters) && isEmptyMatcher(scope.taskClusters))
    return { clusters: [], services: [], tasks: [] };
  const all = await listClusters(ctx);
  const clusters = all.filter(
    (c) => matches(scope.serviceClusters, c.name, c.arn) || matches(scope.taskClusters, c.name, c.arn),
  );
  ctx.progress(`ecs: reading ${clusters.length} of ${all.length} clusters`);
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      const services = matches(scope.serviceClusters, cluster.name, cluster.arn)
        ? await readClusterServices(ctx, cluster)
        : [];
      const tasks = await readClientTasks(ctx, scope, cluster, services);
      ctx.progress(
        `ecs: cluster ${cluster.name}: ${services.length} services, ${tasks.length} Service Connect client tasks`,
      );
      return { services, tasks };
    }),
  );
  return { clusters, services: perCluster.flatMap((p) => p.services), tasks: perCluster.flatMap((p) => p.tasks) };
}

/** The running tasks of the cluster's ACTIVE Service Connect clients, where serviceConnectRefresh judges them. */
function readClientTasks(
  ctx: ReadContext,
  scope: ReadScopePlan,
  cluster: Cluster,
  services: readonly EcsService[],
): Promise<EcsTask[]> | EcsTask[] {
  if (
    !matches(scope.serviceConnectClusters, cluster.name, cluster.arn) ||
    !matches(scope.taskClusters, cluster.name, cluster.arn)
  )
    return [];
  const clients = services.filter((s) => s.status === 'ACTIVE' && serviceConnectOf(s) !== undefined).map((s) => s.name);
  return clients.length ? readServicesTasks(ctx, cluster, clients) : [];
}

interface CloudMapPart {
  namespaces: Namespace[];
  cloudMapServices: CloudMapService[];
  /** Services in instance namespaces that ListServices reported empty: their instances wait for the ECS read. */
  reportedEmpty: Set<string>;
}

/**
 * Namespaces are listed whenever anything is read (one call for up to 100; the quota is 50), all of them
 * kept so Service Connect namespace names resolve; services are read only for namespaces in scope.
 */
async function readCloudMap(ctx: ReadContext, scope: ReadScopePlan): Promise<CloudMapPart> {
  const reportedEmpty = new Set<string>();
  if (readsNothing(scope)) return { namespaces: [], cloudMapServices: [], reportedEmpty };
  const namespaces = await listNamespaces(ctx);
  await readNamespaceSoa(ctx, scope, namespaces);
  const inScope = namespaces.filter((n) => matches(scope.namespaces, n.name, n.id, n.arn));
  ctx.progress(`cloudmap: reading ${inScope.length} of ${namespaces.length} namespaces`);
  const perNamespace = await Promise.all(
    inScope.map(async (namespace) => {
      const empty = new Set<string>();
      const listed = await listNamespaceServices(ctx, namespace, empty);
      const detailed = await Promise.all(
        listed.map((s) => {
          if (!empty.has(s.id) || !matches(scope.instanceNamespaces, namespace.name, namespace.id, namespace.arn))
            return withInstances(ctx, scope, namespace, s);
          reportedEmpty.add(s.id);
          return s;
        }),
      );
      ctx.progress(`cloudmap: namespace ${namespace.name}: ${detailed.length} services`);
      return detailed;
    }),
  );
  return { namespaces, cloudMapServices: perNamespace.flat(), reportedEmpty };
}

/**
 * A policy also covers the Cloud Map services its ECS services refer to, wherever their namespace is
 * (rules/scope.ts). Those outside the namespaces read are fetched one by one with GetService.
 */
export async function readReferencedCloudMapServices(
  ctx: ReadContext,
  scope: ReadScopePlan,
  services: readonly EcsService[],
  known: readonly CloudMapService[],
): Promise<CloudMapService[]> {
  const knownIds = new Set(known.map((s) => s.id));
  const wanted = new Set<string>();
  for (const service of services) {
    if (service.status === 'INACTIVE' || !matches(scope.coveredClusters, service.clusterName, service.clusterArn))
      continue;
    const arns = [
      ...registriesOf(service).map((r) => r.registryArn),
      ...service.deployments.flatMap((d) => d.serviceConnectResources.map((r) => r.discoveryArn)),
    ];
    for (const arn of arns) if (!knownIds.has(arnName(arn))) wanted.add(arnName(arn));
  }
  const found = await Promise.all([...wanted].map(async (id) => (await getService(ctx, id)).service));
  return found.filter((s): s is CloudMapService => s !== undefined);
}

/**
 * ListServices omits DRAINING services, yet a draining service still references its Cloud Map services and
 * still runs tasks. Names seen on tasks or on ECS-registered instances but not listed are described by
 * name, so a draining service is never mistaken for a deleted one.
 */
export async function describeUnlisted(
  ctx: ReadContext,
  scope: ReadScopePlan,
  seen: {
    clusters: readonly Cluster[];
    services: readonly EcsService[];
    tasks: readonly EcsTask[];
    cloudMapServices: readonly CloudMapService[];
    named?: readonly EcsServiceName[];
  },
): Promise<EcsService[]> {
  const listed = new Set(seen.services.map((s) => `${s.clusterName}/${s.name}`));
  const wanted = new Map<string, Set<string>>();
  const want = (clusterName: string, serviceName: string) => {
    if (listed.has(`${clusterName}/${serviceName}`)) return;
    let names = wanted.get(clusterName);
    if (!names) wanted.set(clusterName, (names = new Set()));
    names.add(serviceName);
  };
  for (const task of seen.tasks) if (task.serviceName) want(task.clusterName, task.serviceName);
  // A DRAINING service running no task leaves no task and no instance to find it by: ownership evidence names it.
  for (const name of seen.named ?? []) want(name.cluster, name.service);
  for (const service of seen.cloudMapServices) {
    for (const instance of service.instances ?? []) {
      const clusterName = instance.attributes[ECS_ATTRIBUTES.cluster];
      const serviceName = instance.attributes[ECS_ATTRIBUTES.service];
      if (clusterName && serviceName) want(clusterName, serviceName);
    }
  }
  const byName = new Map(seen.clusters.map((c) => [c.name, c]));
  const found = await Promise.all(
    [...wanted].map(([clusterName, names]) => {
      const cluster = byName.get(clusterName);
      // A cluster that is gone or out of scope has no services to find.
      if (!cluster || !matches(scope.serviceClusters, cluster.name, cluster.arn)) return [];
      return describeServices(ctx, cluster, [...names]);
    }),
  );
  return found.flat();
}

/**
 * Reads what the given policies need from the account and region the clients point at. Every policy given
 * is taken to target that account and region: split policies of other targets off first (targets.ts).
 */
export async function readInventory(
  clients: AwsClients,
  policies: readonly Policy[],
  options: InventoryReadOptions = {},
): Promise<Inventory> {
  const ctx = new ReadContext(clients, options);
  const scope = planReadScope(policies);
  const [listedEcs, listedCloudMap] = await Promise.all([readEcs(ctx, scope), readCloudMap(ctx, scope)]);
  const cloudMap = {
    ...listedCloudMap,
    cloudMapServices: await listUnreferencedEmpty(
      ctx,
      listedCloudMap.cloudMapServices,
      listedCloudMap.reportedEmpty,
      listedEcs.services,
    ),
  };
  const account =
    arnAccount(listedEcs.clusters[0]?.arn) ??
    arnAccount(cloudMap.namespaces[0]?.arn) ??
    policies.find((p) => p.target.account)?.target.account ??
    '';
  // Read after the instances were listed: only this proves the task of an instance alive, stopped or absent.
  const rechecked = await recheckInstanceTasks(ctx, listedEcs.clusters, listedEcs.tasks, cloudMap.cloudMapServices);
  const ecs = {
    ...listedEcs,
    tasks: rechecked.tasks.length ? [...listedEcs.tasks, ...rechecked.tasks] : listedEcs.tasks,
  };
  const ownership = isEmptyMatcher(scope.instanceNamespaces)
    ? {}
    : await collectOwnership(
        clients,
        options.ownership ?? memoryOwnershipSources(),
        { account, ...ecs, cloudMapServices: cloudMap.cloudMapServices },
        ctx.now(),
      );
  const named = Object.values(ownership).flatMap((e) => e.ecsServices);
  const [{ unlisted, referenced, taskDefinitions }, maxima] = await Promise.all([
    (async () => {
      const unlisted = await describeUnlisted(ctx, scope, {
        ...ecs,
        cloudMapServices: cloudMap.cloudMapServices,
        named,
      });
      const [referenced, taskDefinitions] = await Promise.all([
        readReferencedCloudMapServices(ctx, scope, [...ecs.services, ...unlisted], cloudMap.cloudMapServices),
        readTaskDefinitions(ctx, scope, [...ecs.services, ...unlisted], options.taskDefinitions ?? new Map()),
      ]);
      return { unlisted, referenced, taskDefinitions };
    })(),
    readScalingMaxima(ctx, scope, ecs.services),
  ]);
  const untagged: Inventory = {
    observedAt: ctx.now(),
    account,
    region: clients.region,
    clusters: ecs.clusters,
    services: withScalingMaxima([...ecs.services, ...unlisted], maxima),
    tasks: ecs.tasks,
    namespaces: cloudMap.namespaces,
    cloudMapServices: [...cloudMap.cloudMapServices, ...referenced],
    readErrors: ctx.errors,
    ownership,
    taskRechecks: rechecked.taskRechecks,
    ...(Object.keys(taskDefinitions).length ? { taskDefinitions } : {}),
  };
  // Second phase: tags only where a finding would act (their failures land in ctx.errors, the inventory's list).
  const tagged = new Map(
    (await readCandidateTags(ctx, scope, policies, untagged, options.tagCandidates)).map((s) => [s.id, s]),
  );
  ctx.progress(
    `read done: ${untagged.services.length} ECS services, ${ecs.tasks.length} tasks, ${untagged.cloudMapServices.length} Cloud Map services (${tagged.size} with tags read), ${ctx.errors.length} read errors`,
  );
  return tagged.size
    ? {
        ...untagged,
        observedAt: ctx.now(),
        cloudMapServices: untagged.cloudMapServices.map((s) => tagged.get(s.id) ?? s),
      }
    : untagged;
}
