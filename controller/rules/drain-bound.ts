/**
 * The drain bound of a Cloud Map service (dnsTtl, issue #15): ECS deregisters a task's instance when the task
 * starts stopping, sends SIGTERM, and kills its containers after their stopTimeout (ContainerDefinition.stopTimeout,
 * ECS API reference: Fargate default 30 s, at most 120 s; on EC2 the agent's ECS_CONTAINER_STOP_TIMEOUT, 30 s by
 * default). A caller that cached the record keeps calling the address for up to the TTL, so a TTL above the
 * shortest stopTimeout (minus a margin for the caller's own retry) means failed calls on every scale-in and
 * deployment.
 */
import type { CloudMapService, Inventory } from '../inventory/model.js';
import { liveReferrers, taskDefinitionsOf } from '../inventory/facts.js';

/** ECS's stop timeout for a container that sets none (Fargate's default, the EC2 agent's default too). */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

export interface DrainBound {
  /** The longest TTL that expires before the task is killed: shortest stopTimeout minus the margin, at least 0. */
  seconds: number;
  stopTimeoutSeconds: number;
  /** "family:revision" of the task definition that set the bound. */
  taskDefinition: string;
  container: string;
  /** "cluster/service" of the ECS services registering into the Cloud Map service. */
  ecsServices: string[];
}

/**
 * The drain bound of the Cloud Map service, from every task definition its live ECS services run (deployments and
 * task sets); undefined when no ECS service registers into it or one of their revisions was not read (a bound
 * from part of them could be too high).
 */
export function drainBound(
  inventory: Inventory,
  service: CloudMapService,
  marginSeconds: number,
): DrainBound | undefined {
  const referrers = liveReferrers(inventory, service);
  if (referrers.length === 0) return undefined;
  let shortest: { seconds: number; taskDefinition: string; container: string } | undefined;
  for (const arn of new Set(referrers.flatMap(taskDefinitionsOf))) {
    const definition = inventory.taskDefinitions?.[arn];
    if (!definition) return undefined;
    for (const container of definition.containers) {
      const seconds = container.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
      if (!shortest || seconds < shortest.seconds)
        shortest = {
          seconds,
          taskDefinition: `${definition.family}:${definition.revision}`,
          container: container.name,
        };
    }
  }
  if (!shortest) return undefined;
  return {
    seconds: Math.max(0, shortest.seconds - marginSeconds),
    stopTimeoutSeconds: shortest.seconds,
    taskDefinition: shortest.taskDefinition,
    container: shortest.container,
    ecsServices: referrers.map((e) => `${e.clusterName}/${e.name}`),
  };
}
