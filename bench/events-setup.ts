/**
 * Set-up and probes of bench/events.ts: event routing to the controller's queue and to an observer queue the
 * bench reads itself (same EventBridge rule, so both get each event at the same moment and its SentTimestamp),
 * a hook that timestamps the sandbox's receipt of each DeregisterInstance, and small statistics.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { AwsClients } from '../controller/aws/clients.js';
import type { Sandbox } from '../sandbox/index.js';

export const RULE_NAME = 'ecs-discovery-controller';

async function queueArn(clients: AwsClients, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** The rule install-events creates (every aws.ecs event) with two targets: the controller's queue and the observer's. */
export async function installRouting(
  clients: AwsClients,
): Promise<{ controllerQueueUrl: string; observerQueueUrl: string }> {
  const controller = await queueArn(clients, 'discovery-events');
  const observer = await queueArn(clients, 'bench-observer');
  await clients.eventBridge.send(
    new PutRuleCommand({ Name: RULE_NAME, EventPattern: JSON.stringify({ source: ['aws.ecs'] }), State: 'ENABLED' }),
  );
  await clients.eventBridge.send(
    new PutTargetsCommand({
      Rule: RULE_NAME,
      Targets: [
        { Id: 'controller', Arn: controller.arn },
        { Id: 'observer', Arn: observer.arn },
      ],
    }),
  );
  return { controllerQueueUrl: controller.url, observerQueueUrl: observer.url };
}

/** One ECS Task State Change as the observer queue saw it. */
export interface ObservedTaskEvent {
  taskId: string;
  lastStatus: string;
  sentAt: number;
}

/** Reads and deletes everything in the observer queue; returns its task-state events. */
export async function drainObserver(clients: AwsClients, queueUrl: string): Promise<ObservedTaskEvent[]> {
  const events: ObservedTaskEvent[] = [];
  for (;;) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    if (Messages.length === 0) return events;
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as {
        'detail-type'?: string;
        detail?: { taskArn?: string; lastStatus?: string };
      };
      if (body['detail-type'] !== 'ECS Task State Change' || !body.detail?.taskArn) continue;
      events.push({
        taskId: body.detail.taskArn.slice(body.detail.taskArn.lastIndexOf('/') + 1),
        lastStatus: body.detail.lastStatus ?? '',
        sentAt: Number(message.Attributes?.SentTimestamp),
      });
    }
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/**
 * Records when the sandbox received each DeregisterInstance (sandbox clock, the clock SentTimestamp uses), by
 * instance id, by wrapping the emulator's handler. Returns the map it fills.
 */
export function recordDeregistrations(sandbox: Sandbox): Map<string, number> {
  const seen = new Map<string, number>();
  const operations = sandbox.cloudMap.service.operations;
  const original = operations.DeregisterInstance;
  operations.DeregisterInstance = (input, context) => {
    const id = String(input?.InstanceId ?? '');
    if (!seen.has(id)) seen.set(id, sandbox.clock.now());
    return original(input, context);
  };
  return seen;
}

/** The p-th percentile (nearest rank) of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Differences of two call-counter snapshots, by operation, without zero entries. */
export function callDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) delta[op] = d;
  }
  return delta;
}

/** Sum of the calls whose operation is not SQS (the AWS work an event causes, not its delivery). */
export function awsCalls(delta: Record<string, number>): number {
  return Object.entries(delta)
    .filter(([op]) => !op.startsWith('sqs:'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Sleeps without keeping the process alive. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `probe` to hold, polling every 20 ms; false after `timeoutMs`. */
export async function waitFor(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
