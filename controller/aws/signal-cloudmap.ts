/**
 * The Cloud Map half of a signal resync (signal-reader.ts): ListServices of every namespace in scope compared with
 * the cache (instance count, creation date, DNS settings), and the instance listings of the services that moved.
 */
import type { CloudMapService, Inventory, Namespace } from '../inventory/model.js';
import { matches, readsNothing, type ReadScopePlan } from '../inventory/read-scope.js';
import { listInstances, listNamespaceServices, listNamespaces, withDetails } from './cloudmap-reader.js';
import type { ReadContext } from './read-context.js';

/** Summary fields of a listed Cloud Map service (everything but tags, which ListServices does not carry). */
function summaryFields(summary: CloudMapService): Partial<CloudMapService> {
  const { tags: _tags, tagsRead: _tagsRead, ...fields } = summary;
  return fields;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What Cloud Map's ListServices showed against the cache. */
export interface CloudMapSignals {
  /** The namespaces listed (undefined: ListNamespaces failed, keep the cached ones). */
  namespaces?: Namespace[];
  services: CloudMapService[];
  /** Ids whose instances must be listed again (count or creation date moved, or new). */
  reread: Set<string>;
}

/** Lists every namespace's Cloud Map services and compares them with the cache; reads the details of new ones. */
export async function cloudMapSignals(
  ctx: ReadContext,
  scope: ReadScopePlan,
  current: Inventory,
): Promise<CloudMapSignals> {
  const reread = new Set<string>();
  if (readsNothing(scope)) return { namespaces: [], services: [], reread };
  const namespaces = await listNamespaces(ctx);
  if (ctx.errors.some((e) => e.operation === 'servicediscovery:ListNamespaces'))
    return { services: [...current.cloudMapServices], reread };
  const cachedById = new Map(current.cloudMapServices.map((s) => [s.id, s]));
  const inScope = namespaces.filter((n) => matches(scope.namespaces, n.name, n.id, n.arn));
  const readIds = new Set(inScope.map((n) => n.id));
  const perNamespace = await Promise.all(
    inScope.map(async (namespace) => {
      const before = ctx.errors.length;
      const listed = await listNamespaceServices(ctx, namespace);
      const listFailed = ctx.errors.slice(before).some((e) => e.operation === 'servicediscovery:ListServices');
      // A failed listing proves nothing gone: keep what the cache has (the error forces the next resync to be full).
      if (listFailed) return current.cloudMapServices.filter((s) => s.namespaceId === namespace.id);
      return Promise.all(
        listed.map(async (summary) => {
          const cached = cachedById.get(summary.id);
          if (!cached) {
            reread.add(summary.id);
            return withDetails(ctx, scope, namespace, summary);
          }
          if (summary.instanceCount !== cached.instanceCount || summary.createdAt !== cached.createdAt)
            reread.add(summary.id);
          const fields = summaryFields(summary);
          const merged = { ...cached, ...fields };
          return sameJson(merged, cached) ? cached : merged;
        }),
      );
    }),
  );
  // Services outside the namespaces read (found by reference with GetService) stay until the next full read.
  const outside = current.cloudMapServices.filter((s) => !readIds.has(s.namespaceId));
  return { namespaces, services: [...perNamespace.flat(), ...outside], reread };
}

/** Re-lists the instances of the given Cloud Map services; a failed listing keeps the cached instances. */
export async function rereadInstances(
  ctx: ReadContext,
  scope: ReadScopePlan,
  services: CloudMapService[],
  ids: ReadonlySet<string>,
  namespaces: readonly Namespace[],
): Promise<number> {
  let count = 0;
  await Promise.all(
    services.map(async (service, index) => {
      if (!ids.has(service.id)) return;
      const namespace = namespaces.find((n) => n.id === service.namespaceId);
      const wanted =
        service.instances !== undefined ||
        (namespace !== undefined && matches(scope.instanceNamespaces, namespace.name, namespace.id, namespace.arn));
      if (!wanted) return;
      count++;
      if (!service.tagsRead) {
        services[index] = await withDetails(ctx, scope, namespace, service);
        return;
      }
      const instances = await listInstances(ctx, service.id, service.arn || undefined);
      if (instances) services[index] = { ...service, instances };
    }),
  );
  return count;
}
