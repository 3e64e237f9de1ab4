import { AwsError } from '../../core/errors.js';
import type { SandboxContext } from '../../core/types.js';
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
  /** The account that owns it and shares it with ours (AWS RAM); undefined: ours. */
  owner?: string;
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
  /** The account that owns its namespace, when the namespace is shared with ours. */
  resourceOwner?: string;
  /** The account that created it, when not ours (a shared namespace). */
  createdByAccount?: string;
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
  /** The account that registered it, when not ours (a shared namespace). */
  createdByAccount?: string;
}

/** Cloud Map's instances-per-service quota (not adjustable in AWS). */
export const MAX_INSTANCES_PER_SERVICE = 1000;

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

  /**
   * A service by id or ARN. A service in a namespace another account shares with ours is found by its ARN only:
   * "If the namespace associated with the service is shared with your account, specify the service ARN"
   * (Cloud Map API reference, ServiceId/Id members).
   */
  serviceByIdOrArn(ref: string): ServiceRecord | undefined {
    if (ref.startsWith('arn:')) {
      const parsed = this.ownArn(ref);
      const service = parsed?.kind === 'service' ? this.services.get(parsed.id) : undefined;
      return service && service.arn === ref ? service : undefined;
    }
    const service = this.services.get(ref);
    return service?.resourceOwner ? undefined : service;
  }

  /** Parses an ARN of this Region, of this account or of an account that shares a namespace with it. */
  ownArn(arn: string): ReturnType<typeof parseArn> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.region !== this.ctx.region) return undefined;
    if (parsed.account !== this.ctx.account && !this.owners.has(parsed.account)) return undefined;
    return parsed;
  }

  /** Accounts that share a namespace with ours. */
  private readonly owners = new Set<string>();

  addNamespace(input: {
    name: string;
    type: NamespaceType;
    description?: string;
    creatorRequestId?: string;
    vpc?: string;
    soaTtl?: number;
    createdAt?: number;
    tags?: Map<string, string>;
    owner?: string;
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
      arn: namespaceArn(this.ctx.region, input.owner ?? this.ctx.account, id),
      ...(input.owner && input.owner !== this.ctx.account ? { owner: input.owner } : {}),
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
    if (record.owner) this.owners.add(record.owner);
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
    createdByAccount?: string;
  }): ServiceRecord {
    const { namespace } = input;
    const existing = namespace.servicesByName.get(input.name);
    if (existing) {
      throw new AwsError(
        'ServiceAlreadyExists',
        `A service named ${input.name} already exists in namespace ${namespace.id} (${existing.id}).`,
        400,
        {
          ServiceId: existing.id,
          ServiceArn: existing.arn,
          CreatorRequestId: existing.creatorRequestId,
        },
      );
    }
    const id = newServiceId();
    const hasDns = namespace.type !== 'HTTP' && input.dnsRecords.length > 0;
    const record: ServiceRecord = {
      seq: this.nextSeq(),
      id,
      // A service in a shared namespace lives in the namespace owner's account.
      arn: serviceArn(this.ctx.region, namespace.owner ?? this.ctx.account, id),
      ...(namespace.owner ? { resourceOwner: namespace.owner } : {}),
      ...(input.createdByAccount && input.createdByAccount !== this.ctx.account
        ? { createdByAccount: input.createdByAccount }
        : {}),
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

  /** Throws ResourceLimitExceeded when registering a new instance would pass the per-service quota (API and ECS alike). */
  checkInstanceQuota(service: ServiceRecord, id: string): void {
    if (!service.instances.has(id) && service.instances.size >= MAX_INSTANCES_PER_SERVICE) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `Service ${service.id} already has ${MAX_INSTANCES_PER_SERVICE} instances, the Cloud Map quota per service.`,
      );
    }
  }

  /** Registers or, for a known id, replaces the attributes of an instance (AWS upserts). */
  putInstance(
    service: ServiceRecord,
    id: string,
    attributes: Record<string, string>,
    registeredBy: 'ecs' | 'other',
    creatorRequestId?: string,
  ): InstanceRecord {
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
