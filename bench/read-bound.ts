/**
 * The lower bound of a full read for the bench policy (every rule on, every bench cluster, one namespace),
 * derived from the fleet's shape in the emulator and from what the rules must read to decide each finding;
 * written independently of the controller's reader (it imports nothing from controller/). Every list and
 * describe at the API's largest page or batch size. Notation: C clusters; per cluster S_c ACTIVE services,
 * U_c non-ACTIVE services still named by an ECS-registered instance (ListServices omits them, only a describe
 * by name finds them); N namespaces; T Cloud Map services in the account (Cloud Map pages before it filters by
 * namespace); in the namespace read, I_s instances of service s; per cluster K_c the task ids of the
 * ECS-registered instances naming it, L_c its ACTIVE Service Connect clients with r_i running tasks each.
 *
 *   ecs:ListClusters          max(1, ceil(C/100))        orphans: a Cloud Map service is unreferenced only if no
 *   ecs:ListServices          Σ_c max(1, ceil(S_c/100))  ECS service in any cluster refers to it
 *   ecs:DescribeServices      Σ_c ceil(S_c/10) + ceil(U_c/10)   registries, deployments, counts
 *   ecs:DescribeTasks         Σ_c ceil(|K_c ∪ client tasks|/100)  an instance is stale only if its task is
 *                             proven stopped or gone (a describe after the instance listing; a listing page
 *                             proves "running" for 100 ids, no more than a describe batch does); the
 *                             deployment of each client task (serviceConnectRefresh)
 *   ecs:ListTasks             Σ_c min(Σ_i<L_c max(1, ceil(r_i/100)), max(1, ceil(R_c/100))) where L_c > 0
 *   servicediscovery:ListNamespaces  max(1, ceil(N/100))
 *   servicediscovery:ListServices    max(1, ceil(T/100)) per namespace read
 *   servicediscovery:ListInstances   Σ_s max(1, ceil(I_s/100)), except a service whose InstanceCount is 0 and that
 *                             a live ECS service refers to (no finding rests on it); an unreferenced one must be
 *                             listed even when InstanceCount says 0: its deletion must prove it empty, and
 *                             InstanceCount lags registrations
 *   servicediscovery:ListTagsForResource  1 per Cloud Map service with a candidate finding (a TTL above the
 *                             policy's max; unreferenced; or an ECS-registered instance whose task is not
 *                             running): protect tags change a decision only there
 *   application-autoscaling:DescribeScalableTargets  min(ceil(A/50), max(1, ceil(E/50))) when A > 0, A = ACTIVE
 *                             services using service discovery (taskLimit), E = the account's ECS scalable targets
 *   ecs:DescribeTaskDefinition  D = distinct task definition revisions run (deployments and task sets) by ECS
 *                             services still listed (not INACTIVE) that register into a Cloud Map service of the
 *                             namespace with a DNS record above 0 s: dnsTtl's drain bound (drainBound report, the
 *                             default) judges every such record against the shortest stopTimeout of those revisions,
 *                             and a revision has no batch describe
 * Not counted (0 in the generated fleet, which has no Service Connect and no foreign namespace): Service Connect
 * history of servers (ListServiceDeployments, DescribeServiceRevisions) and GetService for registries in other
 * namespaces; CloudTrail LookupEvents (ownership evidence) is paced and excluded from both sides.
 */
import type { Sandbox } from '../sandbox/index.js';

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
const batches = (n: number, size: number) => Math.ceil(n / size);
const idOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** The per-operation lower bound for the bench policy over the emulator's current fleet. */
export function readLowerBound(sandbox: Sandbox, namespaceName: string, maxTtlSeconds: number): Record<string, number> {
  const state = sandbox.ecs.state;
  const cloudMap = sandbox.cloudMap;
  const bound: Record<string, number> = {};
  const add = (op: string, n: number) => {
    if (n > 0) bound[op] = (bound[op] ?? 0) + n;
  };
  const namespace = cloudMap.namespaceByRef(namespaceName);
  const inScope = cloudMap.services().filter((s) => s.namespaceId === namespace?.id);

  // Which Cloud Map services a live ECS service refers to, and the task ids instances name per cluster.
  const referenced = new Set<string>();
  // dnsTtl's drain bound: the revisions registering into a DNS service of the namespace whose records could outlive it.
  const drainJudged = new Set(inScope.filter((s) => s.dnsRecords.some((r) => r.TTL > 0)).map((s) => s.id));
  const revisions = new Set<string>();
  let discoveryServices = 0;
  for (const cluster of state.clusters.values()) {
    for (const service of cluster.services.values()) {
      if (service.status === 'INACTIVE') continue;
      const deploymentsSc = [...service.deployments, ...service.taskSets];
      for (const r of [...service.serviceRegistries, ...service.taskSets.flatMap((t) => t.serviceRegistries)])
        referenced.add(idOf(r.registryArn));
      for (const d of deploymentsSc) for (const r of d.serviceConnectResources) referenced.add(idOf(r.discoveryArn));
      for (const d of deploymentsSc) {
        const into = [
          ...d.serviceRegistries.map((r) => r.cloudMapServiceId),
          ...d.serviceConnectResources.map((r) => idOf(r.discoveryArn)),
        ];
        if (into.some((id) => drainJudged.has(id))) revisions.add(d.taskDefinition.arn);
      }
      const serviceConnect = Boolean(
        service.serviceConnect?.enabled && (service.serviceConnect.services?.length ?? 0) > 0,
      );
      if (service.status === 'ACTIVE' && (service.serviceRegistries.length > 0 || serviceConnect)) discoveryServices++;
    }
  }
  const instanceTasks = new Map<string, Set<string>>();
  const namedByInstances = new Map<string, Set<string>>();
  const tagged = new Set<string>();
  for (const service of inScope) {
    const instances = cloudMap.instances(service.id);
    if (!(instances.length === 0 && referenced.has(service.id)))
      add('servicediscovery:ListInstances', pages(instances.length, 100));
    if (!referenced.has(service.id) || service.dnsRecords.some((r) => r.TTL > maxTtlSeconds)) tagged.add(service.id);
    for (const instance of instances) {
      const [clusterName, ecsService] = [instance.attributes.ECS_CLUSTER_NAME, instance.attributes.ECS_SERVICE_NAME];
      if (!clusterName || !ecsService) continue;
      const ids = instanceTasks.get(clusterName) ?? new Set<string>();
      ids.add(instance.id);
      instanceTasks.set(clusterName, ids);
      const task = state.tasks.get(instance.id);
      if (!task || task.cluster.name !== clusterName || task.lastStatus === 'STOPPED') tagged.add(service.id);
      const found = state.clusters.get(clusterName)?.services.get(ecsService);
      if (found && found.status !== 'ACTIVE') {
        const names = namedByInstances.get(clusterName) ?? new Set<string>();
        names.add(ecsService);
        namedByInstances.set(clusterName, names);
      }
    }
  }
  add('servicediscovery:ListTagsForResource', tagged.size);
  add('ecs:DescribeTaskDefinition', revisions.size);

  add('ecs:ListClusters', pages(state.clusters.size, 100));
  for (const cluster of state.clusters.values()) {
    const active = cluster.activeServiceNames.size;
    add('ecs:ListServices', pages(active, 100));
    add('ecs:DescribeServices', batches(active, 10) + batches(namedByInstances.get(cluster.name)?.size ?? 0, 10));
    const described = new Set(instanceTasks.get(cluster.name) ?? []);
    let perClientPages = 0;
    for (const service of cluster.services.values()) {
      if (service.status !== 'ACTIVE' || !service.serviceConnect?.enabled) continue;
      const running = [...state.tasks.values()].filter((t) => t.service === service && t.desiredStatus === 'RUNNING');
      perClientPages += pages(running.length, 100);
      for (const task of running) described.add(task.id);
    }
    if (perClientPages > 0) add('ecs:ListTasks', Math.min(perClientPages, pages(cluster.runningTaskIds.size, 100)));
    add('ecs:DescribeTasks', batches(described.size, 100));
  }
  if (discoveryServices > 0)
    add(
      'application-autoscaling:DescribeScalableTargets',
      Math.min(batches(discoveryServices, 50), pages(ecsScalableTargets(sandbox), 50)),
    );
  add('servicediscovery:ListNamespaces', pages(cloudMap.namespaces().length, 100));
  if (namespace) add('servicediscovery:ListServices', pages(cloudMap.services().length, 100));
  return bound;
}

/** E in the formula: the ECS scalable targets the emulator holds, counted through its own operation in process. */
function ecsScalableTargets(sandbox: Sandbox): number {
  const describe = sandbox.autoScaling.service.operations.DescribeScalableTargets;
  let count = 0;
  let NextToken: string | undefined;
  do {
    const page = describe({ ServiceNamespace: 'ecs', MaxResults: 50, ...(NextToken ? { NextToken } : {}) }) as {
      ScalableTargets: unknown[];
      NextToken?: string;
    };
    count += page.ScalableTargets.length;
    NextToken = page.NextToken;
  } while (NextToken);
  return count;
}

/** The formula, for the benchmark's output. */
export const LOWER_BOUND_FORMULA = [
  'lower bound (bench/read-bound.ts; from the fleet and what each rule must read, largest pages and batches):',
  '  ListClusters max(1,⌈C/100⌉) + ListServices Σc max(1,⌈Sc/100⌉) + DescribeServices Σc ⌈Sc/10⌉+⌈Uc/10⌉',
  '  + DescribeTasks Σc ⌈|instance task ids ∪ Service Connect client tasks|/100⌉ + ListTasks per cluster with clients',
  '  + ListNamespaces + Cloud Map ListServices ⌈T/100⌉ per namespace + ListInstances Σs max(1,⌈Is/100⌉) (not for a',
  '    referenced service with InstanceCount 0) + ListTagsForResource per service with a candidate finding',
  '  + DescribeScalableTargets min(⌈A/50⌉, max(1,⌈E/50⌉)) + DescribeTaskDefinition D (distinct revisions registering',
  '    into a DNS service of the namespace: dnsTtl drain bound)',
].join('\n');
