/**
 * The reads a full read decides on only after seeing part of the fleet:
 * - instances of Cloud Map services ListServices reported empty (InstanceCount 0), listed only when no live ECS
 *   service refers to them: only an unreferenced service's deletion must prove it empty (InstanceCount lags
 *   registrations); a referenced empty service yields no finding an unlisted instance could change this pass;
 * - tags, read only for the services some finding would act on (the TagCandidates the caller passes: rules/
 *   tag-candidates.ts, which this layer may not import), after a first evaluation of the rules; every other
 *   service keeps tagsRead false, which blocks any write to it. Without candidates, every service in tag scope.
 */
import type { CloudMapService, EcsService, Inventory } from '../inventory/model.js';
import { applyPatch, type InventoryPatch } from '../inventory/patch.js';
import type { ReadScopePlan } from '../inventory/read-scope.js';
import type { Policy } from '../policy/types.js';
import { registriesOf } from '../inventory/facts.js';
import { inTagScope, listInstances, readServiceTags } from './cloudmap-reader.js';
import { arnName, type ReadContext, type TagCandidates } from './read-context.js';

/** Cloud Map service ids the ECS services refer to (registries, task sets' included, and Service Connect). */
function referencedIds(services: readonly EcsService[]): Set<string> {
  const ids = new Set<string>();
  for (const ecs of services) {
    if (ecs.status === 'INACTIVE') continue;
    for (const r of registriesOf(ecs)) ids.add(arnName(r.registryArn));
    for (const d of ecs.deployments) for (const r of d.serviceConnectResources) ids.add(arnName(r.discoveryArn));
  }
  return ids;
}

/**
 * Lists the instances of the services in `reportedEmpty` that no listed ECS service refers to; the others keep
 * `instances` undefined ("not read", never "empty").
 */
export async function listUnreferencedEmpty(
  ctx: ReadContext,
  services: readonly CloudMapService[],
  reportedEmpty: ReadonlySet<string>,
  ecsServices: readonly EcsService[],
): Promise<CloudMapService[]> {
  if (reportedEmpty.size === 0) return [...services];
  const referenced = referencedIds(ecsServices);
  return Promise.all(
    services.map(async (service) => {
      if (!reportedEmpty.has(service.id) || referenced.has(service.id)) return service;
      const instances = await listInstances(ctx, service.id, service.arn || undefined);
      return instances ? { ...service, instances } : service;
    }),
  );
}

/**
 * Reads the tags of the services some finding would act on that were not read yet, where a policy gates writes by
 * tags. Failures are recorded in `ctx` against the service (which forbids pruning it) and leave tagsRead false.
 */
export async function readCandidateTags(
  ctx: ReadContext,
  scope: ReadScopePlan,
  policies: readonly Policy[],
  inventory: Inventory,
  candidates?: TagCandidates,
): Promise<CloudMapService[]> {
  const needed = candidates
    ? candidates(policies, inventory, ctx.now())
    : new Set(inventory.cloudMapServices.map((s) => s.id));
  if (needed.size === 0) return [];
  const namespaces = new Map(inventory.namespaces.map((n) => [n.id, n]));
  const wanted = inventory.cloudMapServices.filter((s) => {
    const namespace = namespaces.get(s.namespaceId);
    return s.tagsRead === false && needed.has(s.id) && namespace !== undefined && inTagScope(scope, namespace);
  });
  if (wanted.length) ctx.progress(`cloudmap: reading the tags of ${wanted.length} services with a candidate finding`);
  return Promise.all(wanted.map((s) => readServiceTags(ctx, s)));
}

/**
 * The tag reads of readCandidateTags as a patch for a cached inventory after a refresh, judging only the services
 * in `touched` whose tags were never read (a refresh changes findings only where it re-read); their errors replace
 * older tag errors.
 */
export async function candidateTagsPatch(
  ctx: ReadContext,
  scope: ReadScopePlan,
  policies: readonly Policy[],
  inventory: Inventory,
  touched: ReadonlySet<string>,
  candidates?: TagCandidates,
): Promise<InventoryPatch | undefined> {
  const untagged = new Set(inventory.cloudMapServices.filter((s) => s.tagsRead === false && touched.has(s.id)));
  if (untagged.size === 0) return undefined;
  // Judged over a view holding only those Cloud Map services, made as a patch so that it keeps the snapshot's
  // lookup indexes: a plain copy would rebuild the task index over the whole fleet at every event (100,000 tasks:
  // 40 % of the CPU at 10 dead tasks a second, bench/events.ts --cpu-prof).
  const view = applyPatch(
    inventory,
    { cloudMapServices: { remove: (s) => !untagged.has(s), add: [] }, clearErrors: () => false, errors: [] },
    inventory.observedAt,
  );
  const read = await readCandidateTags(ctx, scope, policies, view, candidates);
  if (read.length === 0) return undefined;
  const ids = new Set(read.map((s) => s.id));
  return {
    cloudMapServices: { remove: (s) => ids.has(s.id), add: read },
    clearErrors: (e) =>
      e.operation === 'servicediscovery:ListTagsForResource' &&
      e.scope.kind === 'cloudmap-service' &&
      ids.has(e.scope.serviceId),
    errors: ctx.errors,
  };
}
