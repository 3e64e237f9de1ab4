import type { VirtualClock } from './clock.js';

/** Shared by every emulated service. */
export interface SandboxContext {
  clock: VirtualClock;
  account: string;
  region: string;
  /** The default event bus: ECS publishes its events here; EventBridge routes them to SQS targets. */
  events: EventSink;
  /** CloudTrail's event history: ECS records the Cloud Map registrations it makes (absent: nothing recorded). */
  trail?: TrailSink;
}

export interface TrailSink {
  /** ECS's service scheduler registered an instance into a Cloud Map service at `at` (virtual epoch ms). */
  recordEcsRegistration(input: {
    serviceId: string;
    instanceId: string;
    attributes: Record<string, string>;
    at: number;
  }): void;
}

/** An EventBridge event in the envelope AWS delivers (detail-type, source, resources, detail). */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventSink {
  /** Routes an event to every matching rule's targets on the default bus. */
  publish(event: EventBridgeEvent): void;
}

/**
 * One operation: takes the parsed JSON body, returns the JSON response or throws AwsError. The signal aborts
 * when the client goes away (an abandoned SQS long poll must not take a message it can never deliver).
 */
export type OperationHandler = (
  input: Record<string, any>,
  request?: { signal: AbortSignal },
) => unknown | Promise<unknown>;

/** One emulated AWS service behind the shared endpoint. */
export interface EmulatedService {
  /** Short name used in call counters and fault names ("ecs", "servicediscovery", "sqs", "events"). */
  name: string;
  /** X-Amz-Target prefix before the dot, e.g. "AmazonEC2ContainerServiceV20141113". */
  targetPrefix: string;
  /** Other prefixes AWS accepts for the same service (CloudTrail: the botocore model's long form and the SDK's short one). */
  targetPrefixAliases?: string[];
  /** application/x-amz-json-<version> */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, OperationHandler>;
  /** Formats an error's __type (SQS uses "com.amazonaws.sqs#Code"); defaults to the bare code. */
  errorType?: (code: string) => string;
  /** Extra response headers for an error (SQS: x-amzn-query-error). */
  errorHeaders?: (code: string, status: number) => Record<string, string>;
}
