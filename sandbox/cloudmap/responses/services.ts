import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { parseDnsRecords, parseHealthCheckConfig, recordTypes } from './dns.js';
import { parseArn } from '../models/ids.js';
import { listPage } from './params.js';
import { serviceShape, serviceSummaryShape } from './shapes.js';
import type { ServiceRecord } from '../models/state.js';
import { invalid, oneOf, optionalObject, optionalString, requiredString } from './params.js';
import type { ApiContext } from './context.js';
import { parseTags } from './tags.js';

/** The service-name pattern of the Cloud Map API (DNS labels, up to 127 characters, or "."). */
const SERVICE_NAME =
  /^(?:(?=.{1,127}$)(?:[a-zA-Z0-9_][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9_][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*|\.)$/;

type ServiceFilter = { name: 'NAMESPACE_ID' | 'RESOURCE_OWNER'; value: string };

function parseServiceFilters(value: unknown): ServiceFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('Filters must be a list.');
  return value.map((raw, i) => {
    const name = oneOf(raw?.Name, `Filters[${i}].Name`, ['NAMESPACE_ID', 'RESOURCE_OWNER'] as const);
    oneOf(raw?.Condition ?? 'EQ', `Filters[${i}].Condition`, ['EQ'] as const);
    const values = raw?.Values;
    if (
      !Array.isArray(values) ||
      values.length !== 1 ||
      typeof values[0] !== 'string' ||
      values[0].length < 1 ||
      values[0].length > 255
    ) {
      throw invalid(`Filters[${i}].Values must hold exactly one string (1 to 255 characters) for condition EQ.`);
    }
    // The filter takes a namespace ID or ARN; compare ids.
    const ref = values[0] as string;
    return { name, value: name === 'NAMESPACE_ID' && ref.startsWith('arn:') ? (parseArn(ref)?.id ?? ref) : ref };
  });
}

function matchesService(service: ServiceRecord, filter: ServiceFilter): boolean {
  return filter.name === 'NAMESPACE_ID' ? service.namespaceId === filter.value : filter.value === 'SELF';
}

/** Service operations: CreateService, GetService, ListServices, UpdateService, DeleteService. */
export function serviceOperations(api: ApiContext): Record<string, OperationHandler> {
  const { state, operations, ctx } = api;

  function serviceOrThrow(ref: string): ServiceRecord {
    const service = state.serviceByIdOrArn(ref);
    if (!service) throw new AwsError('ServiceNotFound', `No service exists with the ID ${ref}.`);
    return service;
  }

  return {
    CreateService(input) {
      const name = requiredString(input, 'Name', 127);
      if (!SERVICE_NAME.test(name))
        throw invalid(
          `Name "${name}" is not a valid service name (DNS labels of letters, digits, "-" and "_", up to 127 characters).`,
        );
      const dnsConfig = optionalObject(input, 'DnsConfig');
      const namespaceRef =
        optionalString(input, 'NamespaceId', 255) ??
        (typeof dnsConfig?.NamespaceId === 'string' ? dnsConfig.NamespaceId : undefined);
      if (!namespaceRef) throw invalid('NamespaceId is required (or DnsConfig.NamespaceId, deprecated).');
      const namespace = state.namespaceByIdOrArn(namespaceRef);
      if (!namespace) throw new AwsError('NamespaceNotFound', `No namespace exists with the ID ${namespaceRef}.`);
      if (input.Type !== undefined) oneOf(input.Type, 'Type', ['HTTP'] as const);
      if (dnsConfig && (namespace.type === 'HTTP' || input.Type === 'HTTP')) {
        throw invalid(
          `DnsConfig cannot be specified for a service that is discoverable by API calls only (namespace ${namespace.id} is ${namespace.type}${input.Type ? ', Type HTTP' : ''}).`,
        );
      }
      const dnsRecords = dnsConfig ? parseDnsRecords(dnsConfig.DnsRecords, 'DnsConfig.DnsRecords') : [];
      const routingPolicy =
        dnsConfig?.RoutingPolicy === undefined
          ? undefined
          : oneOf(dnsConfig.RoutingPolicy, 'DnsConfig.RoutingPolicy', ['MULTIVALUE', 'WEIGHTED'] as const);
      if (dnsRecords.some((r) => r.Type === 'CNAME') && routingPolicy !== 'WEIGHTED')
        throw invalid('A CNAME record requires RoutingPolicy WEIGHTED.');
      const healthCheckConfig = parseHealthCheckConfig(input.HealthCheckConfig);
      const customConfig = optionalObject(input, 'HealthCheckCustomConfig');
      if (healthCheckConfig && customConfig)
        throw invalid('Specify either HealthCheckConfig or HealthCheckCustomConfig, not both.');
      if (healthCheckConfig && namespace.type === 'DNS_PRIVATE')
        throw invalid(
          'HealthCheckConfig (Route 53 health checks) is only available in public DNS and HTTP namespaces; use HealthCheckCustomConfig.',
        );
      if (healthCheckConfig && dnsRecords.some((r) => r.Type === 'CNAME'))
        throw invalid('HealthCheckConfig cannot be combined with a CNAME record.');
      const threshold = customConfig?.FailureThreshold;
      if (
        threshold !== undefined &&
        (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || threshold > 10)
      ) {
        throw invalid('HealthCheckCustomConfig.FailureThreshold must be an integer from 1 to 10.');
      }
      const service = state.addService({
        namespace,
        name,
        description: optionalString(input, 'Description', 1024),
        routingPolicy,
        dnsRecords,
        healthCheckConfig,
        // FailureThreshold is deprecated: Cloud Map always reports 1.
        healthCheckCustomConfig: customConfig ? { FailureThreshold: 1 } : undefined,
        creatorRequestId: optionalString(input, 'CreatorRequestId', 64),
        tags: parseTags(input.Tags),
      });
      return { Service: serviceShape(service, ctx.account) };
    },
    GetService(input) {
      return { Service: serviceShape(serviceOrThrow(requiredString(input, 'Id', 255)), ctx.account) };
    },
    ListServices(input) {
      const filters = parseServiceFilters(input.Filters);
      // Like Cloud Map: take MaxResults services, then filter them, so a page may be empty while NextToken is set.
      const page = listPage('ListServices', state.services, input, filters);
      return {
        Services: page.items
          .filter((s) => filters.every((f) => matchesService(s, f)))
          .map((s) => serviceSummaryShape(s, ctx.account)),
        NextToken: page.nextToken,
      };
    },
    UpdateService(input) {
      const service = serviceOrThrow(requiredString(input, 'Id', 255));
      const change = optionalObject(input, 'Service');
      if (!change) throw invalid('Service is required.');
      const namespace = state.namespaces.get(service.namespaceId);
      if (namespace?.type === 'HTTP') {
        throw invalid(
          `Service ${service.id} is in HTTP namespace ${namespace.id}; UpdateService is not supported for services in HTTP namespaces.`,
        );
      }
      const description = optionalString(change, 'Description', 1024);
      const dnsChange = optionalObject(change, 'DnsConfig');
      let dnsRecords = service.dnsRecords;
      if (dnsChange) {
        if (service.type === 'HTTP')
          throw invalid(
            `Service ${service.id} has no DNS records; DNS records cannot be added to it (recreate the service).`,
          );
        dnsRecords = parseDnsRecords(dnsChange.DnsRecords, 'Service.DnsConfig.DnsRecords');
        const existing = recordTypes(service.dnsRecords);
        const changed = dnsRecords.find((r) => !existing.has(r.Type));
        if (changed) {
          throw invalid(
            `Service ${service.id} has no ${changed.Type} record; record types cannot change (existing: ${[...existing].join(', ')}). Recreate the service to change them.`,
          );
        }
      }
      const healthCheckConfig = parseHealthCheckConfig(change.HealthCheckConfig);
      if (healthCheckConfig && namespace?.type === 'DNS_PRIVATE')
        throw invalid('HealthCheckConfig is only available in public DNS and HTTP namespaces.');
      if (healthCheckConfig && dnsRecords.some((r) => r.Type === 'CNAME'))
        throw invalid('HealthCheckConfig cannot be combined with a CNAME record.');
      // UpdateService replaces: DnsRecords left out are deleted, and so is an omitted HealthCheckConfig. The change
      // is made when the operation succeeds (Route 53 record changes behind it), never when it fails.
      const records = dnsRecords.map((r) => ({ ...r }));
      const effect = () => {
        service.dnsRecords = records;
        service.healthCheckConfig = healthCheckConfig;
        if (description !== undefined) service.description = description;
      };
      const failure = api.operationFailure('servicediscovery:UpdateService', input);
      return {
        OperationId: operations.submit('UPDATE_SERVICE', { SERVICE: service.id }, service.namespaceId, {
          effect,
          failure,
        }).id,
      };
    },
    DeleteService(input) {
      const service = serviceOrThrow(requiredString(input, 'Id', 255));
      if (service.instances.size > 0) {
        throw new AwsError(
          'ResourceInUse',
          'Service contains registered instances; delete the instances before deleting the service',
        );
      }
      api.audit({ kind: 'service', serviceId: service.id, name: service.name });
      state.removeService(service);
      return {};
    },
  };
}
