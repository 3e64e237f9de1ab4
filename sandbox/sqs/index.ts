/**
 * The SQS emulator: standard queues over the JSON protocol the current SDK speaks (X-Amz-Target AmazonSQS.*,
 * awsJson1_0 with query-compatible errors). responses/ holds the queue and message operations (request reading,
 * validation, answers); models/ the queues, their messages and attributes, and the SQS error catalogue.
 */
import type { CreateSqs, SqsPort } from '../core/ports.js';
import type { EmulatedService, SandboxContext } from '../core/types.js';
import { sqsErrorHeaders, sqsErrorType } from './models/errors.js';
import type { Queue } from './models/queue.js';
import { SqsRegistry } from './models/registry.js';
import { messageOperations } from './responses/messages.js';
import { queueOperations } from './responses/queues.js';

/** The SQS port plus what the sandbox needs to shut down cleanly and to inspect queues. */
export interface SqsEmulator extends SqsPort {
  /** Ends pending long polls (they answer with no messages) and refuses new waits; idempotent. */
  close(): void;
  /** The queue with this name, for sandbox control endpoints and tests. */
  queueByName(name: string): Queue | undefined;
}

/** Creates the SQS emulator; the queue URLs it hands out start with `options.endpointUrl()`. */
export const createSqs = (ctx: SandboxContext, options: { endpointUrl: () => string }): SqsEmulator => {
  const registry = new SqsRegistry(ctx, options.endpointUrl);
  const service: EmulatedService = {
    name: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: { ...queueOperations(registry), ...messageOperations(registry) },
    errorType: sqsErrorType,
    errorHeaders: sqsErrorHeaders,
  };
  return {
    service,
    sendToArn(queueArn, body) {
      const queue = registry.byArn(queueArn);
      if (!queue) return false;
      queue.enqueue({ body, senderId: ctx.account });
      return true;
    },
    createQueue(name, attributes) {
      const queue = registry.create(name, attributes);
      return { url: queue.url, arn: queue.arn };
    },
    close() {
      registry.closed = true;
      for (const queue of registry.queues.values()) queue.cancelWaiters();
    },
    queueByName: (name) => registry.queues.get(name),
  };
};

createSqs satisfies CreateSqs;
