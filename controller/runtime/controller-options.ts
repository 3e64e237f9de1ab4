/** What a Controller is built from: its sources, scopes, clients, telemetry and tuning (controller.ts). */
import type { AwsClientOptions, AwsClients } from '../aws/clients.js';
import type { Limits } from '../limits/limits.js';
import type { AllowedScopes } from '../policy/types.js';
import type { PolicySource } from '../sources/types.js';
import type { StateStore } from '../state/types.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { ResyncScheduler } from './resync.js';
import type { TargetClientsFactory } from './target-runtimes.js';
import type { Timers } from '../util/clock.js';
import type { Announcer } from '../publish/announcer.js';

export interface ControllerOptions {
  source: PolicySource;
  allowed: AllowedScopes;
  /** Input limits (controller/limits); default: DEFAULT_LIMITS. */
  limits?: Limits;
  /** The controller's own clients: its account and region (the default target) and the SQS queue's. */
  clients: AwsClients;
  /** How clients of the controller's own were made (endpoint...), for the default `clientsForTarget`. */
  clientOptions?: AwsClientOptions;
  /**
   * Clients for a policy target other than the controller's own (another region and/or a roleArn); the
   * controller destroys them when no policy uses the target any more. Default: controller/aws/targets.ts
   * clientsForTarget (STS AssumeRole credentials, refreshed before expiry).
   */
  clientsForTarget?: TargetClientsFactory;
  logger: Logger;
  metrics: ControllerMetrics;
  dryRun: boolean;
  /** Cron expression of the resync (by change signals, a full read every `fullResyncMs`). */
  resync: string;
  /** How often a resync reads everything instead of following change signals (default 1 h; 0: every resync). */
  fullResyncMs?: number;
  /** SQS queue fed by the EventBridge rule; undefined: resync only. */
  queueUrl?: string;
  /** How often the policy source is polled for a new revision. */
  policyPollIntervalMs: number;
  workers?: number;
  /** AWS read calls in flight at once per target, full reads and refreshes together (default 8). */
  readConcurrency?: number;
  debounceMs?: number;
  /** Retry delays of a failing key: the first, doubling up to the maximum (defaults 1 s and 5 min). */
  retry?: { baseMs?: number; maxMs?: number };
  /** Time for plans, grace periods and readiness; in tests and the sandbox, a clock that can be moved. */
  timers?: Timers;
  scheduler?: ResyncScheduler;
  /**
   * Durable state and target leases (controller/state/): with it, this replica plans and writes only for the
   * targets whose lease it holds, loads grace clocks and the journal when it gains one, and journals every write.
   */
  state?: { store: StateStore; replicaId: string; leaseDurationMs: number };
  /** Long-poll wait of the consumer (tests shorten it). */
  eventWaitSeconds?: number;
  /** Publishes the controller's own events (--events-bus); absent: none. */
  announcer?: Announcer;
  random?: () => number;
}
