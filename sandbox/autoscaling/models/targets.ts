/**
 * The scalable targets of one sandbox account and region, with the validation Application Auto Scaling
 * applies to them. Only the `ecs` namespace is emulated (`service/<cluster>/<service>`,
 * `ecs:service:DesiredCount`); other namespaces of the API's enum list nothing and cannot be registered.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import type { SandboxContext } from '../../core/types.js';

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
  suspendedState: {
    DynamicScalingInSuspended: boolean;
    DynamicScalingOutSuspended: boolean;
    ScheduledScalingSuspended: boolean;
  };
}

/** A validated RegisterScalableTarget request (responses/targets.ts reads it). */
export interface RegisterSpec {
  namespace: string;
  resourceId: string;
  dimension: string;
  minCapacity?: number;
  maxCapacity?: number;
  roleArn?: string;
  suspendedState?: Partial<ScalableTarget['suspendedState']>;
}

/** Tells whether an ECS service exists and is ACTIVE (AWS refuses targets for services it does not know). */
export type EcsServiceLookup = (cluster: string, service: string) => boolean;

/** Sort key of a target: resource id, then dimension, compared by code unit (as NextToken cursors compare). */
export const targetOrder = (t: { resourceId: string; scalableDimension: string }): string =>
  `${t.resourceId}\u0000${t.scalableDimension}`;

const key = (namespace: string, resourceId: string, dimension: string) => `${namespace}|${resourceId}|${dimension}`;

/** A ValidationException, the error of every constraint Application Auto Scaling checks. */
const validation = (message: string) => new AwsError('ValidationException', message);

/** The registry of scalable targets; every change goes through register/deregister so the rules hold for API and scenario alike. */
export class ScalableTargets {
  private readonly byKey = new Map<string, ScalableTarget>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly ecsService: EcsServiceLookup,
  ) {}

  /** Creates or updates a target (RegisterScalableTarget semantics); returns it. */
  register(spec: RegisterSpec): ScalableTarget {
    const { namespace, resourceId, dimension } = spec;
    if (namespace !== 'ecs')
      throw validation(`the sandbox emulates scalable targets of service namespace ecs only, not ${namespace}`);
    if (dimension !== ECS_DESIRED_COUNT)
      throw validation(`Unsupported service namespace, resource type or scalable dimension: ${dimension}`);
    const parts = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
    if (!parts)
      throw validation(
        `Unsupported service namespace, resource type or scalable dimension: ResourceId ${resourceId} must look like service/<cluster>/<service>`,
      );
    if (!this.ecsService(parts[1], parts[2])) throw validation(`ECS service doesn't exist: ${resourceId}`);
    const existing = this.byKey.get(key(namespace, resourceId, dimension));
    if (!existing && (spec.minCapacity === undefined || spec.maxCapacity === undefined))
      throw validation('MinCapacity and MaxCapacity are required for registering a new scalable target');
    const minCapacity = spec.minCapacity ?? existing!.minCapacity;
    const maxCapacity = spec.maxCapacity ?? existing!.maxCapacity;
    if (minCapacity > maxCapacity)
      throw validation(`Minimum capacity (${minCapacity}) cannot be greater than maximum capacity (${maxCapacity})`);
    const suspended = spec.suspendedState ?? {};
    const target: ScalableTarget = {
      serviceNamespace: namespace,
      resourceId,
      scalableDimension: dimension,
      minCapacity,
      maxCapacity,
      roleArn:
        spec.roleArn ??
        existing?.roleArn ??
        `arn:aws:iam::${this.ctx.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      arn:
        existing?.arn ??
        `arn:aws:application-autoscaling:${this.ctx.region}:${this.ctx.account}:scalable-target/${randomBytes(18).toString('hex')}`,
      createdAt: existing?.createdAt ?? this.ctx.clock.now(),
      suspendedState: {
        DynamicScalingInSuspended: Boolean(
          suspended.DynamicScalingInSuspended ?? existing?.suspendedState.DynamicScalingInSuspended,
        ),
        DynamicScalingOutSuspended: Boolean(
          suspended.DynamicScalingOutSuspended ?? existing?.suspendedState.DynamicScalingOutSuspended,
        ),
        ScheduledScalingSuspended: Boolean(
          suspended.ScheduledScalingSuspended ?? existing?.suspendedState.ScheduledScalingSuspended,
        ),
      },
    };
    this.byKey.set(key(namespace, resourceId, dimension), target);
    return target;
  }

  /** Removes a target, or raises ObjectNotFoundException as AWS does. */
  deregister(namespace: string, resourceId: string, dimension: string): void {
    if (!this.byKey.delete(key(namespace, resourceId, dimension))) {
      throw new AwsError(
        'ObjectNotFoundException',
        `No scalable target registered for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
      );
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
