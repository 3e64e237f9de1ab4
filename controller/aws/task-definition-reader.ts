/**
 * Task definitions, for dnsTtl's drain bound: the containers' stopTimeout of every revision an ECS service that
 * registers into Cloud Map runs (its deployments and task sets). A revision never changes once registered
 * (ECS API reference, RegisterTaskDefinition: a new one is a new revision), so each is described once per
 * reader: the cache is owned per target across reads (InventoryReadOptions.taskDefinitions), like ownership
 * evidence, and a full read after the first makes no DescribeTaskDefinition call for revisions it already knows.
 */
import { DescribeTaskDefinitionCommand, type TaskDefinition as SdkTaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsService, TaskDefinitionStops } from '../inventory/model.js';
import { isEmptyMatcher, matches, type ReadScopePlan } from '../inventory/read-scope.js';
import { registriesOf, taskDefinitionsOf } from '../inventory/facts.js';
import type { ReadContext } from './read-context.js';

/** Task definition ARN -> what was read of it; kept across reads of one target. */
export type TaskDefinitionCache = Map<string, TaskDefinitionStops>;

/** Does the service register tasks into Cloud Map (classic registries, a task set's, or Service Connect)? */
export function registersIntoCloudMap(ecs: EcsService): boolean {
  return registriesOf(ecs).length > 0 || ecs.deployments.some((d) => d.serviceConnectResources.length > 0);
}

/** Maps DescribeTaskDefinition's answer; undefined without an ARN. */
export function toTaskDefinitionStops(definition: SdkTaskDefinition): TaskDefinitionStops | undefined {
  if (!definition.taskDefinitionArn) return undefined;
  return {
    arn: definition.taskDefinitionArn,
    family: definition.family ?? '',
    revision: definition.revision ?? 0,
    containers: (definition.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      ...(c.stopTimeout !== undefined ? { stopTimeoutSeconds: c.stopTimeout } : {}),
    })),
  };
}

/** Task definition ARN -> a cluster running it, for every revision the reader needs (read-budget.ts counts them). */
export function wantedTaskDefinitions(scope: ReadScopePlan, services: readonly EcsService[]): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const ecs of services) {
    if (
      ecs.status === 'INACTIVE' ||
      !registersIntoCloudMap(ecs) ||
      !matches(scope.taskDefinitionClusters, ecs.clusterName, ecs.clusterArn)
    )
      continue;
    for (const arn of taskDefinitionsOf(ecs)) if (!wanted.has(arn)) wanted.set(arn, ecs.clusterName);
  }
  return wanted;
}

/**
 * The task definitions of the services in scope.taskDefinitionClusters that register into Cloud Map: from the
 * cache, else DescribeTaskDefinition (once per revision, kept in the cache). A failed describe is a read error
 * of kind 'task-definitions' (dnsTtl then has no bound for the services running it; pruning is not blocked).
 */
export async function readTaskDefinitions(
  ctx: ReadContext,
  scope: ReadScopePlan,
  services: readonly EcsService[],
  cache: TaskDefinitionCache,
): Promise<Record<string, TaskDefinitionStops>> {
  if (isEmptyMatcher(scope.taskDefinitionClusters)) return {};
  const wanted = wantedTaskDefinitions(scope, services);
  const missing = [...wanted].filter(([arn]) => !cache.has(arn));
  if (missing.length)
    ctx.progress(`ecs: describing ${missing.length} task definitions (${wanted.size - missing.length} known)`);
  await Promise.all(
    missing.map(async ([arn, cluster]) => {
      const out = await ctx.call(
        { kind: 'task-definitions', cluster },
        'ecs:DescribeTaskDefinition',
        () => ctx.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
        arn,
      );
      const stops = out?.taskDefinition ? toTaskDefinitionStops(out.taskDefinition) : undefined;
      // Keyed by the ARN the service names, which is the revision's own ARN.
      if (stops) cache.set(arn, stops);
    }),
  );
  // Revisions no service runs any more are forgotten, so the cache stays the size of the fleet's revisions.
  for (const arn of cache.keys()) if (!wanted.has(arn)) cache.delete(arn);
  const found: Record<string, TaskDefinitionStops> = {};
  for (const arn of wanted.keys()) {
    const stops = cache.get(arn);
    if (stops) found[arn] = stops;
  }
  return found;
}
