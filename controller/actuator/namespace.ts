/**
 * The executor of namespace writes: the SOA TTL of a DNS namespace (namespaceSoa). Re-reads the namespace
 * just before writing, so a namespace someone already fixed, or one that became HTTP or went away, is left alone.
 */
import {
  GetNamespaceCommand,
  UpdatePrivateDnsNamespaceCommand,
  UpdatePublicDnsNamespaceCommand,
} from '@aws-sdk/client-servicediscovery';
import { awsErrorCode } from '../aws/clients.js';
import type { Action } from '../model/findings.js';
import type { ExecutorContext } from './context.js';
import type { Executors, PlanContext } from './executors.js';
import type { ExecutorResult } from './types.js';

type UpdateNamespaceSoa = Extract<Action, { type: 'cloudmap:UpdateNamespaceSoa' }>;

/**
 * Sets the SOA TTL with UpdatePrivateDnsNamespace or UpdatePublicDnsNamespace (whichever the namespace's type
 * is now). The result is `pending` with the operation to follow: the SOA changes only when it succeeds. The
 * UpdaterRequestId makes a retry of the same plan's change the same operation, not a second one.
 */
export async function updateNamespaceSoa(
  ctx: ExecutorContext,
  action: UpdateNamespaceSoa,
  plan: PlanContext,
): Promise<ExecutorResult> {
  let operationId: string | undefined;
  try {
    const { Namespace: namespace } = await ctx.clients.serviceDiscovery.send(
      new GetNamespaceCommand({ Id: action.namespaceId }),
    );
    const type = namespace?.Type;
    if (type !== 'DNS_PRIVATE' && type !== 'DNS_PUBLIC') return { result: 'skipped', reason: 'not-a-dns-namespace' };
    const current = namespace?.Properties?.DnsProperties?.SOA?.TTL;
    if (current !== undefined && current <= action.aboveSeconds)
      return { result: 'skipped', reason: 'already-applied' };
    const change = { Properties: { DnsProperties: { SOA: { TTL: action.ttl } } } };
    // One token per plan: a retry of this plan's write is the same request, a later plan's is a new one.
    const updaterRequestId = `soa-${action.namespaceId}-${action.ttl}-${plan.generatedAt}`.slice(0, 64);
    await ctx.limiter.acquire(
      type === 'DNS_PRIVATE'
        ? 'servicediscovery:UpdatePrivateDnsNamespace'
        : 'servicediscovery:UpdatePublicDnsNamespace',
    );
    const output =
      type === 'DNS_PRIVATE'
        ? await ctx.clients.serviceDiscovery.send(
            new UpdatePrivateDnsNamespaceCommand({
              Id: action.namespaceId,
              UpdaterRequestId: updaterRequestId,
              Namespace: change,
            }),
          )
        : await ctx.clients.serviceDiscovery.send(
            new UpdatePublicDnsNamespaceCommand({
              Id: action.namespaceId,
              UpdaterRequestId: updaterRequestId,
              Namespace: change,
            }),
          );
    operationId = output.OperationId;
  } catch (error) {
    if (awsErrorCode(error) === 'NamespaceNotFound') return { result: 'skipped', reason: 'namespace-gone' };
    throw error;
  }
  return operationId ? { result: 'pending', reason: 'operation-submitted', operationId } : { result: 'success' };
}

/** The executors of namespace action types (controller/actuator/executors.ts gathers them). */
export const NAMESPACE_EXECUTORS = {
  'cloudmap:UpdateNamespaceSoa': (ctx, action, plan) => updateNamespaceSoa(ctx, action, plan),
} satisfies Executors<'cloudmap:UpdateNamespaceSoa'>;
