import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { parseInstanceAttributes } from './attributes.js';
import { decodeToken, encodeToken, maxResults, listPage } from './params.js';
import { instanceShape } from './shapes.js';
import type { InstanceRecord, ServiceRecord } from '../models/state.js';
import { invalid, oneOf, optionalString, requiredString, stringMap } from './params.js';
import type { ApiContext } from './context.js';

const INSTANCE_ID = /^[0-9a-zA-Z_/:.@-]{1,64}$/;

/** The health DiscoverInstances reports: the custom status, HEALTHY for Route 53 checks, UNKNOWN without checks. */
function healthOf(service: ServiceRecord, instance: InstanceRecord): 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' {
  if (service.healthCheckCustomConfig) return instance.customHealth ?? 'HEALTHY';
  if (service.healthCheckConfig) return 'HEALTHY';
  return 'UNKNOWN';
}

/** Instance operations: Register/DeregisterInstance, Get/ListInstances, DiscoverInstances(+Revision), health status. */
export function instanceOperations(api: ApiContext): Record<string, OperationHandler> {
  const { state, operations, ctx } = api;

  function serviceOrThrow(input: Record<string, any>): ServiceRecord {
    const ref = requiredString(input, 'ServiceId', 255);
    const service = state.serviceByIdOrArn(ref);
    if (!service) throw new AwsError('ServiceNotFound', `No service exists with the ID ${ref}.`);
    return service;
  }

  function instanceOrThrow(service: ServiceRecord, input: Record<string, any>): InstanceRecord {
    const id = requiredString(input, 'InstanceId', 64);
    const instance = service.instances.get(id);
    if (!instance)
      throw new AwsError('InstanceNotFound', `No instance ${id} is registered with service ${service.id}.`);
    return instance;
  }

  /** The service DiscoverInstances names by namespace HttpName and service name. */
  function discoverTarget(input: Record<string, any>): ServiceRecord {
    const namespaceName = requiredString(input, 'NamespaceName', 1024);
    const serviceName = requiredString(input, 'ServiceName', 127);
    const owner = optionalString(input, 'OwnerAccount', 12);
    const namespace = owner === undefined || owner === ctx.account ? state.namespaceByName(namespaceName) : undefined;
    if (!namespace) throw new AwsError('NamespaceNotFound', `No namespace has the HTTP name ${namespaceName}.`);
    const service = namespace.servicesByName.get(serviceName);
    if (!service)
      throw new AwsError('ServiceNotFound', `Namespace ${namespaceName} has no service named ${serviceName}.`);
    return service;
  }

  return {
    RegisterInstance(input) {
      const service = serviceOrThrow(input);
      const id = requiredString(input, 'InstanceId', 64);
      if (!INSTANCE_ID.test(id)) throw invalid(`InstanceId "${id}" may only contain letters, digits and _/:.@-.`);
      const creatorRequestId = optionalString(input, 'CreatorRequestId', 64);
      const namespaceType = state.namespaces.get(service.namespaceId)?.type ?? 'HTTP';
      const attributes = parseInstanceAttributes(input.Attributes, service, namespaceType);
      state.checkInstanceQuota(service, id);
      const isNew = !service.instances.has(id);
      state.putInstance(service, id, attributes, 'other', creatorRequestId);
      const failure = api.operationFailure('servicediscovery:RegisterInstance', input);
      // A failed registration leaves no new instance behind (a failed re-registration keeps the new attributes).
      const onFail = isNew ? () => void state.removeInstance(service, id) : undefined;
      return {
        OperationId: operations.submit(
          'REGISTER_INSTANCE',
          { INSTANCE: id, SERVICE: service.id },
          service.namespaceId,
          { failure, onFail },
        ).id,
      };
    },
    DeregisterInstance(input) {
      const service = serviceOrThrow(input);
      const instance = instanceOrThrow(service, input);
      const targets = { INSTANCE: instance.id, SERVICE: service.id };
      // Asking again while Cloud Map is still deregistering is a DuplicateRequest naming the operation in flight.
      const inFlight = operations.inFlight('DEREGISTER_INSTANCE', targets);
      if (inFlight) {
        throw new AwsError(
          'DuplicateRequest',
          `Instance ${instance.id} is already being deregistered by operation ${inFlight.id}.`,
          400,
          { DuplicateOperationId: inFlight.id },
        );
      }
      // The instance (and its DNS records) goes only when the operation succeeds; until then it stays listed.
      const effect = () => {
        if (!service.instances.has(instance.id)) return;
        api.audit({ kind: 'instance', serviceId: service.id, instanceId: instance.id, name: service.name });
        state.removeInstance(service, instance.id);
      };
      const failure = api.operationFailure('servicediscovery:DeregisterInstance', input);
      return {
        OperationId: operations.submit('DEREGISTER_INSTANCE', targets, service.namespaceId, { effect, failure }).id,
      };
    },
    GetInstance(input) {
      const service = serviceOrThrow(input);
      return {
        ResourceOwner: service.resourceOwner ?? ctx.account,
        Instance: instanceShape(instanceOrThrow(service, input), ctx.account, true),
      };
    },
    ListInstances(input) {
      const service = serviceOrThrow(input);
      const page = listPage('ListInstances', service.instances, input, service.id);
      return {
        ResourceOwner: service.resourceOwner ?? ctx.account,
        Instances: page.items.map((i) => instanceShape(i, ctx.account, false)),
        NextToken: page.nextToken,
      };
    },
    DiscoverInstances(input) {
      const service = discoverTarget(input);
      const limit = maxResults(input.MaxResults, 1000, 100);
      const wanted = oneOf(input.HealthStatus ?? 'HEALTHY', 'HealthStatus', [
        'HEALTHY',
        'UNHEALTHY',
        'ALL',
        'HEALTHY_OR_ELSE_ALL',
      ] as const);
      const query = Object.entries(stringMap(input.QueryParameters, 'QueryParameters'));
      const optional = Object.entries(stringMap(input.OptionalParameters, 'OptionalParameters'));
      const checked = Boolean(service.healthCheckConfig || service.healthCheckCustomConfig);
      let found = service.instances.values().filter((i) => query.every(([k, v]) => i.attributes[k] === v));
      if (checked && wanted !== 'ALL') {
        const healthy = found.filter((i) => healthOf(service, i) === 'HEALTHY');
        if (wanted === 'HEALTHY') found = healthy;
        else if (wanted === 'UNHEALTHY') found = found.filter((i) => healthOf(service, i) === 'UNHEALTHY');
        else if (healthy.length > 0) found = healthy;
      }
      // OptionalParameters narrow the result only when something still matches them.
      const narrowed = found.filter((i) => optional.every(([k, v]) => i.attributes[k] === v));
      if (narrowed.length > 0) found = narrowed;
      const namespaceName = state.namespaces.get(service.namespaceId)?.name;
      return {
        Instances: found.slice(0, limit).map((i) => ({
          InstanceId: i.id,
          NamespaceName: namespaceName,
          ServiceName: service.name,
          HealthStatus: healthOf(service, i),
          Attributes: { ...i.attributes },
        })),
        InstancesRevision: service.revision,
      };
    },
    DiscoverInstancesRevision(input) {
      return { InstancesRevision: discoverTarget(input).revision };
    },
    GetInstancesHealthStatus(input) {
      const service = serviceOrThrow(input);
      const limit = maxResults(input.MaxResults, 100, 100);
      const ids = input.Instances;
      if (
        ids !== undefined &&
        (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || ids.some((id) => typeof id !== 'string'))
      ) {
        throw invalid('Instances must be a list of 1 to 1000 instance IDs.');
      }
      const after = decodeToken(input.NextToken, 'GetInstancesHealthStatus', [service.id, ids ?? null]);
      let pool: readonly InstanceRecord[] = service.instances.values();
      if (ids) {
        pool = (ids as string[]).map((id) => {
          const instance = service.instances.get(id);
          if (!instance)
            throw new AwsError('InstanceNotFound', `No instance ${id} is registered with service ${service.id}.`);
          return instance;
        });
      }
      const rest = pool.filter((i) => i.seq > after).sort((a, b) => a.seq - b.seq);
      const page = rest.slice(0, limit);
      const last = page[page.length - 1];
      return {
        Status: Object.fromEntries(page.map((i) => [i.id, healthOf(service, i)])),
        NextToken:
          rest.length > limit && last
            ? encodeToken('GetInstancesHealthStatus', last.seq, [service.id, ids ?? null])
            : undefined,
      };
    },
    UpdateInstanceCustomHealthStatus(input) {
      const service = serviceOrThrow(input);
      const instance = instanceOrThrow(service, input);
      const status = oneOf(input.Status, 'Status', ['HEALTHY', 'UNHEALTHY'] as const);
      if (!service.healthCheckCustomConfig) {
        throw new AwsError(
          'CustomHealthNotFound',
          `Service ${service.id} has no custom health check configuration (HealthCheckCustomConfig).`,
        );
      }
      // Health changes do not move InstancesRevision (AWS documents this).
      instance.customHealth = status;
      return {};
    },
  };
}
