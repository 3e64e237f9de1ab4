/** Resolves serviceRegistries and serviceConnectConfiguration against Cloud Map, as CreateService/UpdateService do. */
import { AwsError } from '../../core/errors.js';
import type { CloudMapPort, CloudMapServiceView } from '../../core/ports.js';
import type { Cluster, ServiceConnectConfiguration, ServiceRegistry } from './model.js';
import type { EcsState } from './state.js';

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

/** Checks serviceRegistries (at most one, as ECS allows) and finds each registry's Cloud Map service. */
export function resolveRegistries(state: EcsState, input: unknown): ServiceRegistry[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input))
    throw invalid('serviceRegistries must be a list of {registryArn, port?, containerName?, containerPort?}.');
  if (input.length > 1) throw invalid('Only one service registry is supported per service.');
  return input.map((entry: any) => {
    if (!entry || typeof entry.registryArn !== 'string')
      throw invalid('serviceRegistries[].registryArn is required (a Cloud Map service ARN).');
    const view = state.cloudMap.serviceByArn(entry.registryArn);
    if (!view)
      throw invalid(`The service registry ${entry.registryArn} does not exist: create the Cloud Map service first.`);
    for (const key of ['port', 'containerPort'] as const) {
      if (entry[key] !== undefined && !(Number.isInteger(entry[key]) && entry[key] >= 0 && entry[key] <= 65535)) {
        throw invalid(`serviceRegistries[].${key} must be a port number.`);
      }
    }
    return {
      registryArn: entry.registryArn,
      port: entry.port,
      containerName: entry.containerName,
      containerPort: entry.containerPort,
      cloudMapServiceId: view.id,
    };
  });
}

/** A Cloud Map service by name in a namespace (the emulator's direct lookup when it has one). */
function findCloudMapService(state: EcsState, namespaceId: string, name: string): CloudMapServiceView | undefined {
  const port = state.cloudMap as CloudMapPort & {
    serviceByName?: (namespaceId: string, name: string) => CloudMapServiceView | undefined;
  };
  if (port.serviceByName) return port.serviceByName(namespaceId, name);
  return port.services().find((s) => s.namespaceId === namespaceId && s.name === name);
}

export interface ResolvedServiceConnect {
  configuration: ServiceConnectConfiguration;
  namespaceId: string;
  resources: { discoveryName: string; discoveryArn: string; cloudMapServiceId: string }[];
}

/** Validates a Service Connect configuration and creates (or adopts) the Cloud Map service of each endpoint. */
export function resolveServiceConnect(
  state: EcsState,
  cluster: Cluster,
  serviceName: string,
  input: unknown,
  at: number,
): ResolvedServiceConnect | undefined {
  if (input === undefined || input === null) return undefined;
  const config = input as Record<string, any>;
  if (typeof config !== 'object' || typeof config.enabled !== 'boolean')
    throw invalid('serviceConnectConfiguration.enabled is required (true or false).');
  if (!config.enabled) return undefined;
  const namespaceRef = config.namespace ?? cluster.serviceConnectDefaults?.namespace;
  if (typeof namespaceRef !== 'string' || namespaceRef.length === 0) {
    throw invalid(
      'serviceConnectConfiguration.namespace is required when the cluster has no Service Connect default namespace.',
    );
  }
  const namespace = state.cloudMap.namespaceByRef(namespaceRef);
  if (!namespace) throw new AwsError('NamespaceNotFoundException', `Namespace ${namespaceRef} was not found.`);
  if (config.services !== undefined && !Array.isArray(config.services))
    throw invalid('serviceConnectConfiguration.services must be a list.');
  const services = ((config.services ?? []) as any[]).map((entry) => {
    if (!entry || typeof entry.portName !== 'string' || !entry.portName)
      throw invalid('serviceConnectConfiguration.services[].portName is required.');
    const discoveryName = entry.discoveryName ?? entry.portName;
    if (
      typeof discoveryName !== 'string' ||
      discoveryName.length > 64 ||
      !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(discoveryName)
    ) {
      throw invalid(`discoveryName "${discoveryName}" must be 1-64 letters, digits, hyphens, underscores or dots.`);
    }
    if (entry.clientAliases !== undefined && (!Array.isArray(entry.clientAliases) || entry.clientAliases.length > 1)) {
      throw invalid('serviceConnectConfiguration.services[].clientAliases takes at most one alias.');
    }
    return { ...entry, discoveryName };
  });
  const names = services.map((s) => s.discoveryName);
  if (new Set(names).size !== names.length)
    throw invalid('Service Connect discovery names must be unique within a service.');
  for (const arn of state.namespaceIndex(namespace.id).all()) {
    const other = state.servicesByArn.get(arn);
    if (!other || (other.name === serviceName && other.cluster === cluster)) continue;
    const clash = other.deployments[0]?.serviceConnectResources.find((r) => names.includes(r.discoveryName));
    if (clash)
      throw invalid(
        `The discovery name ${clash.discoveryName} is already used by service ${other.name} in namespace ${namespace.name}.`,
      );
  }
  const resources = names.map((discoveryName) => {
    const view =
      findCloudMapService(state, namespace.id, discoveryName) ??
      state.cloudMap.createService({
        namespaceId: namespace.id,
        name: discoveryName,
        tags: { AmazonECSManaged: 'true' },
        createdAt: at,
      });
    state.serviceConnectCreated.add(view.id);
    return { discoveryName, discoveryArn: view.arn, cloudMapServiceId: view.id };
  });
  // ECS echoes the namespace as the caller gave it (a name or an ARN).
  const configuration: ServiceConnectConfiguration = {
    ...config,
    enabled: true,
    namespace: namespaceRef,
    services: services.length ? services : undefined,
  };
  if (!configuration.services) delete configuration.services;
  return { configuration, namespaceId: namespace.id, resources };
}

/** The client aliases ("dnsName:port") a configuration offers; dnsName defaults to discoveryName.namespace (ECS API reference). */
export function clientAliases(
  configuration: ServiceConnectConfiguration | undefined,
  namespaceName: string,
): { alias: string; discoveryName: string }[] {
  return (configuration?.services ?? []).flatMap((entry) => {
    const discoveryName = entry.discoveryName ?? entry.portName;
    const aliases = entry.clientAliases?.length ? entry.clientAliases : [{ port: undefined, dnsName: undefined }];
    return aliases.map((a) => {
      const dnsName = a.dnsName ?? `${discoveryName}.${namespaceName}`;
      return { alias: a.port === undefined ? dnsName : `${dnsName}:${a.port}`, discoveryName };
    });
  });
}
