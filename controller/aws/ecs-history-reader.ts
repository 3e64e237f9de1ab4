/**
 * Service Connect history of servers: when a server's first deployment is no longer listed (ECS lists only the
 * deployments that still run tasks), the deployment that introduced a client alias may be gone from
 * DescribeServices. ListServiceDeployments (pages of 100, at most 3) and DescribeServiceRevisions (20 per call)
 * give the older revisions' Service Connect configurations. A failed or unfinished read leaves the history out
 * (the rule then dates aliases by the server's creation, and says so); it never blocks pruning.
 */
import {
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  type ListServiceDeploymentsCommandOutput,
} from '@aws-sdk/client-ecs';
import type { Cluster, EcsService, ServiceConnectRevision } from '../inventory/model.js';
import { toServiceConnect } from './ecs-mappers.js';
import { chunk, type ReadContext } from './read-context.js';

export const HISTORY_LIMITS = { listServiceDeployments: 100, maxPages: 3, describeServiceRevisions: 20 } as const;

// The first deployment of a service is created with it; ECS's two timestamps can differ slightly.
const FIRST_DEPLOYMENT_SLACK_MS = 5_000;

/** Does this service need its history: a Service Connect server whose first deployment ECS no longer lists? */
export function needsServiceConnectHistory(service: EcsService): boolean {
  if (service.status !== 'ACTIVE' || service.deployments.length === 0) return false;
  const primary = service.deployments.find((d) => d.status === 'PRIMARY') ?? service.deployments[0];
  if (!primary.serviceConnect?.enabled || primary.serviceConnect.services.length === 0) return false;
  const oldest = Math.min(...service.deployments.map((d) => d.createdAt));
  return oldest > service.createdAt + FIRST_DEPLOYMENT_SLACK_MS;
}

/** Reads the Service Connect revisions older than the listed deployments of one service; undefined when the read failed. */
async function readHistory(
  ctx: ReadContext,
  cluster: Cluster,
  service: EcsService,
): Promise<ServiceConnectRevision[] | undefined> {
  const scope = { kind: 'service-history' as const, cluster: cluster.name };
  // The API does not document its order: read every page (a bounded number), or use no history at all, since
  // a gap in the middle could hide an alias that went and came back.
  const deployments: NonNullable<ListServiceDeploymentsCommandOutput['serviceDeployments']> = [];
  let token: string | undefined;
  for (let page = 0; page < HISTORY_LIMITS.maxPages; page++) {
    const listed = await ctx.call(
      scope,
      'ecs:ListServiceDeployments',
      () =>
        ctx.clients.ecs.send(
          new ListServiceDeploymentsCommand({
            cluster: cluster.arn,
            service: service.arn,
            maxResults: HISTORY_LIMITS.listServiceDeployments,
            nextToken: token,
          }),
        ),
      service.name,
    );
    if (!listed) return undefined;
    deployments.push(...(listed.serviceDeployments ?? []));
    token = listed.nextToken || undefined;
    if (!token) break;
  }
  if (token) return undefined;
  const oldestListed = Math.min(...service.deployments.map((d) => d.createdAt));
  const older = deployments
    .filter((d) => d.targetServiceRevisionArn && d.createdAt && d.createdAt.getTime() < oldestListed)
    .map((d) => d.targetServiceRevisionArn!);
  const revisions: ServiceConnectRevision[] = [];
  for (const batch of chunk(older, HISTORY_LIMITS.describeServiceRevisions)) {
    const out = await ctx.call(
      scope,
      'ecs:DescribeServiceRevisions',
      () => ctx.clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })),
      service.name,
    );
    if (!out) return undefined;
    for (const r of out.serviceRevisions ?? []) {
      if (!r.createdAt) continue;
      const serviceConnect = toServiceConnect(r.serviceConnectConfiguration);
      revisions.push({ createdAt: r.createdAt.getTime(), ...(serviceConnect ? { serviceConnect } : {}) });
    }
  }
  return revisions.sort((a, b) => b.createdAt - a.createdAt);
}

/** The services with their Service Connect history attached where they need it. */
export async function withServiceConnectHistory(
  ctx: ReadContext,
  cluster: Cluster,
  services: EcsService[],
): Promise<EcsService[]> {
  return Promise.all(
    services.map(async (service) => {
      if (!needsServiceConnectHistory(service)) return service;
      const history = await readHistory(ctx, cluster, service);
      return history ? { ...service, serviceConnectHistory: history } : service;
    }),
  );
}
