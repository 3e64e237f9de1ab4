import {
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  GetServiceCommand,
  ListInstancesCommand,
  UpdateServiceCommand,
  type DnsRecord,
} from '@aws-sdk/client-servicediscovery';
import { awsErrorCode } from '../aws/clients.js';
import type { Action } from '../model/findings.js';
import type { ExecutorContext } from './context.js';
import type { Executors } from './executors.js';
import { liveReferrer, liveTaskStatus } from './recheck.js';
import type { ExecutorResult } from './types.js';

type Deregister = Extract<Action, { type: 'cloudmap:DeregisterInstance' }>;
type DeleteService = Extract<Action, { type: 'cloudmap:DeleteService' }>;
type UpdateDnsTtl = Extract<Action, { type: 'cloudmap:UpdateDnsTtl' }>;

/**
 * Asks Cloud Map to deregister one instance; an instance (or service) already gone counts as done. The result
 * is `pending` with the operation to follow (AWS removes the instance only when it succeeds), including when a
 * deregistration was already in flight (DuplicateRequest names its operation).
 */
export async function deregisterInstance(ctx: ExecutorContext, action: Deregister): Promise<ExecutorResult> {
  // The task may be alive (or still going away, ECS's to deregister) whatever the plan's read said; one the plan
  // saw STOPPED cannot be (STOPPED is final, and task ids are never reused).
  if (action.cluster && !action.taskStopped) {
    const status = await liveTaskStatus(ctx, action.cluster, action.instanceId);
    if (status) return { result: 'skipped', reason: `task-${status.toLowerCase()}` };
  }
  await ctx.limiter.acquire('servicediscovery:DeregisterInstance');
  let operationId: string | undefined;
  let reason: string | undefined;
  try {
    const output = await ctx.clients.serviceDiscovery.send(
      new DeregisterInstanceCommand({
        ServiceId: action.serviceArn ?? action.serviceId,
        InstanceId: action.instanceId,
      }),
    );
    operationId = output.OperationId;
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'InstanceNotFound') return { result: 'success', reason: 'already-deregistered' };
    if (code === 'ServiceNotFound') return { result: 'success', reason: 'service-already-deleted' };
    // Someone (maybe our previous run) already asked for this deregistration: follow that operation instead.
    const duplicateOf = (error as { DuplicateOperationId?: string }).DuplicateOperationId;
    if (code !== 'DuplicateRequest' || !duplicateOf) throw error;
    operationId = duplicateOf;
    reason = 'followed-duplicate-operation';
  }
  if (!operationId) return reason ? { result: 'success', reason } : { result: 'success' };
  return { result: 'pending', reason: reason ?? 'operation-submitted', operationId };
}

/** True when ListInstances shows at least one instance (pages until one is found or the list ends). */
async function hasInstances(ctx: ExecutorContext, serviceId: string): Promise<boolean> {
  let token: string | undefined;
  do {
    const page = await ctx.clients.serviceDiscovery.send(
      new ListInstancesCommand({ ServiceId: serviceId, NextToken: token }),
    );
    if ((page.Instances ?? []).length > 0) return true;
    token = page.NextToken;
  } while (token);
  return false;
}

/** Deletes an empty Cloud Map service; skipped when it holds any instance now (registrations may have come back). */
export async function deleteService(ctx: ExecutorContext, action: DeleteService): Promise<ExecutorResult> {
  try {
    if (await hasInstances(ctx, action.serviceArn ?? action.serviceId))
      return { result: 'skipped', reason: 'still-has-instances' };
    // An ECS service the evidence names may have come back (or be draining) since the plan was made.
    if (action.ecsServices?.length && (await liveReferrer(ctx, action.serviceId, action.ecsServices)))
      return { result: 'skipped', reason: 'still-referenced' };
    await ctx.limiter.acquire('servicediscovery:DeleteService');
    await ctx.clients.serviceDiscovery.send(new DeleteServiceCommand({ Id: action.serviceArn ?? action.serviceId }));
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'ServiceNotFound') return { result: 'success', reason: 'already-deleted' };
    if (code === 'ResourceInUse') return { result: 'skipped', reason: 'still-has-instances' };
    throw error;
  }
  return { result: 'success' };
}

/**
 * Sets the DNS TTL of a Cloud Map service. UpdateService deletes every record (and health check) it is not
 * sent, so the current full record list is read first and resent with only the TTL changed. The result is
 * `pending` with the operation to follow: the records change only when it succeeds.
 */
export async function updateDnsTtl(ctx: ExecutorContext, action: UpdateDnsTtl): Promise<ExecutorResult> {
  let operationId: string | undefined;
  try {
    const { Service: service } = await ctx.clients.serviceDiscovery.send(
      new GetServiceCommand({ Id: action.serviceArn ?? action.serviceId }),
    );
    const current = service?.DnsConfig?.DnsRecords ?? [];
    if (current.length === 0) return { result: 'skipped', reason: 'no-dns-records' };
    const wanted = new Map(action.records.map((r) => [r.type, r.ttl]));
    // A record someone lowered to max or below since the plan was made is no longer drift: leave it.
    const stillAbove = (r: DnsRecord) => action.aboveSeconds === undefined || (r.TTL ?? 0) > action.aboveSeconds;
    const records: DnsRecord[] = current.map((r) => ({
      Type: r.Type,
      TTL: stillAbove(r) ? (wanted.get(r.Type ?? '') ?? r.TTL) : r.TTL,
    }));
    if (records.every((r, i) => r.TTL === current[i].TTL)) return { result: 'skipped', reason: 'already-applied' };
    await ctx.limiter.acquire('servicediscovery:UpdateService');
    const output = await ctx.clients.serviceDiscovery.send(
      new UpdateServiceCommand({
        Id: action.serviceArn ?? action.serviceId,
        Service: {
          DnsConfig: { DnsRecords: records },
          ...(service?.HealthCheckConfig ? { HealthCheckConfig: service.HealthCheckConfig } : {}),
        },
      }),
    );
    operationId = output.OperationId;
  } catch (error) {
    if (awsErrorCode(error) === 'ServiceNotFound') return { result: 'skipped', reason: 'service-gone' };
    throw error;
  }
  return operationId ? { result: 'pending', reason: 'operation-submitted', operationId } : { result: 'success' };
}

/** The executors of the Cloud Map action types (controller/actuator/executors.ts gathers them). */
export const CLOUD_MAP_EXECUTORS = {
  'cloudmap:DeregisterInstance': (ctx, action) => deregisterInstance(ctx, action),
  'cloudmap:DeleteService': (ctx, action) => deleteService(ctx, action),
  'cloudmap:UpdateDnsTtl': (ctx, action) => updateDnsTtl(ctx, action),
} satisfies Executors<'cloudmap:DeregisterInstance' | 'cloudmap:DeleteService' | 'cloudmap:UpdateDnsTtl'>;
