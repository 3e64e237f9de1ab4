import { GetOperationCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { performance } from 'node:perf_hooks';
import { ActionFailure } from './types.js';

export interface OperationWaitOptions {
  /** Give up after this long (the write was accepted; the next reconcile re-checks the state). */
  timeoutMs: number;
  /** First delay between GetOperation calls; doubles up to 5 s. */
  initialDelayMs: number;
  signal?: AbortSignal;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows a Cloud Map operation (UpdateService, DeregisterInstance are asynchronous) until SUCCESS or FAIL,
 * with backoff and a bounded wait. Throws ActionFailure on FAIL, on timeout and when `signal` aborts.
 */
export async function waitForOperation(client: ServiceDiscoveryClient, operationId: string, options: OperationWaitOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let delay = options.initialDelayMs;
  for (;;) {
    const { Operation: operation } = await client.send(new GetOperationCommand({ OperationId: operationId }));
    const status = operation?.Status;
    if (status === 'SUCCESS') return;
    if (status === 'FAIL') {
      throw new ActionFailure(
        operation?.ErrorCode ?? 'OperationFailed',
        `Cloud Map operation ${operationId} failed: ${operation?.ErrorMessage ?? 'no message'}`,
      );
    }
    if (options.signal?.aborted) {
      throw new ActionFailure(
        'OperationNotFollowed',
        `stopped following Cloud Map operation ${operationId} (status ${status ?? 'unknown'}) because the controller is shutting down; the next reconcile re-checks the result`,
      );
    }
    if (performance.now() + delay > deadline) {
      throw new ActionFailure(
        'OperationTimeout',
        `Cloud Map operation ${operationId} still ${status ?? 'unknown'} after ${Math.round(options.timeoutMs / 1000)}s; the next reconcile re-checks the result`,
      );
    }
    await pause(delay, options.signal);
    delay = Math.min(delay * 2, 5_000);
  }
}
