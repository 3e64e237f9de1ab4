import type { AwsClients } from '../aws/clients.js';
import type { WriteRateLimiter } from './rate-limit.js';

/** What every executor needs: the clients and the write limiter. */
export interface ExecutorContext {
  clients: AwsClients;
  limiter: WriteRateLimiter;
  /** The controller is stopping (the write itself is never cut off once sent). */
  signal?: AbortSignal;
}
