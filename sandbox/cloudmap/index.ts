/**
 * The Cloud Map (servicediscovery) emulator: the Route53AutoNaming_v20170314 JSON 1.1 API for the real
 * SDK client, plus the CloudMapPort that ECS and the truth endpoint use to read and change the same state.
 * responses/ reads and validates requests and shapes answers; models/ holds the state and its operations.
 */
import { AwsError } from '../core/errors.js';
import type {
  CloudMapInstanceView,
  CloudMapNamespaceView,
  CloudMapPort,
  CloudMapServiceView,
  CreateCloudMap,
  DeletionAuditor,
  DeletionRecord,
} from '../core/ports.js';
import type { EmulatedService, SandboxContext } from '../core/types.js';
import type { ApiContext } from './responses/context.js';
import { instanceOperations } from './responses/instances.js';
import { namespaceOperations } from './responses/namespaces.js';
import { operationOperations } from './responses/operations.js';
import { serviceOperations } from './responses/services.js';
import { tagOperations } from './responses/tags.js';
import { parseDnsRecords } from './responses/dns.js';
import { OperationLog } from './models/operations.js';
import { CloudMapState, type InstanceRecord, type NamespaceRecord, type ServiceRecord } from './models/state.js';

/** The port plus sandbox-only extras (members beyond CloudMapPort). */
export interface CloudMapEmulator extends CloudMapPort {
  /** Marks every submitted operation SUCCESS, as if Cloud Map had caught up. */
  completeOperations(): void;
  /** A service by namespace id and service name. */
  serviceByName(namespaceId: string, name: string): CloudMapServiceView | undefined;
  /** Number of instances registered with a service (0 when it does not exist), without copying them. */
  instanceCount(serviceId: string): number;
  /** Deletes a service and its instances directly (scenario/drift injection; no audit, no operation). */
  deleteService(serviceId: string): boolean;
}

function namespaceView(ns: NamespaceRecord): CloudMapNamespaceView {
  return {
    id: ns.id,
    arn: ns.arn,
    name: ns.name,
    type: ns.type,
    ...(ns.soaTtl === undefined ? {} : { soaTtl: ns.soaTtl }),
  };
}

function serviceView(service: ServiceRecord): CloudMapServiceView {
  return {
    id: service.id,
    arn: service.arn,
    name: service.name,
    namespaceId: service.namespaceId,
    type: service.type,
    dnsRecords: service.dnsRecords.map((r) => ({ Type: r.Type, TTL: r.TTL })),
    tags: Object.fromEntries(service.tags),
    createdAt: service.createdAt,
  };
}

function instanceView(instance: InstanceRecord): CloudMapInstanceView {
  return {
    id: instance.id,
    serviceId: instance.serviceId,
    attributes: { ...instance.attributes },
    registeredBy: instance.registeredBy,
    createdAt: instance.createdAt,
  };
}

/** Options of the Cloud Map emulator. */
export interface CloudMapOptions {
  /** The ErrorCode an operation just submitted by `operation` ("servicediscovery:X") must fail with (faults). */
  operationFailure?: (operation: string, body: string) => string | undefined;
}

/** Builds the Cloud Map emulator for one sandbox account and Region. */
export function createCloudMap(ctx: SandboxContext, options: CloudMapOptions = {}): CloudMapEmulator {
  const state = new CloudMapState(ctx);
  const operations = new OperationLog(ctx.clock);
  const deletions: DeletionRecord[] = [];
  let auditor: DeletionAuditor | undefined;

  const api: ApiContext = {
    ctx,
    state,
    operations,
    audit(target) {
      const subject =
        target.instanceId === undefined
          ? { kind: target.kind, serviceId: target.serviceId }
          : { kind: target.kind, serviceId: target.serviceId, instanceId: target.instanceId };
      const why = auditor?.(subject);
      if (why) deletions.push({ ...subject, name: target.name, at: new Date(ctx.clock.now()).toISOString(), why });
    },
    operationFailure(operation, input) {
      const code = options.operationFailure?.(operation, JSON.stringify(input));
      return code === undefined
        ? undefined
        : { code, message: `${operation.split(':')[1]} failed: ${code} (injected by a sandbox fault)` };
    },
  };
  // Operations finish in (virtual) time: every call, and every read through the port, sees the state after
  // the operations that are due have succeeded (or failed).
  const settled =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      operations.settle();
      return fn(...args);
    };
  const handlers = {
    ...namespaceOperations(api),
    ...serviceOperations(api),
    ...instanceOperations(api),
    ...operationOperations(api),
    ...tagOperations(api),
  };

  const service: EmulatedService = {
    name: 'servicediscovery',
    targetPrefix: 'Route53AutoNaming_v20170314',
    jsonVersion: '1.1',
    operations: Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, settled(handler)])),
  };

  function serviceOrThrow(serviceId: string): ServiceRecord {
    // The emulators' own lookups (ECS, scenarios, drift) are by id, shared namespace or not.
    const record = serviceId.startsWith('arn:') ? state.serviceByIdOrArn(serviceId) : state.services.get(serviceId);
    if (!record) throw new AwsError('ServiceNotFound', `Cloud Map service ${serviceId} does not exist in the sandbox.`);
    return record;
  }

  return {
    service,
    namespaceByRef: settled((ref: string) => {
      const ns = state.namespaceByIdOrArn(ref) ?? state.namespaceByName(ref);
      return ns && namespaceView(ns);
    }),
    serviceByArn: settled((arn: string) => {
      const record = arn.startsWith('arn:') ? state.serviceByIdOrArn(arn) : undefined;
      return record && serviceView(record);
    }),
    serviceById: settled((id: string) => {
      const record = state.services.get(id);
      return record && serviceView(record);
    }),
    serviceByName: settled((namespaceId: string, name: string) => {
      const record = state.namespaces.get(namespaceId)?.servicesByName.get(name);
      return record && serviceView(record);
    }),
    namespaces: settled(() => state.namespaces.values().map(namespaceView)),
    services: settled(() => state.services.values().map(serviceView)),
    instances: settled(
      (serviceId: string) => state.services.get(serviceId)?.instances.values().map(instanceView) ?? [],
    ),
    instanceCount: settled((serviceId: string) => state.services.get(serviceId)?.instances.size ?? 0),
    createNamespace(input) {
      const vpc = input.type === 'DNS_PRIVATE' ? 'vpc-sandbox' : undefined;
      return namespaceView(
        state.addNamespace({
          name: input.name,
          type: input.type,
          createdAt: input.createdAt,
          vpc,
          soaTtl: input.soaTtl,
          ...(input.owner ? { owner: input.owner } : {}),
        }),
      );
    },
    createService(input) {
      const namespace = state.namespaceByIdOrArn(input.namespaceId);
      if (!namespace)
        throw new AwsError(
          'NamespaceNotFound',
          `Cloud Map namespace ${input.namespaceId} does not exist in the sandbox.`,
        );
      const record = state.addService({
        namespace,
        name: input.name,
        dnsRecords:
          namespace.type !== 'HTTP' && input.dnsRecords?.length ? parseDnsRecords(input.dnsRecords, 'dnsRecords') : [],
        tags: new Map(Object.entries(input.tags ?? {})),
        createdAt: input.createdAt,
        ...(input.createdByAccount ? { createdByAccount: input.createdByAccount } : {}),
      });
      return serviceView(record);
    },
    registerInstance(serviceId, instanceId, attributes, registeredBy, createdByAccount) {
      const record = serviceOrThrow(serviceId);
      // The instances-per-service quota holds for ECS's registrations as for RegisterInstance calls.
      state.checkInstanceQuota(record, instanceId);
      const instance = state.putInstance(record, instanceId, attributes, registeredBy);
      if (createdByAccount) instance.createdByAccount = createdByAccount;
    },
    removeInstance(serviceId, instanceId) {
      const record = state.services.get(serviceId);
      if (record) state.removeInstance(record, instanceId);
    },
    setSoaTtl(namespaceId, ttl) {
      const ns = state.namespaceByIdOrArn(namespaceId);
      if (!ns)
        throw new AwsError('NamespaceNotFound', `Cloud Map namespace ${namespaceId} does not exist in the sandbox.`);
      if (ns.type === 'HTTP')
        throw new AwsError('InvalidInput', `Namespace ${ns.name} is an HTTP namespace: it has no SOA record.`);
      ns.soaTtl = ttl;
    },
    setTtl(serviceId, ttl) {
      for (const record of serviceOrThrow(serviceId).dnsRecords) record.TTL = ttl;
    },
    deleteService(serviceId) {
      const record = state.services.get(serviceId);
      if (!record) return false;
      state.removeService(record);
      return true;
    },
    setDeletionAuditor(next) {
      auditor = next;
    },
    wronglyDeleted: () => deletions.map((d) => ({ ...d })),
    completeOperations: () => operations.completeAll(),
  };
}

// Keep the factory assignable to the shared port contract.
createCloudMap satisfies CreateCloudMap;
