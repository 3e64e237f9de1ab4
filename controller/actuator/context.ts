import type { AwsClients } from '../aws/clients.js';
import type { WriteRateLimiter } from './rate-limit.js';

/** What every executor needs: the clients, the write limiter and how long to follow async operations. */
export interface ExecutorContext {
  clients: AwsClients;
  limiter: WriteRateLimiter;
  operationTimeoutMs: number;
  operationPollMs: number;
  /** Aborts following an operation (the write itself is never cut off once sent). */
  signal?: AbortSignal;
}
