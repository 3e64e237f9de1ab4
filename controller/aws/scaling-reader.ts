/**
 * Application Auto Scaling reads: the maximum task count (MaxCapacity of the `ecs:service:DesiredCount`
 * scalable target) of the ECS services the taskLimit rule looks at, set as EcsService.maxCount.
 *
 * Cost: ResourceIds batched 50 to a call, so ceil(candidates / 50) calls; ECS has one scalable dimension,
 * so a batch's answer always fits one page of MaxResults 50 (more pages are still followed). A full listing of
 * the `ecs` namespace was not chosen: its cost grows with every scalable target in the account and region,
 * including those of clusters no policy covers, which cannot be counted before reading them.
 *
 * Failures are recorded with the 'scaling-targets' scope, which no pruning check matches: a maximum only
 * ever adds a report-only finding, so not knowing it must not stop the Cloud Map cleanup.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import type { EcsService, ReadScope } from '../inventory/model.js';
import { matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { chunk, type ReadContext } from './read-context.js';

export const SCALING_LIMITS = { describeScalableTargets: 50, resourceIdsPerCall: 50 } as const;

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
  if (service.status !== 'ACTIVE' || !matches(scope.scalingClusters, service.clusterName, service.clusterArn)) return false;
  return service.serviceRegistries.length > 0 || service.deployments.some((d) => d.serviceConnect?.enabled && d.serviceConnect.services.length > 0);
}

function scopeOf(batch: readonly EcsService[]): ReadScope {
  const clusters = new Set(batch.map((s) => s.clusterName));
  return clusters.size === 1 ? { kind: 'scaling-targets', cluster: batch[0].clusterName } : { kind: 'scaling-targets' };
}

/** MaxCapacity per scaling resource id, for the services that need one; services without a target are absent. */
export async function readScalingMaxima(ctx: ReadContext, scope: ReadScopePlan, services: readonly EcsService[]): Promise<Map<string, number>> {
  const wanted = services.filter((s) => needsScalingMaximum(scope, s));
  const maxima = new Map<string, number>();
  if (wanted.length === 0) return maxima;
  ctx.progress(`application-autoscaling: reading the maximum task count of ${wanted.length} services`);
  await Promise.all(
    chunk(wanted, SCALING_LIMITS.resourceIdsPerCall).map(async (batch) => {
      const ids = batch.map(scalingResourceId);
      const requested = new Set(ids);
      for await (const page of ctx.pages(
        scopeOf(batch),
        'application-autoscaling:DescribeScalableTargets',
        (NextToken) =>
          ctx.clients.autoScaling.send(
            new DescribeScalableTargetsCommand({
              ServiceNamespace: 'ecs',
              ResourceIds: ids,
              ScalableDimension: ECS_DESIRED_COUNT,
              MaxResults: SCALING_LIMITS.describeScalableTargets,
              NextToken,
            }),
          ),
        (p) => p.NextToken,
      )) {
        for (const target of page.ScalableTargets ?? []) {
          if (target.ScalableDimension !== ECS_DESIRED_COUNT || !target.ResourceId || !requested.has(target.ResourceId)) continue;
          if (typeof target.MaxCapacity === 'number') maxima.set(target.ResourceId, target.MaxCapacity);
        }
      }
    }),
  );
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
