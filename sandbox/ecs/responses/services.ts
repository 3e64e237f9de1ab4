/** ECS service operations: CreateService, UpdateService, DeleteService, DescribeServices, ListServices(ByNamespace). */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { EcsState } from '../models/state.js';
import { serviceShape } from './shapes.js';
import {
  decodeToken,
  encodeToken,
  invalid,
  maxResults,
  optionalCount,
  optionalString,
  parseTags,
  requiredString,
  stringList,
} from './params.js';
import { resolveRegistries, resolveServiceConnect } from '../models/discovery.js';
import {
  createService,
  deleteService,
  setDesiredCount,
  startDeployment,
  type DeploymentChange,
} from '../models/scheduler.js';
import { emitApiCall } from '../models/events.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const LAUNCH_TYPES = ['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES'];

/** The ECS service operations, bound to the emulator state. */
/** deploymentConfiguration.maximumPercent, when given (ECS keeps the previous value, 200 by default). */
function maximumPercent(input: Record<string, any>): number | undefined {
  const value = input.deploymentConfiguration?.maximumPercent;
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 100)
    throw invalid('deploymentConfiguration.maximumPercent must be an integer of at least 100.');
  return value;
}

export function serviceOperations(state: EcsState): Record<string, OperationHandler> {
  return {
    CreateService(input) {
      const cluster = state.requireCluster(input.cluster);
      const name = requiredString(input, 'serviceName');
      if (!NAME.test(name))
        throw invalid('serviceName may contain up to 255 letters, numbers, underscores and hyphens.');
      const existing = cluster.services.get(name);
      if (existing && existing.status !== 'INACTIVE') throw invalid('Creation of service was not idempotent.');
      if (input.schedulingStrategy === 'DAEMON')
        throw new AwsError('UnsupportedFeatureException', 'The sandbox emulates REPLICA services only.');
      const launchType = optionalString(input, 'launchType') ?? 'FARGATE';
      if (!LAUNCH_TYPES.includes(launchType)) throw invalid(`launchType must be one of ${LAUNCH_TYPES.join(', ')}.`);
      const taskDefinition = state.requireTaskDefinition(input.taskDefinition);
      const controller = input.deploymentController?.type ?? 'ECS';
      if (!['ECS', 'EXTERNAL', 'CODE_DEPLOY'].includes(controller))
        throw invalid('deploymentController.type must be ECS, CODE_DEPLOY or EXTERNAL.');
      if (controller !== 'ECS' && input.serviceConnectConfiguration)
        throw invalid('Service Connect needs the ECS deployment controller.');
      const now = state.now();
      const service = createService(state, {
        cluster,
        name,
        taskDefinition,
        desiredCount: optionalCount(input, 'desiredCount') ?? 0,
        launchType,
        tags: parseTags(input.tags),
        propagateTags: optionalString(input, 'propagateTags'),
        enableECSManagedTags: input.enableECSManagedTags === true,
        networkConfiguration: input.networkConfiguration,
        serviceRegistries: resolveRegistries(state, input.serviceRegistries),
        serviceConnect: resolveServiceConnect(state, cluster, name, input.serviceConnectConfiguration, now),
        maximumPercent: maximumPercent(input),
        createdAt: now,
        deploymentController: controller,
      });
      const response = { service: serviceShape(service, true) };
      emitApiCall(state, 'CreateService', input, response);
      return response;
    },

    UpdateService(input) {
      const cluster = state.requireCluster(input.cluster);
      const service = state.requireActiveService(cluster, input.service);
      const desiredCount = optionalCount(input, 'desiredCount');
      const change: DeploymentChange = {};
      let deploy = input.forceNewDeployment === true;
      if (input.taskDefinition !== undefined && input.taskDefinition !== null) {
        const definition = state.requireTaskDefinition(input.taskDefinition);
        if (definition !== service.taskDefinition) {
          change.taskDefinition = definition;
          deploy = true;
        }
      }
      if (input.serviceRegistries !== undefined && input.serviceRegistries !== null) {
        change.serviceRegistries = resolveRegistries(state, input.serviceRegistries);
        deploy = true;
      }
      if (input.serviceConnectConfiguration !== undefined && input.serviceConnectConfiguration !== null) {
        change.serviceConnect =
          resolveServiceConnect(state, cluster, service.name, input.serviceConnectConfiguration, state.now()) ?? null;
        deploy = true;
      }
      if (deploy && service.deploymentController !== 'ECS') {
        throw invalid(
          `Service ${service.name} uses the ${service.deploymentController} deployment controller: deploy with task sets, UpdateService changes only its desired count.`,
        );
      }
      const percent = maximumPercent(input);
      if (percent !== undefined) service.maximumPercent = percent;
      if (desiredCount !== undefined) {
        service.desiredCount = desiredCount;
        if (service.deployments[0]) service.deployments[0].desiredCount = desiredCount;
      }
      if (deploy) startDeployment(state, service, change);
      else if (desiredCount !== undefined) setDesiredCount(state, service, desiredCount);
      const response = { service: serviceShape(service, false) };
      emitApiCall(state, 'UpdateService', input, response);
      return response;
    },

    DeleteService(input) {
      const cluster = state.requireCluster(input.cluster);
      const ref = requiredString(input, 'service');
      const service = state.findService(cluster, ref);
      if (!service || service.status === 'INACTIVE')
        throw new AwsError('ServiceNotFoundException', 'Service not found.');
      if (service.status === 'ACTIVE') {
        if (input.force !== true && service.desiredCount > 0) {
          throw invalid(
            'The service cannot be stopped while it is scaled above 0: set desiredCount to 0 first or pass force.',
          );
        }
        deleteService(state, service);
      }
      const response = { service: serviceShape(service, false) };
      emitApiCall(state, 'DeleteService', input, response);
      return response;
    },

    DescribeServices(input) {
      const cluster = state.requireCluster(input.cluster);
      const refs = stringList(input, 'services', 10);
      const includeTags = Array.isArray(input.include) && input.include.includes('TAGS');
      const services: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const service = state.findService(cluster, ref);
        if (service) services.push(serviceShape(service, includeTags));
        else
          failures.push({
            arn: ref.startsWith('arn:')
              ? ref
              : `arn:aws:ecs:${state.region}:${state.account}:service/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
      }
      return { services, failures };
    },

    ListServices(input) {
      const cluster = state.requireCluster(input.cluster);
      const launchType = optionalString(input, 'launchType');
      const strategy = optionalString(input, 'schedulingStrategy');
      // The model's enums (botocore ecs LaunchType, SchedulingStrategy): any other value is a bad request, not an empty list.
      if (launchType && !LAUNCH_TYPES.includes(launchType))
        throw invalid(`launchType must be one of ${LAUNCH_TYPES.join(', ')}.`);
      if (strategy && strategy !== 'REPLICA' && strategy !== 'DAEMON')
        throw invalid('schedulingStrategy must be REPLICA or DAEMON.');
      const limit = maxResults(input, 10);
      let after = decodeToken(input);
      const serviceArns: string[] = [];
      // Filters are rare; without them one page is one slice of the sorted index.
      for (;;) {
        const page = cluster.activeServiceNames.page(after, limit - serviceArns.length);
        for (const name of page.keys) {
          const service = cluster.services.get(name)!;
          if (launchType && service.launchType !== launchType) continue;
          if (strategy && service.schedulingStrategy !== strategy) continue;
          serviceArns.push(service.arn);
        }
        after = page.keys[page.keys.length - 1] ?? after;
        if (!page.more) return { serviceArns };
        if (serviceArns.length >= limit) return { serviceArns, nextToken: encodeToken(after!) };
      }
    },

    ListServicesByNamespace(input) {
      const ref = requiredString(input, 'namespace');
      const namespace = state.cloudMap.namespaceByRef(ref);
      if (!namespace) throw new AwsError('NamespaceNotFoundException', `Namespace ${ref} was not found.`);
      const page = state.namespaceIndex(namespace.id).page(decodeToken(input), maxResults(input, 10));
      return {
        serviceArns: page.keys,
        nextToken: page.more ? encodeToken(page.keys[page.keys.length - 1]) : undefined,
      };
    },
  };
}
