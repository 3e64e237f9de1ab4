/**
 * A naive full read, the baseline bench/plan.ts measures the controller against in the same run: what a
 * straightforward tool written from the API reference would call to gather the same facts, with the SDK's
 * default page sizes (no maxResults), every cluster's RUNNING tasks listed and described 100 at a time, services
 * described 10 at a time, and ListInstances for every Cloud Map service of the namespace. It reads no tags, no
 * stopped tasks and no scaling targets (so it is a cheap baseline, not a straw man). Independent of controller/.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';

/** Where the naive reader sends its calls (the sandbox's endpoint and region). */
export interface NaiveTarget {
  endpoint: string;
  region: string;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function all<P>(
  fetch: (token: string | undefined) => Promise<P>,
  token: (page: P) => string | undefined,
): Promise<P[]> {
  const out: P[] = [];
  let next: string | undefined;
  do {
    const page = await fetch(next);
    out.push(page);
    next = token(page) || undefined;
  } while (next);
  return out;
}

/** Reads the fleet naively; returns the number of Cloud Map instances and running tasks it saw (a sanity check). */
export async function naiveRead(
  target: NaiveTarget,
  namespaceName: string,
): Promise<{ tasks: number; instances: number }> {
  const config = {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 5,
  };
  const ecs = new ECSClient(config);
  const sd = new ServiceDiscoveryClient(config);
  let tasks = 0;
  let instances = 0;
  try {
    const clusters = (
      await all(
        (nextToken) => ecs.send(new ListClustersCommand({ nextToken })),
        (p) => p.nextToken,
      )
    ).flatMap((p) => p.clusterArns ?? []);
    await pool(clusters, 8, async (cluster) => {
      const services = (
        await all(
          (nextToken) => ecs.send(new ListServicesCommand({ cluster, nextToken })),
          (p) => p.nextToken,
        )
      ).flatMap((p) => p.serviceArns ?? []);
      for (let i = 0; i < services.length; i += 10)
        await ecs.send(new DescribeServicesCommand({ cluster, services: services.slice(i, i + 10) }));
      const taskArns = (
        await all(
          (nextToken) => ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken })),
          (p) => p.nextToken,
        )
      ).flatMap((p) => p.taskArns ?? []);
      for (let i = 0; i < taskArns.length; i += 100) {
        // Awaited before the sum: `tasks += await ...` would read `tasks` before the await and lose other workers' counts.
        const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) }));
        tasks += described.tasks?.length ?? 0;
      }
    });
    const namespaces = (
      await all(
        (NextToken) => sd.send(new ListNamespacesCommand({ NextToken })),
        (p) => p.NextToken,
      )
    ).flatMap((p) => p.Namespaces ?? []);
    const namespace = namespaces.find((n) => n.Name === namespaceName);
    if (!namespace?.Id) return { tasks, instances };
    const filter = [{ Name: 'NAMESPACE_ID' as const, Values: [namespace.Id], Condition: 'EQ' as const }];
    const services = (
      await all(
        (NextToken) => sd.send(new ListCloudMapServicesCommand({ Filters: filter, NextToken })),
        (p) => p.NextToken,
      )
    ).flatMap((p) => p.Services ?? []);
    await pool(services, 8, async (service) => {
      const listed = await all(
        (NextToken) => sd.send(new ListInstancesCommand({ ServiceId: service.Id!, NextToken })),
        (p) => p.NextToken,
      );
      instances += listed.reduce((n, p) => n + (p.Instances?.length ?? 0), 0);
    });
    return { tasks, instances };
  } finally {
    ecs.destroy();
    sd.destroy();
  }
}
