import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../util/clock.js';
import { awsErrorCode } from '../util/aws-error.js';
import { AwsClock, clockMiddleware } from './aws-clock.js';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { paced, Pacer, type PacingConfig } from './pacing.js';

/** Short service names used in metric labels and the sandbox's call counters. */
export type AwsServiceName =
  'ecs' | 'servicediscovery' | 'sqs' | 'events' | 's3' | 'sts' | 'application-autoscaling' | 'dynamodb' | 'cloudtrail';

export type ApiCallResult = 'success' | 'throttled' | 'error';

/** One HTTP attempt against AWS (retries are separate attempts). */
export interface ApiCall {
  service: AwsServiceName;
  /** SDK operation name without "Command", e.g. "ListServices". */
  operation: string;
  result: ApiCallResult;
  /** AWS error code when result is not success. */
  errorCode?: string;
}

export type ApiCallListener = (call: ApiCall) => void;

/** Static credentials or a provider the SDK calls whenever it needs them (e.g. assumed-role credentials). */
export type AwsCredentials = NonNullable<ECSClientConfig['credentials']>;

export interface AwsClientOptions {
  region?: string;
  /** Overrides AWS_ENDPOINT_URL (the SDK reads that variable itself when this is unset). */
  endpoint?: string;
  /** Attempts per call including the first (SDK default 3). */
  maxAttempts?: number;
  /** Observes every attempt, for ecs_discovery_aws_api_calls_total. */
  onApiCall?: ApiCallListener;
  /** Overrides the standard credential chain (cross-account targets pass assumed-role credentials). */
  credentials?: AwsCredentials;
  /** Added to every request's user-agent (`app/<id>`): the replica id, so AWS logs (and the sandbox) name the caller. */
  appId?: string;
  /** The local clock AWS's clock offset is measured against (default the wall clock). */
  localClock?: Clock;
  /**
   * Token buckets of ECS, Cloud Map and Application Auto Scaling calls (pacing.ts; default DEFAULT_PACING).
   * Each createAwsClients call makes its own buckets: one set per target, shared by all its workers.
   */
  pacing?: Partial<PacingConfig>;
  /** Buckets to use instead of new ones (tests inject a pacer on a manual clock). */
  pacer?: Pacer;
}

/** The clients the controller needs, configured the same way. */
export interface AwsClients {
  region: string;
  ecs: ECSClient;
  serviceDiscovery: ServiceDiscoveryClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  s3: S3Client;
  /** Application Auto Scaling: the maximum task count of ECS services (taskLimit). */
  autoScaling: ApplicationAutoScalingClient;
  /** AWS's time, from the Date header of every response these clients receive (absent on test fakes). */
  clock?: AwsClock;
  /** CloudTrail event history: proof that ECS registered instances into a Cloud Map service (LookupEvents). */
  cloudTrail: CloudTrailClient;
  /** The token buckets pacing these clients' ECS, Cloud Map and Application Auto Scaling calls (absent on test fakes). */
  pacer?: Pacer;
  destroy(): void;
}

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

/** True when an SDK error means "slow down" rather than "this failed". */
export function isThrottlingError(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLING_CODES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

/** Re-exported so readers and writers take it with the clients; sources/ (below aws/) imports it from util/. */
export { awsErrorCode };

/** The region the SDK would use: explicit, then AWS_REGION / AWS_DEFAULT_REGION, then us-east-1. */
export function resolveRegion(region?: string): string {
  return region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

interface MiddlewareClient {
  middlewareStack: { add: (middleware: unknown, options: Record<string, unknown>) => void };
}

/** Counts each attempt (inside the SDK's retry loop) so throttled retries are visible in metrics. */
function instrument<T>(client: T, service: AwsServiceName, listener?: ApiCallListener): T {
  if (!listener) return client;
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const output = await next(args);
        listener({ service, operation, result: 'success' });
        return output;
      } catch (error) {
        listener({
          service,
          operation,
          result: isThrottlingError(error) ? 'throttled' : 'error',
          errorCode: awsErrorCode(error),
        });
        throw error;
      }
    },
    // priority high: outside the SDK deserializer (so it sees parsed errors, not raw 4xx responses) but still
    // inside the retry loop, so each attempt is counted.
    { step: 'deserialize', priority: 'high', name: 'ecsDiscoveryApiCallCounter', override: true },
  );
  return client;
}

/** Feeds the Date header of every response of the client to `clock`. */
function timed<T>(client: T, clock: AwsClock): T {
  // Low priority in the deserialize step: next to the raw HTTP response, before the SDK's deserializer drops it.
  (client as unknown as MiddlewareClient).middlewareStack.add(clockMiddleware(clock), {
    step: 'deserialize',
    priority: 'low',
    name: 'ecsDiscoveryAwsClock',
    override: true,
  });
  return client;
}

/**
 * Builds every SDK client with call counting, adaptive retries (the SDK slows down once throttled) and, for
 * ECS, Cloud Map and Application Auto Scaling, pacing by token buckets (so it is not throttled to begin with).
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const region = resolveRegion(options.region);
  const common = {
    region,
    retryMode: 'adaptive' as const,
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.appId ? { userAgentAppId: options.appId } : {}),
  };
  // S3 is left out: the policy bucket may be another store (MinIO, s3rver) with a clock of its own.
  const clock = new AwsClock(options.localClock);
  // One pacer per call: the clients of one target share its buckets, another target's clients get their own.
  const pacer = options.pacer ?? new Pacer(options.pacing);
  const ecs = timed(instrument(paced(new ECSClient(common), 'ecs', pacer), 'ecs', options.onApiCall), clock);
  const serviceDiscovery = timed(
    instrument(
      paced(new ServiceDiscoveryClient(common), 'servicediscovery', pacer),
      'servicediscovery',
      options.onApiCall,
    ),
    clock,
  );
  const sqs = timed(instrument(new SQSClient(common), 'sqs', options.onApiCall), clock);
  const eventBridge = timed(instrument(new EventBridgeClient(common), 'events', options.onApiCall), clock);
  // Emulators (the sandbox, s3rver, MinIO) need path-style addressing; real S3 keeps virtual-hosted style.
  const customEndpoint = Boolean(options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const s3 = instrument(new S3Client({ ...common, forcePathStyle: customEndpoint }), 's3', options.onApiCall);
  const autoScaling = timed(
    instrument(
      paced(new ApplicationAutoScalingClient(common), 'application-autoscaling', pacer),
      'application-autoscaling',
      options.onApiCall,
    ),
    clock,
  );
  const cloudTrail = timed(
    instrument(paced(new CloudTrailClient(common), 'cloudtrail', pacer), 'cloudtrail', options.onApiCall),
    clock,
  );
  return {
    region,
    clock,
    pacer,
    ecs,
    serviceDiscovery,
    sqs,
    eventBridge,
    s3,
    autoScaling,
    cloudTrail,
    destroy() {
      for (const client of [ecs, serviceDiscovery, sqs, eventBridge, s3, autoScaling, cloudTrail]) client.destroy();
    },
  };
}

/** A DynamoDB client for the state store, configured like the others (endpoint, retries, replica user-agent, call counting). */
export function createDynamoClient(options: AwsClientOptions = {}): DynamoDBClient {
  return instrument(
    new DynamoDBClient({
      region: resolveRegion(options.region),
      retryMode: 'adaptive',
      maxAttempts: options.maxAttempts ?? 5,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.appId ? { userAgentAppId: options.appId } : {}),
    }),
    'dynamodb',
    options.onApiCall,
  );
}
