/**
 * The scalable targets of one sandbox account and region, with the validation Application Auto Scaling
 * applies to them. Only the `ecs` namespace is emulated (`service/<cluster>/<service>`,
 * `ecs:service:DesiredCount`); other namespaces of the API's enum list nothing and cannot be registered.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../core/errors.js';
import type { SandboxContext } from '../core/types.js';

/** ServiceNamespace enum values of the API (ValidationException for anything else). */
export const SERVICE_NAMESPACES = [
  'ecs', 'elasticmapreduce', 'ec2', 'appstream', 'dynamodb', 'rds', 'sagemaker', 'custom-resource', 'comprehend',
  'lambda', 'cassandra', 'kafka', 'elasticache', 'neptune', 'workspaces',
] as const;

export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

export interface ScalableTarget {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  arn: string;
  createdAt: number;
  suspendedState: { DynamicScalingInSuspended: boolean; DynamicScalingOutSuspended: boolean; ScheduledScalingSuspended: boolean };
}

export interface RegisterInput {
  ServiceNamespace?: unknown;
  ResourceId?: unknown;
  ScalableDimension?: unknown;
  MinCapacity?: unknown;
  MaxCapacity?: unknown;
  RoleARN?: unknown;
  SuspendedState?: unknown;
}

/** Tells whether an ECS service exists and is ACTIVE (AWS refuses targets for services it does not know). */
export type EcsServiceLookup = (cluster: string, service: string) => boolean;

/** A ValidationException in the wording AWS uses for constraint failures. */
export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** Checks the ServiceNamespace member against the API's enum. */
export function requireNamespace(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw validation("1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null");
  if (!(SERVICE_NAMESPACES as readonly string[]).includes(value)) {
    throw validation(`1 validation error detected: Value '${value}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${SERVICE_NAMESPACES.join(', ')}]`);
  }
  return value;
}

/** Checks a ResourceId member (1 to 1600 characters). */
export function requireResourceId(value: unknown, member = 'resourceId'): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 1600) {
    throw validation(`1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and 1600`);
  }
  return value;
}

function capacity(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw validation(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must be a non-negative integer`);
  }
  return value;
}

/** Sort key of a target: resource id, then dimension, compared by code unit (as NextToken cursors compare). */
export const targetOrder = (t: { resourceId: string; scalableDimension: string }): string => `${t.resourceId}\u0000${t.scalableDimension}`;

const key = (namespace: string, resourceId: string, dimension: string) => `${namespace}|${resourceId}|${dimension}`;

/** The registry of scalable targets; every change goes through register/deregister so validation is shared. */
export class ScalableTargets {
  private readonly byKey = new Map<string, ScalableTarget>();

  constructor(private readonly ctx: SandboxContext, private readonly ecsService: EcsServiceLookup) {}

  /** Creates or updates a target (RegisterScalableTarget semantics); returns it. */
  register(input: RegisterInput): ScalableTarget {
    const namespace = requireNamespace(input.ServiceNamespace);
    const resourceId = requireResourceId(input.ResourceId);
    const dimension = input.ScalableDimension;
    if (typeof dimension !== 'string' || dimension.length === 0) throw validation("1 validation error detected: Value null at 'scalableDimension' failed to satisfy constraint: Member must not be null");
    if (namespace !== 'ecs') throw validation(`the sandbox emulates scalable targets of service namespace ecs only, not ${namespace}`);
    if (dimension !== ECS_DESIRED_COUNT) throw validation(`Unsupported service namespace, resource type or scalable dimension: ${dimension}`);
    const parts = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
    if (!parts) throw validation(`Unsupported service namespace, resource type or scalable dimension: ResourceId ${resourceId} must look like service/<cluster>/<service>`);
    if (!this.ecsService(parts[1], parts[2])) throw validation(`ECS service doesn't exist: ${resourceId}`);
    const min = capacity(input.MinCapacity, 'minCapacity');
    const max = capacity(input.MaxCapacity, 'maxCapacity');
    const existing = this.byKey.get(key(namespace, resourceId, dimension));
    if (!existing && (min === undefined || max === undefined)) throw validation('MinCapacity and MaxCapacity are required for registering a new scalable target');
    const minCapacity = min ?? existing!.minCapacity;
    const maxCapacity = max ?? existing!.maxCapacity;
    if (minCapacity > maxCapacity) throw validation(`Minimum capacity (${minCapacity}) cannot be greater than maximum capacity (${maxCapacity})`);
    const suspended = (input.SuspendedState ?? {}) as Record<string, unknown>;
    const target: ScalableTarget = {
      serviceNamespace: namespace,
      resourceId,
      scalableDimension: dimension,
      minCapacity,
      maxCapacity,
      roleArn: typeof input.RoleARN === 'string' ? input.RoleARN : existing?.roleArn ?? `arn:aws:iam::${this.ctx.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      arn: existing?.arn ?? `arn:aws:application-autoscaling:${this.ctx.region}:${this.ctx.account}:scalable-target/${randomBytes(18).toString('hex')}`,
      createdAt: existing?.createdAt ?? this.ctx.clock.now(),
      suspendedState: {
        DynamicScalingInSuspended: Boolean(suspended.DynamicScalingInSuspended ?? existing?.suspendedState.DynamicScalingInSuspended),
        DynamicScalingOutSuspended: Boolean(suspended.DynamicScalingOutSuspended ?? existing?.suspendedState.DynamicScalingOutSuspended),
        ScheduledScalingSuspended: Boolean(suspended.ScheduledScalingSuspended ?? existing?.suspendedState.ScheduledScalingSuspended),
      },
    };
    this.byKey.set(key(namespace, resourceId, dimension), target);
    return target;
  }

  /** Removes a target, or raises ObjectNotFoundException as AWS does. */
  deregister(namespace: string, resourceId: string, dimension: string): void {
    if (!this.byKey.delete(key(namespace, resourceId, dimension))) {
      throw new AwsError('ObjectNotFoundException', `No scalable target registered for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}`);
    }
  }

  /** Targets of a namespace in targetOrder (the order pages are cut in). */
  list(namespace: string): ScalableTarget[] {
    return [...this.byKey.values()]
      .filter((t) => t.serviceNamespace === namespace)
      .sort((a, b) => (targetOrder(a) < targetOrder(b) ? -1 : 1));
  }

  /** MaxCapacity of an ECS service's desired-count target, when it has one. */
  ecsMaxCapacity(cluster: string, service: string): number | undefined {
    return this.byKey.get(key('ecs', `service/${cluster}/${service}`, ECS_DESIRED_COUNT))?.maxCapacity;
  }
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
