import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { EventBridgeEvent, SandboxContext } from '../../sandbox/core/types.js';
import { createEventBridge, type EventBridgeEmulator } from '../../sandbox/eventbridge/index.js';
import { createSqs, type SqsEmulator } from '../../sandbox/sqs/index.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
/** The ARN of a sandbox SQS queue by name. */
export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
/** ECS Task State Change events of the cluster prod. */
export const TASK_PATTERN = JSON.stringify({
  source: ['aws.ecs'],
  'detail-type': ['ECS Task State Change'],
  detail: { clusterArn: [{ suffix: ':cluster/prod' }] },
});

/** An ECS Task State Change event (a task of prod's checkout STOPPED), with fields and detail fields replaced. */
export function taskStateChange(
  overrides: Partial<EventBridgeEvent> = {},
  detail: Record<string, unknown> = {},
): EventBridgeEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: '2026-11-25T09:00:00Z',
    region: REGION,
    resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef`],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
      taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef`,
      group: 'service:checkout',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      version: 3,
      ...detail,
    },
    ...overrides,
  };
}

export interface EventBridgeFixture {
  /** Its events.publish is what an emulated AWS service calls: EventBridge routes it. */
  ctx: SandboxContext;
  sqs: SqsEmulator;
  eb: EventBridgeEmulator;
  server: RunningServer;
  events: EventBridgeClient;
  queues: SQSClient;
  close(): Promise<void>;
}

/** Starts the EventBridge and SQS emulators on 127.0.0.1:0 (EventBridge delivering to SQS) with real SDK clients. */
export async function startEventBridge(): Promise<EventBridgeFixture> {
  let eb: EventBridgeEmulator | undefined;
  let server: RunningServer | undefined;
  const ctx: SandboxContext = {
    clock: new VirtualClock(),
    account: ACCOUNT,
    region: REGION,
    events: { publish: (event) => eb?.publish(event) },
  };
  const sqs = createSqs(ctx, { endpointUrl: () => server!.url });
  eb = createEventBridge(ctx, sqs);
  server = await startAwsServer({ services: [sqs.service, eb.service], port: 0 });
  const config = {
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const events = new EventBridgeClient(config);
  const queues = new SQSClient(config);
  const running = server;
  return {
    ctx,
    sqs,
    eb,
    server: running,
    events,
    queues,
    async close() {
      events.destroy();
      queues.destroy();
      sqs.close();
      await running.close();
    },
  };
}
