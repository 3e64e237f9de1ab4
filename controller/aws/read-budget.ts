/**
 * The reader's own budget: the calls controller/aws/inventory-reader.ts makes to read a given inventory, per
 * "service:Operation", as a formula over what it read. The integration tests hold the reader to it (a read
 * that makes more calls than its own plan has a bug). It is NOT the benchmark's lower bound: bench/read-bound.ts
 * derives that from the fleet and the rules' needs, independently of this code.
 * The formula (C clusters; per cluster S_c ACTIVE services, U_c services found only by name, L_c Service
 * Connect clients whose running tasks are read with r_i tasks each, K_c instances' task ids described after
 * the instances were listed (inventory.taskRechecks); N namespaces, T Cloud Map services in the account; per
 * service I_s instances):
 *   ecs:ListClusters             max(1, ceil(C/100))
 *   ecs:ListServices             Σ_c max(1, ceil(S_c/100))
 *   ecs:DescribeServices         Σ_c ceil(S_c/10) + ceil(U_c/10)
 *   ecs:ListTasks                Σ_c Σ_i<L_c max(1, ceil(r_i/100))
 *   ecs:DescribeTasks            Σ_c ceil(Σ_i r_i/100) + ceil(K_c/100)
 *   servicediscovery:ListNamespaces       max(1, ceil(N/100))
 *   servicediscovery:ListServices         per namespace in scope max(1, ceil(T/100))   (Cloud Map pages, then filters)
 *   servicediscovery:ListInstances        per service in an orphan-scope namespace max(1, ceil(I_s/100)), but none
 *                                         for a service ListServices reported empty that a live ECS service refers to
 *   servicediscovery:ListTagsForResource  per service in a tag-scope namespace that some finding acts on 1
 *                                         (tagsRead in the inventory)
 *   servicediscovery:GetService           per referenced Cloud Map service outside the namespaces read 1
 *   ecs:ListServiceDeployments   per Service Connect server whose first deployment is no longer listed 1 (pages of 100)
 *   ecs:DescribeServiceRevisions per such server ceil(H_s/20), H_s its revisions older than the listed deployments
 *   application-autoscaling:DescribeScalableTargets  when A > 0: min(ceil(A/50), max(1, ceil(E/50))), A = ACTIVE
 *                                         service-discovery services in clusters a taskLimit policy covers
 *                                         (scaling-reader.ts needsScalingMaximum), E = the ECS scalable targets of
 *                                         the account and region (batches of ResourceIds, or one paged listing:
 *                                         the reader lists, as E is at most 3,000 by quota)
 *   ecs:DescribeTaskDefinition   per distinct revision run by a live service that registers into Cloud Map, in a
 *                                         cluster whose task definitions are read (dnsTtl's drain bound), with an
 *                                         empty task definition cache (a later read describes only new revisions)
 * cloudtrail:LookupEvents (ownership evidence for unreferenced services) is not part of the bound: it is paced
 * at two calls a second and walks only as much history as the evidence it still lacks needs.
 */
import type { Inventory } from '../inventory/model.js';
import { matches, planReadScope } from '../inventory/read-scope.js';
import type { Policy } from '../policy/types.js';
import { needsScalingMaximum, SCALING_LIMITS } from './scaling-reader.js';
import { HISTORY_LIMITS, needsServiceConnectHistory } from './ecs-history-reader.js';
import { serviceConnectOf } from '../inventory/facts.js';
import { wantedTaskDefinitions } from './task-definition-reader.js';

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
const batches = (n: number, size: number) => Math.ceil(n / size);

/**
 * Calls the reader makes to read `inventory` for `policies`. `cloudMapServicesInAccount` is T above (default:
 * the Cloud Map services in the inventory, right when every namespace is in scope); `scalableTargetsInAccount`
 * is E (default: the services the inventory has a maximum for, which is all of them when no other service
 * of the account has a scalable target).
 */
export function readBudget(
  inventory: Inventory,
  policies: readonly Policy[],
  cloudMapServicesInAccount?: number,
  scalableTargetsInAccount?: number,
): Record<string, number> {
  const scope = planReadScope(policies);
  const out: Record<string, number> = {};
  const add = (op: string, n: number) => {
    if (n > 0) out[op] = (out[op] ?? 0) + n;
  };
  if (inventory.clusters.length > 0 || inventory.namespaces.length > 0) {
    add('ecs:ListClusters', pages(inventory.clusters.length, 100));
    add('servicediscovery:ListNamespaces', pages(inventory.namespaces.length, 100));
  }
  let scalingReads = 0;
  for (const cluster of inventory.clusters) {
    if (matches(scope.serviceClusters, cluster.name, cluster.arn)) {
      const services = inventory.services.filter((s) => s.clusterName === cluster.name);
      const listed = services.filter((s) => s.status === 'ACTIVE').length;
      add('ecs:ListServices', pages(listed, 100));
      add('ecs:DescribeServices', batches(listed, 10) + batches(services.length - listed, 10));
      for (const service of services.filter(needsServiceConnectHistory)) {
        add('ecs:ListServiceDeployments', 1);
        add(
          'ecs:DescribeServiceRevisions',
          batches(service.serviceConnectHistory?.length ?? 0, HISTORY_LIMITS.describeServiceRevisions),
        );
      }
      scalingReads += services.filter((s) => needsScalingMaximum(scope, s)).length;
    }
    if (matches(scope.taskClusters, cluster.name, cluster.arn)) {
      const rechecks = Object.keys(inventory.taskRechecks ?? {}).filter((k) => k.startsWith(`${cluster.name}/`));
      const rechecked = new Set(rechecks);
      // Tasks the rechecks found are in the inventory too, but were not listed.
      const listed = inventory.tasks.filter(
        (t) => t.clusterName === cluster.name && !rechecked.has(`${cluster.name}/${t.id}`),
      );
      let clientTasks = 0;
      if (matches(scope.serviceConnectClusters, cluster.name, cluster.arn)) {
        for (const client of inventory.services.filter(
          (s) => s.clusterName === cluster.name && s.status === 'ACTIVE' && serviceConnectOf(s),
        )) {
          const tasks = listed.filter((t) => t.serviceName === client.name).length;
          add('ecs:ListTasks', pages(tasks, 100));
          clientTasks += tasks;
        }
      }
      add('ecs:DescribeTasks', batches(clientTasks, 100) + batches(rechecks.length, 100));
    }
  }
  add('ecs:DescribeTaskDefinition', wantedTaskDefinitions(scope, inventory.services).size);
  // Over the account's total, not per cluster: batches would span clusters, the listing covers them all.
  if (scalingReads > 0) {
    const listed = scalableTargetsInAccount ?? inventory.services.filter((s) => s.maxCount !== undefined).length;
    add(
      'application-autoscaling:DescribeScalableTargets',
      Math.min(batches(scalingReads, 50), pages(listed, SCALING_LIMITS.describeScalableTargets)),
    );
  }
  const total = cloudMapServicesInAccount ?? inventory.cloudMapServices.length;
  const readNamespaces = new Set<string>();
  for (const ns of inventory.namespaces) {
    if (!matches(scope.namespaces, ns.name, ns.id, ns.arn)) continue;
    readNamespaces.add(ns.id);
    add('servicediscovery:ListServices', pages(total, 100));
    const instances = matches(scope.instanceNamespaces, ns.name, ns.id, ns.arn);
    if (!instances && !matches(scope.tagNamespaces, ns.name, ns.id, ns.arn)) continue;
    const failed = (op: string, id: string) =>
      inventory.readErrors.some(
        (e) => e.operation === op && e.scope.kind === 'cloudmap-service' && e.scope.serviceId === id,
      );
    for (const service of inventory.cloudMapServices.filter((s) => s.namespaceId === ns.id)) {
      // Skipped: services reported empty that a live ECS service refers to (instances stay undefined).
      if (instances && (service.instances !== undefined || failed('servicediscovery:ListInstances', service.id)))
        add('servicediscovery:ListInstances', pages(service.instances?.length ?? 0, 100));
      if (service.tagsRead || failed('servicediscovery:ListTagsForResource', service.id))
        add('servicediscovery:ListTagsForResource', 1);
    }
  }
  add(
    'servicediscovery:GetService',
    inventory.cloudMapServices.filter((s) => !readNamespaces.has(s.namespaceId)).length,
  );
  return out;
}

/** Sum of a per-operation call map. */
export function totalCalls(calls: Readonly<Record<string, number>>): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}
