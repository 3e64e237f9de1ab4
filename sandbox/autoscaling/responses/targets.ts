/**
 * Application Auto Scaling operations: RegisterScalableTarget, DescribeScalableTargets (MaxResults 1 to 50,
 * default 50, opaque NextToken) and DeregisterScalableTarget, with the API's constraint checks and wire shapes.
 */
import { AwsError } from '../../core/errors.js';
import { TokenCodec } from '../../core/paging.js';
import { paramReader } from '../../core/params.js';
import type { OperationHandler } from '../../core/types.js';
import { targetOrder, type RegisterSpec, type ScalableTarget, type ScalableTargets } from '../models/targets.js';

const params = paramReader((message) => new AwsError('ValidationException', message));
const validation = params.invalid;

/** ServiceNamespace enum values of the API (ValidationException for anything else). */
export const SERVICE_NAMESPACES = [
  'ecs',
  'elasticmapreduce',
  'ec2',
  'appstream',
  'dynamodb',
  'rds',
  'sagemaker',
  'custom-resource',
  'comprehend',
  'lambda',
  'cassandra',
  'kafka',
  'elasticache',
  'neptune',
  'workspaces',
] as const;

/** Checks the ServiceNamespace member against the API's enum. */
export function requireNamespace(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      "1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null",
    );
  if (!(SERVICE_NAMESPACES as readonly string[]).includes(value)) {
    throw validation(
      `1 validation error detected: Value '${value}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${SERVICE_NAMESPACES.join(', ')}]`,
    );
  }
  return value;
}

/** Checks a ResourceId member (1 to 1600 characters). */
export function requireResourceId(value: unknown, member = 'resourceId'): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 1600) {
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and 1600`,
    );
  }
  return value;
}

function capacity(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must be a non-negative integer`,
    );
  }
  return value;
}

/** A RegisterScalableTarget request (also what the scenario loader passes). */
export interface RegisterInput {
  ServiceNamespace?: unknown;
  ResourceId?: unknown;
  ScalableDimension?: unknown;
  MinCapacity?: unknown;
  MaxCapacity?: unknown;
  RoleARN?: unknown;
  SuspendedState?: unknown;
}

/** Validates a RegisterScalableTarget request's members. */
export function parseRegister(input: RegisterInput): RegisterSpec {
  const namespace = requireNamespace(input.ServiceNamespace);
  const resourceId = requireResourceId(input.ResourceId);
  const dimension = input.ScalableDimension;
  if (typeof dimension !== 'string' || dimension.length === 0)
    throw validation(
      "1 validation error detected: Value null at 'scalableDimension' failed to satisfy constraint: Member must not be null",
    );
  const suspended = (input.SuspendedState ?? {}) as Record<string, unknown>;
  const flag = (name: string) => (suspended[name] === undefined ? undefined : Boolean(suspended[name]));
  return {
    namespace,
    resourceId,
    dimension,
    minCapacity: capacity(input.MinCapacity, 'minCapacity'),
    maxCapacity: capacity(input.MaxCapacity, 'maxCapacity'),
    ...(typeof input.RoleARN === 'string' ? { roleArn: input.RoleARN } : {}),
    suspendedState: Object.fromEntries(
      (['DynamicScalingInSuspended', 'DynamicScalingOutSuspended', 'ScheduledScalingSuspended'] as const).flatMap(
        (name) => (flag(name) === undefined ? [] : [[name, flag(name)]]),
      ),
    ),
  };
}

/** The wire shape of a target (JSON 1.1: CreationTime in epoch seconds). */
export function serializeTarget(t: ScalableTarget): Record<string, unknown> {
  return {
    ServiceNamespace: t.serviceNamespace,
    ResourceId: t.resourceId,
    ScalableDimension: t.scalableDimension,
    MinCapacity: t.minCapacity,
    MaxCapacity: t.maxCapacity,
    RoleARN: t.roleArn,
    CreationTime: t.createdAt / 1000,
    SuspendedState: t.suspendedState,
    ScalableTargetARN: t.arn,
  };
}

export const DESCRIBE_MAX_RESULTS = 50;

const tokens = new TokenCodec<string>(
  () =>
    new AwsError(
      'InvalidNextTokenException',
      'The NextToken is invalid or was issued for a different request; start again without NextToken.',
    ),
  (value): value is string => typeof value === 'string',
);

function maxResults(value: unknown): number {
  if (value === undefined || value === null) return DESCRIBE_MAX_RESULTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > DESCRIBE_MAX_RESULTS) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${DESCRIBE_MAX_RESULTS}`,
    );
  }
  return value;
}

function resourceIds(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw validation(
      "1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: Member must be a list of strings",
    );
  return value.map((id, i) => requireResourceId(id, `resourceIds.${i + 1}.member`));
}

/** The operations over the registry of scalable targets. */
export function targetOperations(targets: ScalableTargets): Record<string, OperationHandler> {
  return {
    RegisterScalableTarget(input) {
      return { ScalableTargetARN: targets.register(parseRegister(input)).arn };
    },
    DeregisterScalableTarget(input) {
      const namespace = requireNamespace(input.ServiceNamespace);
      const resourceId = requireResourceId(input.ResourceId);
      if (typeof input.ScalableDimension !== 'string' || input.ScalableDimension.length === 0) {
        throw validation(
          "1 validation error detected: Value null at 'scalableDimension' failed to satisfy constraint: Member must not be null",
        );
      }
      targets.deregister(namespace, resourceId, input.ScalableDimension);
      return {};
    },
    DescribeScalableTargets(input) {
      const namespace = requireNamespace(input.ServiceNamespace);
      const ids = resourceIds(input.ResourceIds);
      const dimension = input.ScalableDimension as unknown;
      if (dimension !== undefined && dimension !== null && typeof dimension !== 'string')
        throw validation("Value at 'scalableDimension' must be a string");
      if (dimension && !ids?.length)
        throw validation('If you specify a scalable dimension, you must also specify a resource ID');
      const limit = maxResults(input.MaxResults);
      const filters = { namespace, ids: ids ?? null, dimension: dimension ?? null };
      const after = tokens.decode(input.NextToken, 'DescribeScalableTargets', filters);
      const wanted = ids ? new Set(ids) : undefined;
      const matching = targets
        .list(namespace)
        .filter((t) => (!wanted || wanted.has(t.resourceId)) && (!dimension || t.scalableDimension === dimension))
        .filter((t) => after === undefined || targetOrder(t) > after);
      const page = matching.slice(0, limit);
      const more = matching.length > limit;
      const token = more
        ? tokens.encode('DescribeScalableTargets', targetOrder(page[page.length - 1]), filters)
        : undefined;
      return { ScalableTargets: page.map(serializeTarget), ...(token ? { NextToken: token } : {}) };
    },
  };
}
