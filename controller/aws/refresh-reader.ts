/**
 * Targeted re-reads for work keys: each reads only what its key names and returns a patch for the cached
 * inventory. A collection is replaced only when its re-read was complete; otherwise the old data stays and
 * the new read error (which forbids pruning there) takes the place of the old one.
 */
import type {
  Cluster,
  CloudMapService,
  EcsService,
  Inventory,
  Namespace,
  ReadError,
  ReadScope,
} from '../inventory/model.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import { errorInScope, type InventoryPatch } from '../inventory/patch.js';
import { matches, type ReadScopePlan } from '../inventory/read-scope.js';
import {
  getService,
  listInstances,
  listNamespaceServices,
  listNamespaces,
  readNamespaceSoa,
  withDetails,
} from './cloudmap-reader.js';
import { describeServices, listClusters, readClusterServices, readTasks } from './ecs-reader.js';
import { describeUnlisted } from './inventory-reader.js';
import { arnName, type ReadContext } from './read-context.js';
import { registriesOf } from '../inventory/facts.js';
import { keepScalingMaxima } from './scaling-reader.js';

const failed = (errors: readonly ReadError[], ...operations: string[]) =>
  errors.some((e) => operations.includes(e.operation));

/** The cached cluster a key names (by name or ARN), or one built from the key for a cluster not seen yet. */
function resolveCluster(current: Inventory, ref: string): { cluster: Cluster; known: boolean } {
  const found = current.clusters.find((c) => c.name === ref || c.arn === ref);
  if (found) return { cluster: found, known: true };
  // ECS accepts a cluster name wherever it takes an ARN.
  return { cluster: { arn: ref, name: arnName(ref) }, known: false };
}

/** Cloud Map service ARNs an ECS service refers to, through registries (its task sets' included) and Service Connect. */
function referencedCloudMapArns(service: EcsService): string[] {
  const arns = new Set(registriesOf(service).map((r) => r.registryArn));
  for (const d of service.deployments) for (const r of d.serviceConnectResources) arns.add(r.discoveryArn);
  return [...arns];
}

/**
 * One ECS service after a task-state or service event: DescribeServices, its tasks (ListTasks RUNNING and
 * STOPPED, one DescribeTasks), and the instances of the Cloud Map services it references. Five calls for a
 * service with one registry and fewer than 100 tasks. The autoscaling maximum is not re-read (it would be a
 * sixth call): the cached one is kept until the next full read.
 */
export async function refreshEcsService(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  ref: { cluster: string; service: string },
): Promise<InventoryPatch | undefined> {
  const { cluster, known } = resolveCluster(current, ref.cluster);
  const wantServices = matches(scope.serviceClusters, cluster.name, cluster.arn);
  const wantTasks = matches(scope.taskClusters, cluster.name, cluster.arn);
  if (!wantServices && !wantTasks) return undefined;
  const name = ref.service.startsWith('arn:') ? arnName(ref.service) : ref.service;
  const [described, tasks] = await Promise.all([
    wantServices ? describeServices(ctx, cluster, [name], name) : undefined,
    wantTasks ? readTasks(ctx, cluster, name) : undefined,
  ]);
  const servicesOk = described !== undefined && !failed(ctx.errors, 'ecs:DescribeServices');
  const tasksOk = tasks !== undefined && !failed(ctx.errors, 'ecs:ListTasks', 'ecs:DescribeTasks');
  const service = described?.[0] ?? current.services.find((s) => s.clusterName === cluster.name && s.name === name);

  // Instances only change with tasks; DNS settings and tags do not, so only ListInstances is repeated.
  const cloudMapById = new Map(current.cloudMapServices.map((s) => [s.id, s]));
  const byArn = new Map(current.cloudMapServices.map((s) => [s.arn, s]));
  const updated: CloudMapService[] = [];
  await Promise.all(
    (service ? referencedCloudMapArns(service) : []).map(async (arn) => {
      const cached = byArn.get(arn);
      if (cached) {
        if (cached.instances === undefined && !matchesNamespaceOf(current, scope, cached.namespaceId, 'instances'))
          return;
        const instances = await listInstances(ctx, cached.id, cached.arn || undefined);
        if (instances) updated.push({ ...cached, instances });
        return;
      }
      const covered = matches(scope.coveredClusters, service!.clusterName, service!.clusterArn);
      const added = await readNewCloudMapService(ctx, scope, current, arnName(arn), covered);
      if (added) updated.push(added);
    }),
  );
  const updatedIds = new Set(updated.map((s) => s.id));
  const clusterScope: ReadScope = { kind: 'cluster', cluster: cluster.name };
  const newCluster = !known && described?.[0] ? [{ arn: described[0].clusterArn, name: described[0].clusterName }] : [];
  return {
    ...(newCluster.length ? { clusters: { remove: () => false, add: newCluster } } : {}),
    ...(servicesOk
      ? {
          services: {
            remove: (s) => s.clusterName === cluster.name && s.name === name,
            add: keepScalingMaxima(described, current.services),
          },
        }
      : {}),
    ...(tasksOk
      ? { tasks: { remove: (t) => t.clusterName === cluster.name && t.serviceName === name, add: tasks } }
      : {}),
    cloudMapServices: { remove: (s) => updatedIds.has(s.id) && cloudMapById.has(s.id), add: updated },
    clearErrors: (e) =>
      (errorInScope(e, clusterScope) && e.resource === name) ||
      ([...updatedIds].some((id) => errorInScope(e, { kind: 'cloudmap-service', serviceId: id })) &&
        e.operation === 'servicediscovery:ListInstances'),
    errors: ctx.errors,
  };
}

function matchesNamespaceOf(
  current: Inventory,
  scope: ReadScopePlan,
  namespaceId: string,
  what: 'services' | 'instances',
): Namespace | undefined {
  const ns = current.namespaces.find((n) => n.id === namespaceId);
  if (!ns) return undefined;
  return matches(what === 'instances' ? scope.instanceNamespaces : scope.namespaces, ns.name, ns.id, ns.arn)
    ? ns
    : undefined;
}

/**
 * A Cloud Map service not in the cache yet: GetService, kept when its namespace is in scope or a covered
 * ECS service refers to it (rules/scope.ts covers both), with instances and tags where orphan rules need them.
 */
async function readNewCloudMapService(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  serviceId: string,
  referencedByCovered: boolean,
): Promise<CloudMapService | undefined> {
  const { service } = await getService(ctx, serviceId);
  if (!service) return undefined;
  if (!referencedByCovered && !matchesNamespaceOf(current, scope, service.namespaceId, 'services')) return undefined;
  return withDetails(
    ctx,
    scope,
    current.namespaces.find((n) => n.id === service.namespaceId),
    service,
  );
}

/** One Cloud Map service: GetService, ListInstances and ListTagsForResource; removed from the cache when gone. */
export async function refreshCloudMapService(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  serviceId: string,
): Promise<InventoryPatch | undefined> {
  const serviceScope: ReadScope = { kind: 'cloudmap-service', serviceId };
  const { service, missing } = await getService(ctx, serviceId);
  const clearErrors = (e: ReadError) => errorInScope(e, serviceScope);
  if (missing)
    return { cloudMapServices: { remove: (s) => s.id === serviceId, add: [] }, clearErrors, errors: ctx.errors };
  if (!service) return { clearErrors, errors: ctx.errors };
  const cached = current.cloudMapServices.some((s) => s.id === serviceId);
  if (!cached && !matchesNamespaceOf(current, scope, service.namespaceId, 'services')) return undefined;
  const detailed = await withDetails(
    ctx,
    scope,
    current.namespaces.find((n) => n.id === service.namespaceId),
    service,
  );
  return { cloudMapServices: { remove: (s) => s.id === serviceId, add: [detailed] }, clearErrors, errors: ctx.errors };
}

/** A namespace's services (and their instances and tags where orphan rules need them). */
export async function refreshNamespace(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  ref: string,
): Promise<InventoryPatch | undefined> {
  const find = (list: readonly Namespace[]) => list.find((n) => n.id === ref || n.name === ref || n.arn === ref);
  let namespace = find(current.namespaces);
  let namespacesPatch: InventoryPatch['namespaces'];
  let accountClear = (_e: ReadError) => false;
  if (!namespace) {
    // A namespace we have not seen: list them again (one call for up to 100 namespaces).
    const listed = await listNamespaces(ctx);
    if (failed(ctx.errors, 'servicediscovery:ListNamespaces')) return { clearErrors: () => false, errors: ctx.errors };
    namespacesPatch = { remove: () => true, add: listed };
    accountClear = (e) => errorInScope(e, { kind: 'account' }) && e.operation === 'servicediscovery:ListNamespaces';
    namespace = find(listed);
    if (!namespace) return { namespaces: namespacesPatch, clearErrors: accountClear, errors: ctx.errors };
  }
  if (!matches(scope.namespaces, namespace.name, namespace.id, namespace.arn)) return undefined;
  const ns = namespace;
  // The SOA TTL (namespaceSoa) is re-read too: an event or a write about the namespace may have changed it.
  if (!namespacesPatch && ns.type !== 'HTTP' && matches(scope.namespaceSoa, ns.name, ns.id, ns.arn)) {
    const fresh: Namespace = { ...ns, soaTtl: undefined };
    await readNamespaceSoa(ctx, scope, [fresh]);
    if (fresh.soaTtl !== undefined && fresh.soaTtl !== ns.soaTtl)
      namespacesPatch = { remove: (n) => n.id === ns.id, add: [fresh] };
  }
  const listed = await listNamespaceServices(ctx, ns);
  const listedOk = !failed(ctx.errors, 'servicediscovery:ListServices');
  const detailed = await Promise.all(listed.map((s) => withDetails(ctx, scope, ns, s)));
  const ids = new Set([
    ...current.cloudMapServices.filter((s) => s.namespaceId === ns.id).map((s) => s.id),
    ...detailed.map((s) => s.id),
  ]);
  return {
    ...(namespacesPatch ? { namespaces: namespacesPatch } : {}),
    ...(listedOk ? { cloudMapServices: { remove: (s) => s.namespaceId === ns.id, add: detailed } } : {}),
    clearErrors: (e) =>
      accountClear(e) ||
      errorInScope(e, { kind: 'namespace', namespaceId: ns.id }) ||
      (e.scope.kind === 'cloudmap-service' && ids.has(e.scope.serviceId)),
    errors: ctx.errors,
  };
}

/**
 * One cluster: its services and tasks, and draining services its tasks or registrations still name. Autoscaling
 * maxima are carried over from the cache, not re-read (a service new to the cache gets its maximum at the next
 * full read).
 */
export async function refreshCluster(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
  ref: string,
): Promise<InventoryPatch | undefined> {
  let { cluster, known } = resolveCluster(current, ref);
  let clustersPatch: InventoryPatch['clusters'];
  if (!known) {
    const listed = await listClusters(ctx);
    if (failed(ctx.errors, 'ecs:ListClusters')) return { clearErrors: () => false, errors: ctx.errors };
    const found = listed.find((c) => c.name === cluster.name || c.arn === ref);
    if (!found) {
      // The cluster is gone: so are its services and tasks.
      const gone = cluster.name;
      return {
        services: { remove: (s) => s.clusterName === gone, add: [] },
        tasks: { remove: (t) => t.clusterName === gone, add: [] },
        clearErrors: (e) => errorInScope(e, { kind: 'cluster', cluster: gone }),
        errors: ctx.errors,
      };
    }
    cluster = found;
    clustersPatch = { remove: (c) => c.name === found.name, add: [found] };
  }
  const wantServices = matches(scope.serviceClusters, cluster.name, cluster.arn);
  const wantTasks = matches(scope.taskClusters, cluster.name, cluster.arn);
  if (!wantServices && !wantTasks) return undefined;
  const [services, tasks] = await Promise.all([
    wantServices ? readClusterServices(ctx, cluster) : [],
    wantTasks ? readTasks(ctx, cluster) : [],
  ]);
  const name = cluster.name;
  const registeredHere = current.cloudMapServices.map((s) => ({
    ...s,
    instances: s.instances?.filter((i) => i.attributes[ECS_ATTRIBUTES.cluster] === name),
  }));
  const unlisted = wantServices
    ? await describeUnlisted(ctx, scope, { clusters: [cluster], services, tasks, cloudMapServices: registeredHere })
    : [];
  const servicesOk = wantServices && !failed(ctx.errors, 'ecs:ListServices', 'ecs:DescribeServices');
  const tasksOk = wantTasks && !failed(ctx.errors, 'ecs:ListTasks', 'ecs:DescribeTasks');
  return {
    ...(clustersPatch ? { clusters: clustersPatch } : {}),
    ...(servicesOk
      ? {
          services: {
            remove: (s) => s.clusterName === name,
            add: keepScalingMaxima([...services, ...unlisted], current.services),
          },
        }
      : {}),
    ...(tasksOk ? { tasks: { remove: (t) => t.clusterName === name, add: tasks } } : {}),
    clearErrors: (e) => errorInScope(e, { kind: 'cluster', cluster: name }),
    errors: ctx.errors,
  };
}
