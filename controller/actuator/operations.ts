import { GetOperationCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { actionSpec } from '../model/actions.js';
import { awsErrorCode } from '../aws/clients.js';
import type { Action } from '../model/findings.js';
import type { ExecutorResult } from './types.js';

/** The operation to look up; `action` (when known) says which account owns it, `reason` is carried to a success. */
export interface OperationToCheck {
  operationId: string;
  action?: Action;
  reason?: string;
}

/** What one GetOperation says about a pending operation: finished (success or failed) or still running. */
export type OperationCheck = { done: true; result: ExecutorResult } | { done: false; status: string };

/**
 * Asks Cloud Map once how a submitted operation is doing (UpdateService and DeregisterInstance are
 * asynchronous); the only place GetOperation is sent, for the actuator's follower. FAIL becomes a failed result carrying the operation's ErrorCode (ACCESS_DENIED when the role
 * lacks the Route 53 permissions behind the write). A GetOperation that itself fails leaves the operation
 * pending (the next pass asks again), except OperationNotFound: Cloud Map no longer knows it, so the next
 * read of the resource is the only judge left.
 */
export async function checkOperation(client: ServiceDiscoveryClient, entry: OperationToCheck): Promise<OperationCheck> {
  let operation;
  try {
    // A service in a namespace shared with this account: GetOperation needs the namespace owner's account, which
    // is the account in the service's ARN.
    const owner = entry.action ? actionSpec(entry.action).ownerAccount?.(entry.action) : undefined;
    ({ Operation: operation } = await client.send(
      new GetOperationCommand({ OperationId: entry.operationId, ...(owner ? { OwnerAccount: owner } : {}) }),
    ));
  } catch (error) {
    if (awsErrorCode(error) === 'OperationNotFound')
      return { done: true, result: { result: 'skipped', reason: 'operation-unknown' } };
    return { done: false, status: `unknown (GetOperation ${awsErrorCode(error)})` };
  }
  const status = operation?.Status;
  if (status === 'SUCCESS')
    return { done: true, result: entry.reason ? { result: 'success', reason: entry.reason } : { result: 'success' } };
  if (status === 'FAIL') {
    const code = operation?.ErrorCode ?? 'OperationFailed';
    return {
      done: true,
      result: {
        result: 'failed',
        error: {
          code,
          message: `Cloud Map operation ${entry.operationId} failed: ${code}: ${operation?.ErrorMessage ?? 'no message'}`,
        },
      },
    };
  }
  return { done: false, status: status ?? 'unknown' };
}
