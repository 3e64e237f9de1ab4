/**
 * Application Auto Scaling reads: the maximum task count (MaxCapacity of the `ecs:service:DesiredCount`
 * scalable target) of the ECS services the taskLimit rule looks at, set as EcsService.maxCount.
 *
 * Cost: one DescribeScalableTargets listing of the `ecs` namespace per account and region (per target),
 * paged 50 at a time: max(1, ceil(E/50)) calls, E the account's ECS scalable targets in the region. E is
 * bounded by the Application Auto Scaling quota of 3,000 ECS scalable targets per account and Region
 * (adjustable; "Quotas for Application Auto Scaling"), so at most 60 pages by default, where batches of
 * ResourceIds cost ceil(A/50) for the A services that need a maximum (200 calls at 10,000 services). The
 * listing carries no ScalableDimension filter: the API accepts one only together with ResourceIds
 * (DescribeScalableTargets, ScalableDimension); ECS has the one dimension, and others are skipped here.
 *
 * Failures are recorded with the 'scaling-targets' scope, which no pruning check matches: a maximum only
 * ever adds a report-only finding, so not knowing it must not stop the Cloud Map cleanup.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import type { EcsService } from '../inventory/model.js';
import { matches, type ReadScopePlan } from '../inventory/read-scope.js';
import type { ReadContext } from './read-context.js';

export const SCALING_LIMITS = { describeScalableTargets: 50 } as const;

const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

/** Application Auto Scaling's id of an ECS service: "service/<cluster name>/<service name>". */
export function scalingResourceId(service: Pick<EcsService, 'clusterName' | 'name'>): string {
  return `service/${service.clusterName}/${service.name}`;
}

/**
 * Does the taskLimit rule need this service's maximum? ACTIVE, in a cluster a taskLimit policy covers, and
 * using service discovery in any deployment (a superset of rules/task-limit.ts's test, which looks at the
 * primary deployment only; reading more is safe, reading less is not).
 */
export function needsScalingMaximum(scope: ReadScopePlan, service: EcsService): boolean {
  if (service.status !== 'ACTIVE' || !matches(scope.scalingClusters, service.clusterName, service.clusterArn))
    return false;
  return (
    service.serviceRegistries.length > 0 ||
    service.deployments.some((d) => d.serviceConnect?.enabled && d.serviceConnect.services.length > 0)
  );
}

/** MaxCapacity per scaling resource id, for the services that need one; services without a target are absent. */
export async function readScalingMaxima(
  ctx: ReadContext,
  scope: ReadScopePlan,
  services: readonly EcsService[],
): Promise<Map<string, number>> {
  const wanted = new Set(services.filter((s) => needsScalingMaximum(scope, s)).map(scalingResourceId));
  const maxima = new Map<string, number>();
  if (wanted.size === 0) return maxima;
  ctx.progress(
    `application-autoscaling: listing the ECS scalable targets for the maximum task count of ${wanted.size} services`,
  );
  for await (const page of ctx.pages(
    { kind: 'scaling-targets' },
    'application-autoscaling:DescribeScalableTargets',
    (NextToken) =>
      ctx.clients.autoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          MaxResults: SCALING_LIMITS.describeScalableTargets,
          NextToken,
        }),
      ),
    (p) => p.NextToken,
  )) {
    for (const target of page.ScalableTargets ?? []) {
      if (target.ScalableDimension !== ECS_DESIRED_COUNT || !target.ResourceId || !wanted.has(target.ResourceId))
        continue;
      if (typeof target.MaxCapacity === 'number') maxima.set(target.ResourceId, target.MaxCapacity);
    }
  }
  return maxima;
}

/** The services with maxCount set from `maxima` (a service without a scalable target keeps no maxCount). */
export function withScalingMaxima(services: readonly EcsService[], maxima: ReadonlyMap<string, number>): EcsService[] {
  if (maxima.size === 0) return [...services];
  return services.map((s) => {
    const maxCount = maxima.get(scalingResourceId(s));
    return maxCount === undefined ? s : { ...s, maxCount };
  });
}

/**
 * Re-described services lose maxCount (DescribeServices does not carry it): a targeted refresh copies it from
 * the cached copy instead of spending calls on it, and the next full read (the resync) reads it again.
 */
export function keepScalingMaxima(fresh: readonly EcsService[], cached: readonly EcsService[]): EcsService[] {
  const known = new Map<string, number>();
  for (const s of cached) if (s.maxCount !== undefined) known.set(scalingResourceId(s), s.maxCount);
  return withScalingMaxima(fresh, known);
}
