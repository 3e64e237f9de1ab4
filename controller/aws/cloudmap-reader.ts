/**
 * Cloud Map reads. ListServices already carries type, DNS records, instance count and creation date, so
 * the full read never calls GetService. Instances come from ListInstances (DiscoverInstances hides
 * unhealthy ones, which an orphan scan must see).
 */
import {
  GetNamespaceCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  type Service as SdkService,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import type {
  CloudMapInstance,
  CloudMapService,
  DnsRecord,
  Namespace,
  NamespaceType,
  ReadScope,
} from '../inventory/model.js';
import { matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { awsErrorCode } from './clients.js';
import type { ReadContext } from './read-context.js';

export const CLOUDMAP_PAGE_SIZE = 100;

const ACCOUNT: ReadScope = { kind: 'account' };

function serviceScope(serviceId: string): ReadScope {
  return { kind: 'cloudmap-service', serviceId };
}

/** Every namespace in the account and region. */
export async function listNamespaces(ctx: ReadContext): Promise<Namespace[]> {
  const namespaces: Namespace[] = [];
  for await (const page of ctx.pages(
    ACCOUNT,
    'servicediscovery:ListNamespaces',
    (NextToken) =>
      ctx.clients.serviceDiscovery.send(new ListNamespacesCommand({ MaxResults: CLOUDMAP_PAGE_SIZE, NextToken })),
    (p) => p.NextToken,
  )) {
    for (const ns of page.Namespaces ?? []) {
      if (!ns.Id || !ns.Name) continue;
      const soaTtl = ns.Properties?.DnsProperties?.SOA?.TTL;
      namespaces.push({
        id: ns.Id,
        arn: ns.Arn ?? '',
        name: ns.Name,
        type: (ns.Type ?? 'HTTP') as NamespaceType,
        ...(ns.ResourceOwner ? { resourceOwner: ns.ResourceOwner } : {}),
        ...(soaTtl !== undefined ? { soaTtl } : {}),
      });
    }
  }
  return namespaces;
}

/**
 * Fills in the SOA TTL of the DNS namespaces `scope.namespaceSoa` selects where ListNamespaces did not carry it
 * (its NamespaceSummary documents the same Properties as GetNamespace, without promising the SOA): one
 * GetNamespace each. A failed call is a read error of that namespace, and its soaTtl stays unknown.
 */
export async function readNamespaceSoa(ctx: ReadContext, scope: ReadScopePlan, namespaces: Namespace[]): Promise<void> {
  const wanted = namespaces.filter(
    (n) => n.type !== 'HTTP' && n.soaTtl === undefined && matches(scope.namespaceSoa, n.name, n.id, n.arn),
  );
  await Promise.all(
    wanted.map(async (namespace) => {
      const out = await ctx.call(
        { kind: 'namespace', namespaceId: namespace.id },
        'servicediscovery:GetNamespace',
        () => ctx.clients.serviceDiscovery.send(new GetNamespaceCommand({ Id: namespace.arn || namespace.id })),
        namespace.name,
      );
      const ttl = out?.Namespace?.Properties?.DnsProperties?.SOA?.TTL;
      if (ttl !== undefined) namespace.soaTtl = ttl;
    }),
  );
}

/** Maps ListServices' summary or GetService's full shape (they share the fields we use). */
export function toCloudMapService(s: ServiceSummary | SdkService, namespaceId: string): CloudMapService | undefined {
  if (!s.Id || !s.Name) return undefined;
  const records: DnsRecord[] = (s.DnsConfig?.DnsRecords ?? [])
    .filter((r) => r.Type !== undefined)
    .map((r) => ({ type: r.Type as DnsRecord['type'], ttl: r.TTL ?? 0 }));
  return {
    id: s.Id,
    arn: s.Arn ?? '',
    name: s.Name,
    namespaceId: ('NamespaceId' in s && s.NamespaceId) || namespaceId,
    ...(s.Type ? { type: s.Type } : {}),
    dnsRecords: records,
    ...(s.DnsConfig?.RoutingPolicy ? { routingPolicy: s.DnsConfig.RoutingPolicy } : {}),
    instanceCount: s.InstanceCount ?? 0,
    createdAt: s.CreateDate?.getTime() ?? 0,
    tags: {},
    tagsRead: false,
    ...(s.CreatedByAccount ? { createdByAccount: s.CreatedByAccount } : {}),
    ...(s.ResourceOwner ? { resourceOwner: s.ResourceOwner } : {}),
  };
}

/**
 * The Cloud Map services of one namespace (filtered server-side; pages may be empty mid-listing). `reportedEmpty`
 * collects the ids of services whose summary carried InstanceCount 0 (the field is optional in ServiceSummary, and
 * "might not reflect pending registrations and deregistrations", per the API reference).
 */
export async function listNamespaceServices(
  ctx: ReadContext,
  namespace: Namespace,
  reportedEmpty?: Set<string>,
): Promise<CloudMapService[]> {
  const services: CloudMapService[] = [];
  for await (const page of ctx.pages(
    { kind: 'namespace', namespaceId: namespace.id },
    'servicediscovery:ListServices',
    (NextToken) =>
      ctx.clients.serviceDiscovery.send(
        new ListServicesCommand({
          MaxResults: CLOUDMAP_PAGE_SIZE,
          NextToken,
          Filters: [{ Name: 'NAMESPACE_ID', Values: [namespace.id], Condition: 'EQ' }],
        }),
      ),
    (p) => p.NextToken,
  )) {
    for (const summary of page.Services ?? []) {
      const service = toCloudMapService(summary, namespace.id);
      if (!service) continue;
      services.push(service);
      if (summary.InstanceCount === 0) reportedEmpty?.add(service.id);
    }
  }
  return services;
}

/** GetService for one service: undefined with no error recorded when it no longer exists. */
export async function getService(
  ctx: ReadContext,
  serviceId: string,
): Promise<{ service?: CloudMapService; missing: boolean }> {
  let missing = false;
  const out = await ctx.call(serviceScope(serviceId), 'servicediscovery:GetService', async () => {
    try {
      return await ctx.clients.serviceDiscovery.send(new GetServiceCommand({ Id: serviceId }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ServiceNotFound') {
        missing = true;
        return undefined;
      }
      throw error;
    }
  });
  const service = out?.Service ? toCloudMapService(out.Service, out.Service.NamespaceId ?? '') : undefined;
  return { ...(service ? { service } : {}), missing };
}

/**
 * Every instance of a service (ListInstances, every page); undefined when any page failed. `serviceArn`, when
 * known, is tried after ServiceNotFound by id: for a service in a namespace shared with this account (AWS RAM)
 * Cloud Map wants the ARN, while the id is what every emulator and the service's own account accept.
 */
export async function listInstances(
  ctx: ReadContext,
  serviceId: string,
  serviceArn?: string,
): Promise<CloudMapInstance[] | undefined> {
  const instances: CloudMapInstance[] = [];
  let pages = 0;
  let ended = false;
  let ref = serviceId;
  const send = (NextToken: string | undefined) =>
    ctx.clients.serviceDiscovery.send(
      new ListInstancesCommand({ ServiceId: ref, MaxResults: CLOUDMAP_PAGE_SIZE, NextToken }),
    );
  for await (const page of ctx.pages(
    serviceScope(serviceId),
    'servicediscovery:ListInstances',
    async (NextToken) => {
      try {
        return await send(NextToken);
      } catch (error) {
        if (NextToken !== undefined || !serviceArn || ref === serviceArn || awsErrorCode(error) !== 'ServiceNotFound')
          throw error;
        ref = serviceArn;
        return send(NextToken);
      }
    },
    (p) => {
      ended = !p.NextToken;
      return p.NextToken;
    },
  )) {
    pages++;
    for (const i of page.Instances ?? []) {
      if (i.Id)
        instances.push({
          id: i.Id,
          attributes: i.Attributes ?? {},
          ...(i.CreatedByAccount ? { createdByAccount: i.CreatedByAccount } : {}),
        });
    }
  }
  // The walk stops early only on a recorded error; a partial list must never pass for the whole one.
  return pages > 0 && ended ? instances : undefined;
}

/** The service's tags; undefined when they could not be read. */
export async function listTags(
  ctx: ReadContext,
  service: CloudMapService,
): Promise<Record<string, string> | undefined> {
  if (!service.arn) return {};
  const out = await ctx.call(serviceScope(service.id), 'servicediscovery:ListTagsForResource', () =>
    ctx.clients.serviceDiscovery.send(new ListTagsForResourceCommand({ ResourceARN: service.arn })),
  );
  if (!out) return undefined;
  const tags: Record<string, string> = {};
  for (const t of out.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

/**
 * Adds instances and tags to a service. If either read fails, `instances` stays undefined so no rule
 * mistakes "not read" for "empty" (and the error names the service, which forbids pruning it).
 */
export async function readServiceDetails(ctx: ReadContext, service: CloudMapService): Promise<CloudMapService> {
  const [instances, tags] = await Promise.all([
    listInstances(ctx, service.id, service.arn || undefined),
    listTags(ctx, service),
  ]);
  const tagged = { ...service, tags: tags ?? {}, tagsRead: tags !== undefined };
  if (instances === undefined || tags === undefined) return tagged;
  return { ...tagged, instances };
}

/** Adds only the tags (what protect tags gate: a TTL change); tagsRead stays false when they could not be read. */
export async function readServiceTags(ctx: ReadContext, service: CloudMapService): Promise<CloudMapService> {
  const tags = await listTags(ctx, service);
  return { ...service, tags: tags ?? {}, tagsRead: tags !== undefined };
}

/** What the rules need of a service in this namespace: instances and tags (orphans), tags alone (dnsTtl), or nothing. */
export function withDetails(
  ctx: ReadContext,
  scope: ReadScopePlan,
  namespace: Pick<Namespace, 'id' | 'name' | 'arn'> | undefined,
  service: CloudMapService,
): Promise<CloudMapService> | CloudMapService {
  if (!namespace) return service;
  if (matches(scope.instanceNamespaces, namespace.name, namespace.id, namespace.arn))
    return readServiceDetails(ctx, service);
  if (matches(scope.tagNamespaces, namespace.name, namespace.id, namespace.arn)) return readServiceTags(ctx, service);
  return service;
}

/**
 * What a full read needs of a service in this namespace before the rules have looked: its instances where
 * orphan detection needs them (left undefined, "not read", when the listing failed). Tags come later, only for
 * the services a finding would act on (inventory-reader.ts readCandidateTags).
 */
export async function withInstances(
  ctx: ReadContext,
  scope: ReadScopePlan,
  namespace: Pick<Namespace, 'id' | 'name' | 'arn'>,
  service: CloudMapService,
): Promise<CloudMapService> {
  if (!matches(scope.instanceNamespaces, namespace.name, namespace.id, namespace.arn)) return service;
  const instances = await listInstances(ctx, service.id, service.arn || undefined);
  return instances ? { ...service, instances } : service;
}

/** Does a policy need this namespace's services' tags (a write there is gated by protect tags)? */
export function inTagScope(scope: ReadScopePlan, namespace: Pick<Namespace, 'id' | 'name' | 'arn'>): boolean {
  return (
    matches(scope.instanceNamespaces, namespace.name, namespace.id, namespace.arn) ||
    matches(scope.tagNamespaces, namespace.name, namespace.id, namespace.arn)
  );
}
