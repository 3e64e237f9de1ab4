/**
 * The Application Auto Scaling emulator (X-Amz-Target AnyScaleFrontendService.*, JSON 1.1, as
 * @aws-sdk/client-application-auto-scaling speaks it): RegisterScalableTarget, DescribeScalableTargets
 * (MaxResults 1 to 50, default 50, opaque NextToken) and DeregisterScalableTarget, for ECS services.
 */
import { AwsError } from '../core/errors.js';
import { TokenCodec } from '../core/paging.js';
import type { EmulatedService, OperationHandler, SandboxContext } from '../core/types.js';
import { requireNamespace, requireResourceId, ScalableTargets, serializeTarget, targetOrder, validation, type EcsServiceLookup, type RegisterInput } from './targets.js';

export { ECS_DESIRED_COUNT, type ScalableTarget } from './targets.js';

/** What the rest of the sandbox (scenario loader, truth) uses of Application Auto Scaling. */
export interface AutoScalingEmulator {
  service: EmulatedService;
  /** Registers or updates a target directly (scenario loading); throws AwsError as the API would. */
  register(input: RegisterInput): void;
  /** MaxCapacity of an ECS service's desired-count target, when it has one. */
  ecsMaxCapacity(cluster: string, service: string): number | undefined;
}

export const DESCRIBE_MAX_RESULTS = 50;

const tokens = new TokenCodec<string>(
  () => new AwsError('InvalidNextTokenException', 'The NextToken is invalid or was issued for a different request; start again without NextToken.'),
  (value): value is string => typeof value === 'string',
);

function maxResults(value: unknown): number {
  if (value === undefined || value === null) return DESCRIBE_MAX_RESULTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > DESCRIBE_MAX_RESULTS) {
    throw validation(`1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${DESCRIBE_MAX_RESULTS}`);
  }
  return value;
}

function resourceIds(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw validation("1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: Member must be a list of strings");
  return value.map((id, i) => requireResourceId(id, `resourceIds.${i + 1}.member`));
}

/** Creates the emulator; `ecsService` answers whether the ECS service a target names exists. */
export function createAutoScaling(ctx: SandboxContext, ecsService: EcsServiceLookup): AutoScalingEmulator {
  const targets = new ScalableTargets(ctx, ecsService);
  const operations: Record<string, OperationHandler> = {
    RegisterScalableTarget(input) {
      return { ScalableTargetARN: targets.register(input).arn };
    },
    DeregisterScalableTarget(input) {
      const namespace = requireNamespace(input.ServiceNamespace);
      const resourceId = requireResourceId(input.ResourceId);
      if (typeof input.ScalableDimension !== 'string' || input.ScalableDimension.length === 0) {
        throw validation("1 validation error detected: Value null at 'scalableDimension' failed to satisfy constraint: Member must not be null");
      }
      targets.deregister(namespace, resourceId, input.ScalableDimension);
      return {};
    },
    DescribeScalableTargets(input) {
      const namespace = requireNamespace(input.ServiceNamespace);
      const ids = resourceIds(input.ResourceIds);
      const dimension = input.ScalableDimension as unknown;
      if (dimension !== undefined && dimension !== null && typeof dimension !== 'string') throw validation("Value at 'scalableDimension' must be a string");
      if (dimension && !ids?.length) throw validation('If you specify a scalable dimension, you must also specify a resource ID');
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
      const token = more ? tokens.encode('DescribeScalableTargets', targetOrder(page[page.length - 1]), filters) : undefined;
      return { ScalableTargets: page.map(serializeTarget), ...(token ? { NextToken: token } : {}) };
    },
  };
  return {
    service: { name: 'application-autoscaling', targetPrefix: 'AnyScaleFrontendService', jsonVersion: '1.1', operations },
    register: (input) => void targets.register(input),
    ecsMaxCapacity: (cluster, service) => targets.ecsMaxCapacity(cluster, service),
  };
}
