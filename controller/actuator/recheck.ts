/**
 * Re-reads, just before a deletion, what could make it wrong: the task of an instance about to be deregistered,
 * and the ECS services (and their task sets) that could still refer to a Cloud Map service about to be deleted.
 * A plan made from a cache is a proposal, not a licence.
 */
import { DescribeServicesCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { awsErrorCode } from '../aws/clients.js';
import type { ExecutorContext } from './context.js';

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** The task's status now when it exists and is not STOPPED (still ECS's to deregister), else undefined. */
export async function liveTaskStatus(
  ctx: ExecutorContext,
  cluster: string,
  taskId: string,
): Promise<string | undefined> {
  try {
    const out = await ctx.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskId] }));
    const failure = out.failures?.find((f) => f.reason !== 'MISSING');
    if (failure) throw new Error(`DescribeTasks could not describe task ${taskId} in ${cluster}: ${failure.reason}`);
    const task = out.tasks?.find((t) => lastSegment(t.taskArn ?? '') === taskId);
    return task && task.lastStatus !== 'STOPPED' ? (task.lastStatus ?? 'UNKNOWN') : undefined;
  } catch (error) {
    // A cluster that no longer exists has no task to protect.
    if (awsErrorCode(error) === 'ClusterNotFoundException') return undefined;
    throw error;
  }
}

/** The first named ECS service, ACTIVE or DRAINING, whose registries or task sets' registries name the Cloud Map service. */
export async function liveReferrer(
  ctx: ExecutorContext,
  serviceId: string,
  names: readonly { cluster: string; service: string }[],
): Promise<string | undefined> {
  const byCluster = new Map<string, string[]>();
  for (const n of names) byCluster.set(n.cluster, [...(byCluster.get(n.cluster) ?? []), n.service]);
  for (const [cluster, services] of byCluster) {
    for (let i = 0; i < services.length; i += 10) {
      let out;
      try {
        out = await ctx.clients.ecs.send(new DescribeServicesCommand({ cluster, services: services.slice(i, i + 10) }));
      } catch (error) {
        if (awsErrorCode(error) === 'ClusterNotFoundException') break;
        throw error;
      }
      const failure = out.failures?.find((f) => f.reason !== 'MISSING');
      if (failure)
        throw new Error(
          `DescribeServices could not describe ${failure.arn ?? 'a service'} in ${cluster}: ${failure.reason}`,
        );
      for (const svc of out.services ?? []) {
        if (svc.status !== 'ACTIVE' && svc.status !== 'DRAINING') continue;
        const registries = [
          ...(svc.serviceRegistries ?? []),
          ...(svc.taskSets ?? []).flatMap((t) => t.serviceRegistries ?? []),
        ];
        if (registries.some((r) => lastSegment(r.registryArn ?? '') === serviceId))
          return `${cluster}/${svc.serviceName} (${svc.status})`;
      }
    }
  }
  return undefined;
}
