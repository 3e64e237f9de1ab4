/**
 * The DescribeTasks recheck both the full read and the signal resync make after Cloud Map instances were listed:
 * only a describe made after the listing proves the task of an instance running, shutting down, stopped or gone.
 */
import type { CloudMapService, Cluster, EcsTask } from '../inventory/model.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import { recheckTasks } from './ecs-reader.js';
import type { ReadContext } from './read-context.js';

/**
 * DescribeTasks, by id, 100 per call, for every ECS-registered instance of `services` whose task `tasks` does not
 * already hold (a Service Connect client's, or one started since the tasks were read). Describing the ids is
 * never dearer than listing the cluster's running tasks and describing the ids missing from the listing
 * (ceil(I/100) against ceil(R/100) + ceil(M/100), with I <= R + M). Returns the tasks the describes found (only
 * those) and when each "cluster/id" they answered was checked.
 */
export async function recheckInstanceTasks(
  ctx: ReadContext,
  clusters: readonly Cluster[],
  tasks: readonly EcsTask[],
  services: readonly CloudMapService[],
): Promise<{ tasks: EcsTask[]; taskRechecks: Record<string, number> }> {
  const known = new Set(tasks.map((t) => `${t.clusterName}/${t.id}`));
  const byCluster = new Map<string, Set<string>>();
  for (const service of services) {
    for (const instance of service.instances ?? []) {
      const clusterName = instance.attributes[ECS_ATTRIBUTES.cluster];
      if (!clusterName || !instance.attributes[ECS_ATTRIBUTES.service] || known.has(`${clusterName}/${instance.id}`))
        continue;
      const ids = byCluster.get(clusterName) ?? new Set<string>();
      ids.add(instance.id);
      byCluster.set(clusterName, ids);
    }
  }
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const taskRechecks: Record<string, number> = {};
  const found: EcsTask[] = [];
  await Promise.all(
    [...byCluster].map(async ([clusterName, ids]) => {
      const cluster = byName.get(clusterName);
      // A cluster that was not read (gone, or out of scope) has no listing to recheck against.
      if (!cluster) return;
      const result = await recheckTasks(ctx, cluster, [...ids]);
      const at = ctx.now();
      for (const id of result.answered) taskRechecks[`${clusterName}/${id}`] = at;
      found.push(...result.tasks);
    }),
  );
  return { tasks: found, taskRechecks };
}
