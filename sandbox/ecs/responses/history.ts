/**
 * Service deployment history: ListServiceDeployments and DescribeServiceRevisions. Every deployment the scheduler
 * creates is recorded with a service revision holding its configuration (Service Connect included), so a caller
 * can tell when a client alias appeared long after ECS stopped listing the deployment that introduced it.
 */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { Deployment } from '../models/model.js';
import type { EcsState } from '../models/state.js';
import { decodeToken, encodeToken, invalid, maxResults, requiredString, stringList } from './params.js';

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function status(deployment: Deployment): string {
  if (deployment.rolloutState === 'COMPLETED') return 'SUCCESSFUL';
  if (deployment.rolloutState === 'FAILED') return 'STOPPED';
  return 'IN_PROGRESS';
}

function timestamp(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw invalid(`createdAt.${key} must be a timestamp.`);
  return value * 1000;
}

/** The history operations, bound to the emulator state. */
export function historyOperations(state: EcsState): Record<string, OperationHandler> {
  return {
    ListServiceDeployments(input) {
      const cluster = state.requireCluster(input.cluster);
      const service = state.findService(cluster, requiredString(input, 'service'));
      if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      const statuses = input.status === undefined ? undefined : stringList(input, 'status', 9);
      const range = (input.createdAt ?? {}) as Record<string, unknown>;
      const before = timestamp(range.before, 'before');
      const after = timestamp(range.after, 'after');
      // Newest first; the token is the position of the next entry.
      const all = [...(state.serviceHistory.get(service) ?? [])]
        .reverse()
        .filter(
          (e) =>
            (!statuses || statuses.includes(status(e.deployment))) &&
            (before === undefined || e.deployment.createdAt < before) &&
            (after === undefined || e.deployment.createdAt > after),
        );
      const start = Number(decodeToken(input) ?? '0');
      if (!Number.isInteger(start) || start < 0) throw invalid('nextToken is not valid.');
      const limit = maxResults(input, 20);
      const page = all.slice(start, start + limit);
      return {
        serviceDeployments: page.map((e) => ({
          serviceDeploymentArn: e.arn,
          serviceArn: service.arn,
          clusterArn: cluster.arn,
          createdAt: seconds(e.deployment.createdAt),
          startedAt: seconds(e.deployment.createdAt),
          ...(e.deployment.rolloutState === 'IN_PROGRESS' ? {} : { finishedAt: seconds(e.deployment.updatedAt) }),
          targetServiceRevisionArn: e.revisionArn,
          status: status(e.deployment),
        })),
        nextToken: start + limit < all.length ? encodeToken(String(start + limit)) : undefined,
      };
    },

    DescribeServiceRevisions(input) {
      const arns = stringList(input, 'serviceRevisionArns', 20);
      const serviceRevisions: unknown[] = [];
      const failures: unknown[] = [];
      for (const arn of arns) {
        const entry = state.revisions.get(arn);
        if (!entry) {
          failures.push({ arn, reason: 'MISSING' });
          continue;
        }
        const d = entry.deployment;
        serviceRevisions.push({
          serviceRevisionArn: arn,
          serviceArn: entry.service.arn,
          clusterArn: entry.service.cluster.arn,
          taskDefinition: d.taskDefinition.arn,
          launchType: entry.service.launchType,
          serviceRegistries: d.serviceRegistries.map((r) => ({
            registryArn: r.registryArn,
            port: r.port,
            containerName: r.containerName,
            containerPort: r.containerPort,
          })),
          serviceConnectConfiguration: d.serviceConnect,
          createdAt: seconds(d.createdAt),
        });
      }
      return { serviceRevisions, failures };
    },
  };
}
