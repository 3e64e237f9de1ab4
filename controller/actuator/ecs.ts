import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsErrorCode } from '../aws/clients.js';
import type { Action } from '../model/findings.js';
import { logResource } from '../model/actions.js';
import type { ExecutorContext } from './context.js';
import type { Executors } from './executors.js';
import type { ExecutorResult } from './types.js';

type ForceNewDeployment = Extract<Action, { type: 'ecs:ForceNewDeployment' }>;

/** Errors that mean the service went away between plan and write: nothing left to fix. */
const SERVICE_GONE = new Set(['ServiceNotFoundException', 'ServiceNotActiveException']);

/**
 * Redeploys an ECS service once. Re-reads the service first so a repeated plan or a restart never doubles a
 * redeploy: skipped while any deployment is in progress, or when the newest deployment was created at or after
 * `evidenceAt` (the time the drift was observed: someone, maybe we, already redeployed since).
 */
export async function forceNewDeployment(
  ctx: ExecutorContext,
  action: ForceNewDeployment,
  evidenceAt: number,
  journaledAt?: number,
): Promise<ExecutorResult> {
  const described = await ctx.clients.ecs.send(
    new DescribeServicesCommand({ cluster: action.cluster, services: [action.serviceArn] }),
  );
  const service = described.services?.[0];
  if (!service) return { result: 'skipped', reason: 'service-missing' };
  if (service.status !== 'ACTIVE') return { result: 'skipped', reason: 'service-not-active' };
  const deployments = service.deployments ?? [];
  // Several deployments at once (PRIMARY + ACTIVE) also means one is rolling, for controllers without rolloutState.
  if (deployments.length > 1 || deployments.some((d) => d.rolloutState === 'IN_PROGRESS')) {
    return { result: 'skipped', reason: 'deployment-in-progress' };
  }
  const newest = Math.max(0, ...deployments.map((d) => d.createdAt?.getTime() ?? 0));
  if (newest >= evidenceAt) return { result: 'skipped', reason: 'already-redeployed' };
  // A redeploy the journal shows was asked for (by this replica or a previous owner that died before its
  // outcome was written), and that AWS shows a deployment for since: done, even if the plan's view predates it.
  if (journaledAt !== undefined && newest >= journaledAt) return { result: 'skipped', reason: 'already-redeployed' };

  await ctx.limiter.acquire('ecs:UpdateService');
  try {
    await ctx.clients.ecs.send(
      new UpdateServiceCommand({ cluster: action.cluster, service: action.serviceArn, forceNewDeployment: true }),
    );
  } catch (error) {
    if (SERVICE_GONE.has(awsErrorCode(error))) return { result: 'skipped', reason: 'service-not-active' };
    throw error;
  }
  return { result: 'success' };
}

/** The executors of the ECS action types (controller/actuator/executors.ts gathers them). */
export const ECS_EXECUTORS = {
  'ecs:ForceNewDeployment': (ctx, action, plan) =>
    forceNewDeployment(ctx, action, plan.generatedAt, plan.lastRedeployIntent?.(logResource(action))),
} satisfies Executors<'ecs:ForceNewDeployment'>;
