/**
 * ECS reads: clusters, services and tasks at the largest page and batch sizes the API allows, with each
 * page's describe calls started while the next page is fetched.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  type DesiredStatus,
} from '@aws-sdk/client-ecs';
import type { Cluster, EcsService, EcsTask, ReadScope } from '../inventory/model.js';
import { toEcsService, toEcsTask } from './ecs-mappers.js';
import { withServiceConnectHistory } from './ecs-history-reader.js';
import { arnName, chunk, type ReadContext } from './read-context.js';

export const ECS_LIMITS = {
  listClusters: 100,
  listServices: 100,
  describeServices: 10,
  listTasks: 100,
  describeTasks: 100,
} as const;

const ACCOUNT: ReadScope = { kind: 'account' };

function clusterScope(cluster: string): ReadScope {
  return { kind: 'cluster', cluster };
}

/** Every cluster in the account and region (ListClusters returns ARNs; the name is the ARN's last segment). */
export async function listClusters(ctx: ReadContext): Promise<Cluster[]> {
  const clusters: Cluster[] = [];
  for await (const page of ctx.pages(
    ACCOUNT,
    'ecs:ListClusters',
    (nextToken) => ctx.clients.ecs.send(new ListClustersCommand({ maxResults: ECS_LIMITS.listClusters, nextToken })),
    (p) => p.nextToken,
  )) {
    for (const arn of page.clusterArns ?? []) clusters.push({ arn: ctx.intern(arn), name: ctx.intern(arnName(arn)) });
  }
  return clusters;
}

/**
 * Describes services of one cluster by ARN or name, 10 per call with tags, with the Service Connect history of
 * the servers that need it (ecs-history-reader.ts). Services AWS reports MISSING
 * are simply absent (deleted since listed, or never existed); any other failure is a read error.
 */
export async function describeServices(
  ctx: ReadContext,
  cluster: Cluster,
  refs: readonly string[],
  resource?: string,
  options: { history?: boolean } = {},
): Promise<EcsService[]> {
  const batches = chunk(refs, ECS_LIMITS.describeServices).map(async (batch) => {
    const out = await ctx.call(
      clusterScope(cluster.name),
      'ecs:DescribeServices',
      () =>
        ctx.clients.ecs.send(new DescribeServicesCommand({ cluster: cluster.arn, services: batch, include: ['TAGS'] })),
      resource,
    );
    if (!out) return [];
    for (const failure of out.failures ?? []) {
      if (failure.reason === 'MISSING') continue;
      ctx.recordError(
        clusterScope(cluster.name),
        'ecs:DescribeServices',
        failure.reason ?? 'Unknown',
        `DescribeServices could not describe ${failure.arn ?? 'a service'}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`,
        resource,
      );
    }
    const services = (out.services ?? []).flatMap((s) => toEcsService(s, (v) => ctx.intern(v)) ?? []);
    // A change-signal resync describes every service and reads history only for the ones that changed.
    return options.history === false ? services : withServiceConnectHistory(ctx, cluster, services);
  });
  return (await Promise.all(batches)).flat();
}

/** ARNs of a cluster's ACTIVE services (ListServices, every page); undefined when a page failed. */
export async function listServiceArns(ctx: ReadContext, cluster: Cluster): Promise<string[] | undefined> {
  const arns: string[] = [];
  let ended = false;
  for await (const page of ctx.pages(
    clusterScope(cluster.name),
    'ecs:ListServices',
    (nextToken) =>
      ctx.clients.ecs.send(
        new ListServicesCommand({ cluster: cluster.arn, maxResults: ECS_LIMITS.listServices, nextToken }),
      ),
    (p) => {
      ended = !p.nextToken;
      return p.nextToken;
    },
  )) {
    for (const arn of page.serviceArns ?? []) arns.push(ctx.intern(arn));
  }
  return ended ? arns : undefined;
}

/** ACTIVE services of a cluster (ListServices never lists DRAINING or INACTIVE ones). */
export async function readClusterServices(ctx: ReadContext, cluster: Cluster): Promise<EcsService[]> {
  const described: Promise<EcsService[]>[] = [];
  for await (const page of ctx.pages(
    clusterScope(cluster.name),
    'ecs:ListServices',
    (nextToken) =>
      ctx.clients.ecs.send(
        new ListServicesCommand({ cluster: cluster.arn, maxResults: ECS_LIMITS.listServices, nextToken }),
      ),
    (p) => p.nextToken,
  )) {
    const arns = page.serviceArns ?? [];
    if (arns.length) described.push(describeServices(ctx, cluster, arns));
  }
  return (await Promise.all(described)).flat();
}

async function describeTasks(
  ctx: ReadContext,
  cluster: Cluster,
  arns: readonly string[],
  resource?: string,
): Promise<EcsTask[]> {
  const out = await ctx.call(
    clusterScope(cluster.name),
    'ecs:DescribeTasks',
    () => ctx.clients.ecs.send(new DescribeTasksCommand({ cluster: cluster.arn, tasks: [...arns] })),
    resource,
  );
  if (!out) return [];
  for (const failure of out.failures ?? []) {
    // A task that vanished between list and describe has stopped long enough ago to be purged.
    if (failure.reason === 'MISSING') continue;
    ctx.recordError(
      clusterScope(cluster.name),
      'ecs:DescribeTasks',
      failure.reason ?? 'Unknown',
      `DescribeTasks could not describe ${failure.arn ?? 'a task'}: ${failure.reason}`,
      resource,
    );
  }
  return (out.tasks ?? []).flatMap((t) => toEcsTask(t, (v) => ctx.intern(v)) ?? []);
}

/** One ListTasks listing: a desired status in a cluster, optionally narrowed to one service. */
interface TaskListing {
  desiredStatus: DesiredStatus;
  serviceName?: string;
}

/**
 * Lists tasks in each listing (every page, listings in parallel) and describes every ARN listed, in shared
 * batches of 100 started as soon as they fill, so a batch is only ever short once, at the very end. An ARN
 * listed twice (a task that moved from RUNNING to STOPPED between two listings) is described and returned
 * once. A listing of a service ECS no longer knows is empty.
 */
async function listAndDescribeTasks(
  ctx: ReadContext,
  cluster: Cluster,
  listings: readonly TaskListing[],
  describeResource?: string,
): Promise<EcsTask[]> {
  const described: Promise<EcsTask[]>[] = [];
  let pending: string[] = [];
  const listed = new Set<string>();
  const flush = (all: boolean) => {
    while (pending.length >= ECS_LIMITS.describeTasks || (all && pending.length > 0)) {
      described.push(describeTasks(ctx, cluster, pending.slice(0, ECS_LIMITS.describeTasks), describeResource));
      pending = pending.slice(ECS_LIMITS.describeTasks);
    }
  };
  await Promise.all(
    listings.map(async ({ desiredStatus, serviceName }) => {
      for await (const page of ctx.pages(
        clusterScope(cluster.name),
        'ecs:ListTasks',
        async (nextToken) => {
          try {
            return await ctx.clients.ecs.send(
              new ListTasksCommand({
                cluster: cluster.arn,
                desiredStatus,
                maxResults: ECS_LIMITS.listTasks,
                nextToken,
                ...(serviceName ? { serviceName } : {}),
              }),
            );
          } catch (error) {
            // A service ECS no longer knows has no tasks: that is an answer, not a failed read.
            if (serviceName && (error as { name?: string }).name === 'ServiceNotFoundException')
              return { taskArns: [] as string[], nextToken: undefined as string | undefined };
            throw error;
          }
        },
        (p) => p.nextToken,
        serviceName,
      )) {
        for (const arn of page.taskArns ?? []) {
          if (listed.has(arn)) continue;
          listed.add(arn);
          pending.push(arn);
        }
        flush(false);
      }
    }),
  );
  flush(true);
  // A task can move from the RUNNING list to the STOPPED one between the two listings: keep one copy.
  const byArn = new Map<string, EcsTask>();
  for (const task of (await Promise.all(described)).flat()) byArn.set(task.arn, task);
  return [...byArn.values()];
}

/**
 * Tasks of a cluster (or of one service in it): RUNNING ones, and recently STOPPED ones so a task that is
 * still shutting down (desired STOPPED, last status RUNNING) and the stop time of dead tasks are visible.
 */
export async function readTasks(ctx: ReadContext, cluster: Cluster, serviceName?: string): Promise<EcsTask[]> {
  const statuses: DesiredStatus[] = ['RUNNING', 'STOPPED'];
  return listAndDescribeTasks(
    ctx,
    cluster,
    statuses.map((desiredStatus) => ({ desiredStatus, serviceName })),
    serviceName,
  );
}

/**
 * Describes tasks by id in one cluster, 100 per call, and returns what the calls proved: the tasks found and
 * the ids whose batch was answered (an id answered but not found is absent: stopped long enough ago to be
 * purged, or never a task). Used after instances were listed, so a task that started after its cluster's
 * tasks were listed is seen alive instead of missing.
 */
export async function recheckTasks(
  ctx: ReadContext,
  cluster: Cluster,
  ids: readonly string[],
): Promise<{ tasks: EcsTask[]; answered: string[] }> {
  const results = await Promise.all(
    chunk(ids, ECS_LIMITS.describeTasks).map(async (batch) => {
      const out = await ctx.call(clusterScope(cluster.name), 'ecs:DescribeTasks', () =>
        ctx.clients.ecs.send(new DescribeTasksCommand({ cluster: cluster.arn, tasks: [...batch] })),
      );
      if (!out) return { tasks: [] as EcsTask[], answered: [] as string[] };
      const unanswered = new Set<string>();
      for (const failure of out.failures ?? []) {
        if (failure.reason === 'MISSING') continue;
        const id = arnName(failure.arn ?? '');
        unanswered.add(id);
        ctx.recordError(
          clusterScope(cluster.name),
          'ecs:DescribeTasks',
          failure.reason ?? 'Unknown',
          `DescribeTasks could not describe ${failure.arn ?? 'a task'}: ${failure.reason}`,
        );
      }
      return {
        tasks: (out.tasks ?? []).flatMap((t) => toEcsTask(t, (v) => ctx.intern(v)) ?? []),
        answered: batch.filter((id) => !unanswered.has(id)),
      };
    }),
  );
  return { tasks: results.flatMap((r) => r.tasks), answered: results.flatMap((r) => r.answered) };
}

/**
 * The running tasks of some services of one cluster: ListTasks (desired RUNNING) per service, every listed ARN
 * described in shared batches of 100. What serviceConnectRefresh needs of a client: the deployment that started
 * each of its running tasks. A service ECS no longer knows has none.
 */
export async function readServicesTasks(
  ctx: ReadContext,
  cluster: Cluster,
  serviceNames: readonly string[],
): Promise<EcsTask[]> {
  return listAndDescribeTasks(
    ctx,
    cluster,
    serviceNames.map((serviceName) => ({ desiredStatus: 'RUNNING', serviceName })),
  );
}
