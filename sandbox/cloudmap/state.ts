import { AwsError } from '../core/errors.js';
import type { SandboxContext } from '../core/types.js';
import { namespaceArn, newHostedZoneId, newNamespaceId, newServiceId, parseArn, serviceArn } from './ids.js';
import { OrderedIndex, type Sequenced } from './ordered.js';

export type NamespaceType = 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';
export type ServiceType = 'HTTP' | 'DNS_HTTP' | 'DNS';
export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'SRV';
export type RoutingPolicy = 'MULTIVALUE' | 'WEIGHTED';

export interface DnsRecord {
  Type: RecordType;
  TTL: number;
}

export interface HealthCheckConfig {
  Type: 'HTTP' | 'HTTPS' | 'TCP';
  ResourcePath?: string;
  FailureThreshold?: number;
}

export interface NamespaceRecord extends Sequenced {
  arn: string;
  name: string;
  type: NamespaceType;
  description?: string;
  creatorRequestId?: string;
  vpc?: string;
  hostedZoneId?: string;
  soaTtl?: number;
  /** Epoch milliseconds (virtual clock). */
  createdAt: number;
  tags: Map<string, string>;
  services: OrderedIndex<ServiceRecord>;
  servicesByName: Map<string, ServiceRecord>;
}

export interface ServiceRecord extends Sequenced {
  arn: string;
  name: string;
  namespaceId: string;
  description?: string;
  type: ServiceType;
  routingPolicy?: RoutingPolicy;
  dnsRecords: DnsRecord[];
  healthCheckConfig?: HealthCheckConfig;
  /** FailureThreshold is deprecated and always 1 in AWS responses. */
  healthCheckCustomConfig?: { FailureThreshold: number };
  creatorRequestId?: string;
  createdAt: number;
  tags: Map<string, string>;
  instances: OrderedIndex<InstanceRecord>;
  /** DiscoverInstances' InstancesRevision: grows on every register/deregister. */
  revision: number;
}

export interface InstanceRecord extends Sequenced {
  serviceId: string;
  attributes: Record<string, string>;
  registeredBy: 'ecs' | 'other';
  creatorRequestId?: string;
  createdAt: number;
  /** Custom health status (services with HealthCheckCustomConfig); starts from AWS_INIT_HEALTH_STATUS. */
  customHealth?: 'HEALTHY' | 'UNHEALTHY';
}

/** All Cloud Map resources of the sandbox account, with the indexes the list and lookup calls need. */
export class CloudMapState {
  private seq = 0;
  readonly namespaces = new OrderedIndex<NamespaceRecord>();
  readonly services = new OrderedIndex<ServiceRecord>();
  /** Cloud Map lets a DNS and an HTTP namespace share a name; oldest first. */
  private readonly namespacesByName = new Map<string, NamespaceRecord[]>();

  constructor(readonly ctx: SandboxContext) {}

  nextSeq(): number {
    return ++this.seq;
  }

  namespaceByName(name: string): NamespaceRecord | undefined {
    return this.namespacesByName.get(name)?.[0];
  }

  /** A namespace by id or ARN (what the API accepts). */
  namespaceByIdOrArn(ref: string): NamespaceRecord | undefined {
    if (ref.startsWith('arn:')) {
      const parsed = this.ownArn(ref);
      return parsed?.kind === 'namespace' ? this.namespaces.get(parsed.id) : undefined;
    }
    return this.namespaces.get(ref);
  }

  /** A service by id or ARN (what the API accepts since shared namespaces). */
  serviceByIdOrArn(ref: string): ServiceRecord | undefined {
    if (ref.startsWith('arn:')) {
      const parsed = this.ownArn(ref);
      return parsed?.kind === 'service' ? this.services.get(parsed.id) : undefined;
    }
    return this.services.get(ref);
  }

  /** Parses an ARN of this account and Region; other accounts' resources do not exist here. */
  ownArn(arn: string): ReturnType<typeof parseArn> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.account !== this.ctx.account || parsed.region !== this.ctx.region) return undefined;
    return parsed;
  }

  addNamespace(input: {
    name: string;
    type: NamespaceType;
    description?: string;
    creatorRequestId?: string;
    vpc?: string;
    soaTtl?: number;
    createdAt?: number;
    tags?: Map<string, string>;
  }): NamespaceRecord {
    // A name is unique among DNS namespaces and among HTTP ones, not across the two kinds.
    const isHttp = input.type === 'HTTP';
    const existing = this.namespacesByName.get(input.name)?.find((ns) => (ns.type === 'HTTP') === isHttp);
    if (existing) {
      throw new AwsError('NamespaceAlreadyExists', `Namespace ${input.name} already exists (${existing.id}).`, 400, {
        NamespaceId: existing.id,
        CreatorRequestId: existing.creatorRequestId,
      });
    }
    const id = newNamespaceId();
    const record: NamespaceRecord = {
      seq: this.nextSeq(),
      id,
      arn: namespaceArn(this.ctx.region, this.ctx.account, id),
      name: input.name,
      type: input.type,
      description: input.description,
      creatorRequestId: input.creatorRequestId,
      vpc: input.vpc,
      hostedZoneId: input.type === 'HTTP' ? undefined : newHostedZoneId(),
      soaTtl: input.type === 'HTTP' ? undefined : (input.soaTtl ?? 15),
      createdAt: input.createdAt ?? this.ctx.clock.now(),
      tags: input.tags ?? new Map(),
      services: new OrderedIndex(),
      servicesByName: new Map(),
    };
    this.namespaces.add(record);
    this.namespacesByName.set(record.name, [...(this.namespacesByName.get(record.name) ?? []), record]);
    return record;
  }

  removeNamespace(namespace: NamespaceRecord): void {
    this.namespaces.remove(namespace.id);
    const rest = (this.namespacesByName.get(namespace.name) ?? []).filter((ns) => ns !== namespace);
    if (rest.length) this.namespacesByName.set(namespace.name, rest);
    else this.namespacesByName.delete(namespace.name);
  }

  addService(input: {
    namespace: NamespaceRecord;
    name: string;
    description?: string;
    routingPolicy?: RoutingPolicy;
    dnsRecords: DnsRecord[];
    healthCheckConfig?: HealthCheckConfig;
    healthCheckCustomConfig?: { FailureThreshold: number };
    creatorRequestId?: string;
    createdAt?: number;
    tags?: Map<string, string>;
  }): ServiceRecord {
    const { namespace } = input;
    const existing = namespace.servicesByName.get(input.name);
    if (existing) {
      throw new AwsError('ServiceAlreadyExists', `A service named ${input.name} already exists in namespace ${namespace.id} (${existing.id}).`, 400, {
        ServiceId: existing.id,
        ServiceArn: existing.arn,
        CreatorRequestId: existing.creatorRequestId,
      });
    }
    const id = newServiceId();
    const hasDns = namespace.type !== 'HTTP' && input.dnsRecords.length > 0;
    const record: ServiceRecord = {
      seq: this.nextSeq(),
      id,
      arn: serviceArn(this.ctx.region, this.ctx.account, id),
      name: input.name,
      namespaceId: namespace.id,
      description: input.description,
      type: hasDns ? 'DNS_HTTP' : 'HTTP',
      routingPolicy: hasDns ? (input.routingPolicy ?? 'MULTIVALUE') : undefined,
      dnsRecords: hasDns ? input.dnsRecords.map((r) => ({ ...r })) : [],
      healthCheckConfig: input.healthCheckConfig,
      healthCheckCustomConfig: input.healthCheckCustomConfig,
      creatorRequestId: input.creatorRequestId,
      createdAt: input.createdAt ?? this.ctx.clock.now(),
      tags: input.tags ?? new Map(),
      instances: new OrderedIndex(),
      revision: 1,
    };
    this.services.add(record);
    namespace.services.add(record);
    namespace.servicesByName.set(record.name, record);
    return record;
  }

  removeService(service: ServiceRecord): void {
    this.services.remove(service.id);
    const namespace = this.namespaces.get(service.namespaceId);
    namespace?.services.remove(service.id);
    namespace?.servicesByName.delete(service.name);
  }

  /** Registers or, for a known id, replaces the attributes of an instance (AWS upserts). */
  putInstance(service: ServiceRecord, id: string, attributes: Record<string, string>, registeredBy: 'ecs' | 'other', creatorRequestId?: string): InstanceRecord {
    const initial = attributes.AWS_INIT_HEALTH_STATUS === 'UNHEALTHY' ? 'UNHEALTHY' : 'HEALTHY';
    const existing = service.instances.get(id);
    if (existing) {
      existing.attributes = { ...attributes };
      existing.registeredBy = registeredBy;
      existing.creatorRequestId = creatorRequestId ?? existing.creatorRequestId;
      // Re-registering replaces the instance's health check, so its status starts over.
      if (service.healthCheckCustomConfig) existing.customHealth = initial;
      service.revision++;
      return existing;
    }
    const record: InstanceRecord = {
      seq: this.nextSeq(),
      id,
      serviceId: service.id,
      attributes: { ...attributes },
      registeredBy,
      creatorRequestId,
      createdAt: this.ctx.clock.now(),
      customHealth: service.healthCheckCustomConfig ? initial : undefined,
    };
    service.instances.add(record);
    service.revision++;
    return record;
  }

  removeInstance(service: ServiceRecord, id: string): InstanceRecord | undefined {
    const removed = service.instances.remove(id);
    if (removed) service.revision++;
    return removed;
  }
}
