import type { InstanceRecord, NamespaceRecord, ServiceRecord } from '../models/state.js';

/** Epoch milliseconds to the JSON wire form of an AWS timestamp (epoch seconds). */
export function wireTime(ms: number): number {
  return ms / 1000;
}

/** Namespace.Properties as Cloud Map returns it (HttpName always; DNS details for DNS namespaces). */
function namespaceProperties(ns: NamespaceRecord): Record<string, unknown> {
  const dns = ns.type === 'HTTP' ? {} : { HostedZoneId: ns.hostedZoneId, SOA: { TTL: ns.soaTtl } };
  return { DnsProperties: dns, HttpProperties: { HttpName: ns.name } };
}

/** The Namespace structure of GetNamespace. */
export function namespaceShape(ns: NamespaceRecord, account: string): Record<string, unknown> {
  return { ...namespaceSummaryShape(ns, account), CreatorRequestId: ns.creatorRequestId };
}

/** The NamespaceSummary structure of ListNamespaces. */
export function namespaceSummaryShape(ns: NamespaceRecord, account: string): Record<string, unknown> {
  return {
    Id: ns.id,
    Arn: ns.arn,
    ResourceOwner: ns.owner ?? account,
    Name: ns.name,
    Type: ns.type,
    Description: ns.description,
    ServiceCount: ns.services.size,
    Properties: namespaceProperties(ns),
    CreateDate: wireTime(ns.createdAt),
  };
}

function dnsConfigShape(service: ServiceRecord): Record<string, unknown> | undefined {
  if (service.type === 'HTTP') return undefined;
  return {
    NamespaceId: service.namespaceId,
    RoutingPolicy: service.routingPolicy,
    DnsRecords: service.dnsRecords.map((r) => ({ Type: r.Type, TTL: r.TTL })),
  };
}

/** The ServiceSummary structure of ListServices. */
export function serviceSummaryShape(service: ServiceRecord, account: string): Record<string, unknown> {
  return {
    Id: service.id,
    Arn: service.arn,
    ResourceOwner: service.resourceOwner ?? account,
    Name: service.name,
    Type: service.type,
    Description: service.description,
    InstanceCount: service.instances.size,
    DnsConfig: dnsConfigShape(service),
    HealthCheckConfig: service.healthCheckConfig,
    HealthCheckCustomConfig: service.healthCheckCustomConfig,
    CreateDate: wireTime(service.createdAt),
    CreatedByAccount: service.createdByAccount ?? account,
  };
}

/** The Service structure of GetService and CreateService. */
export function serviceShape(service: ServiceRecord, account: string): Record<string, unknown> {
  return {
    ...serviceSummaryShape(service, account),
    NamespaceId: service.namespaceId,
    CreatorRequestId: service.creatorRequestId,
  };
}

/** The Instance structure of GetInstance (InstanceSummary of ListInstances has no CreatorRequestId). */
export function instanceShape(
  instance: InstanceRecord,
  account: string,
  withRequestId: boolean,
): Record<string, unknown> {
  return {
    Id: instance.id,
    CreatorRequestId: withRequestId ? instance.creatorRequestId : undefined,
    Attributes: { ...instance.attributes },
    CreatedByAccount: instance.createdByAccount ?? account,
  };
}

/** Tags as the API's list of {Key, Value}. */
export function tagList(tags: Map<string, string>): { Key: string; Value: string }[] {
  return [...tags.entries()].map(([Key, Value]) => ({ Key, Value }));
}
