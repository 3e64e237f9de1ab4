/** ECS operations on clusters, task definitions and tags. */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { Tags } from '../models/model.js';
import type { EcsState } from '../models/state.js';
import { FARGATE_STOP_TIMEOUT_SECONDS } from '../models/stop-timeout.js';
import { clusterShape, tagList, taskDefinitionShape } from './shapes.js';
import {
  decodeToken,
  encodeToken,
  invalid,
  maxResults,
  optionalString,
  parseTags,
  requiredString,
  stringList,
} from './params.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

function includes(input: Record<string, any>, what: string): boolean {
  return Array.isArray(input.include) && input.include.includes(what);
}

/** ContainerDefinition.stopTimeout: whole seconds; 2 to 120 for Fargate (models/stop-timeout.ts cites the reference). */
function checkStopTimeout(container: Record<string, unknown>, fargate: boolean): void {
  const value = container.stopTimeout;
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw invalid(`Container ${container.name}: stopTimeout must be a whole number of seconds.`);
  const { min, max } = FARGATE_STOP_TIMEOUT_SECONDS;
  if (fargate && (value < min || value > max)) {
    throw new AwsError(
      'ClientException',
      `Invalid 'stopTimeout' setting for container '${container.name}': the valid values for Fargate are ${min}-${max} seconds; got ${value}.`,
    );
  }
}

/** Finds the tag map of a cluster, service, task or task definition ARN. */
function taggable(state: EcsState, arn: string): Tags {
  const match = /^arn:aws:ecs:[^:]+:\d{12}:(cluster|service|task|task-definition)\/(.+)$/.exec(arn);
  if (!match) throw invalid(`resourceArn "${arn}" is not an ECS cluster, service, task or task definition ARN.`);
  const [, kind, rest] = match;
  let tags: Tags | undefined;
  if (kind === 'cluster') tags = state.clusters.get(rest)?.tags;
  else if (kind === 'service') {
    const service = state.servicesByArn.get(arn);
    tags = service && service.status !== 'INACTIVE' ? service.tags : undefined;
  } else if (kind === 'task') tags = state.tasks.get(rest.slice(rest.lastIndexOf('/') + 1))?.tags;
  else tags = state.findTaskDefinition(arn)?.tags;
  if (!tags) throw new AwsError('ResourceNotFoundException', `The specified resource ${arn} could not be found.`);
  return tags;
}

/** CreateCluster, ListClusters, DescribeClusters, RegisterTaskDefinition, DescribeTaskDefinition, Tag/Untag/ListTags. */
export function resourceOperations(state: EcsState): Record<string, OperationHandler> {
  return {
    CreateCluster(input) {
      const name = optionalString(input, 'clusterName') ?? 'default';
      if (!NAME.test(name))
        throw invalid('clusterName may contain up to 255 letters, numbers, underscores and hyphens.');
      const scDefaults = input.serviceConnectDefaults;
      if (scDefaults !== undefined && typeof scDefaults?.namespace !== 'string')
        throw invalid('serviceConnectDefaults.namespace must be a namespace name or ARN.');
      const cluster = state.createCluster(name, {
        tags: parseTags(input.tags),
        settings: input.settings,
        serviceConnectDefaults: scDefaults,
      });
      return { cluster: clusterShape(state, cluster, true) };
    },

    ListClusters(input) {
      const page = state.clusterNames.page(decodeToken(input), maxResults(input, 100));
      return {
        clusterArns: page.keys.map((name) => state.clusters.get(name)!.arn),
        nextToken: page.more ? encodeToken(page.keys[page.keys.length - 1]) : undefined,
      };
    },

    DescribeClusters(input) {
      const refs = stringList(input, 'clusters', 100, false);
      const clusters: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs.length ? refs : ['default']) {
        const cluster = state.findCluster(ref);
        if (cluster) clusters.push(clusterShape(state, cluster, includes(input, 'TAGS')));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${state.region}:${state.account}:cluster/${ref}`,
            reason: 'MISSING',
          });
      }
      return { clusters, failures };
    },

    RegisterTaskDefinition(input) {
      const family = requiredString(input, 'family');
      if (!NAME.test(family)) throw invalid('family may contain up to 255 letters, numbers, underscores and hyphens.');
      const containers = input.containerDefinitions;
      if (!Array.isArray(containers) || containers.length === 0)
        throw invalid('containerDefinitions must list at least one container.');
      const compatibilities = input.requiresCompatibilities;
      const fargate = Array.isArray(compatibilities) && compatibilities.includes('FARGATE');
      for (const container of containers) {
        if (typeof container?.name !== 'string' || !container.name)
          throw invalid('Each container definition needs a name.');
        if (typeof container.image !== 'string' || !container.image)
          throw invalid(`Container ${container.name} needs an image.`);
        checkStopTimeout(container, fargate);
      }
      const definition = state.registerTaskDefinition({
        family,
        containerDefinitions: containers,
        networkMode: optionalString(input, 'networkMode'),
        cpu: optionalString(input, 'cpu'),
        memory: optionalString(input, 'memory'),
        requiresCompatibilities: input.requiresCompatibilities,
        tags: parseTags(input.tags),
      });
      return { taskDefinition: taskDefinitionShape(definition), tags: tagList(definition.tags) };
    },

    DescribeTaskDefinition(input) {
      const definition = state.requireTaskDefinition(input.taskDefinition);
      return {
        taskDefinition: taskDefinitionShape(definition),
        tags: includes(input, 'TAGS') ? tagList(definition.tags) : undefined,
      };
    },

    TagResource(input) {
      const tags = taggable(state, requiredString(input, 'resourceArn'));
      const added = parseTags(input.tags);
      if (Object.keys({ ...tags, ...added }).length > 50) throw invalid('A resource can have at most 50 tags.');
      Object.assign(tags, added);
      return {};
    },

    UntagResource(input) {
      const tags = taggable(state, requiredString(input, 'resourceArn'));
      for (const key of stringList(input, 'tagKeys', 50)) delete tags[key];
      return {};
    },

    ListTagsForResource(input) {
      return { tags: tagList(taggable(state, requiredString(input, 'resourceArn'))) };
    },
  };
}
