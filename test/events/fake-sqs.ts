/**
 * A minimal SQS queue over the real JSON protocol, for consumer tests that must run before (or without)
 * the sandbox: long polls wait for messages, receipts are tracked, deletes are recorded, and receive
 * failures can be queued up.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import { AwsError } from '../../sandbox/core/errors.js';

export interface FakeSqs {
  url: string;
  queueUrl: string;
  client: SQSClient;
  send(body: string): void;
  /** Bodies whose messages were deleted, in order. */
  deleted: string[];
  /** Messages not deleted yet (in flight or waiting). */
  pending(): number;
  /** Messages a receive would return now. */
  visible(): number;
  receiveCalls(): number;
  /** The next `count` receives fail with this error code (HTTP 500 for InternalError, 400 otherwise). */
  failNextReceives(count: number, code?: string): void;
  /** Long polls in progress on the server side. */
  waitingPolls(): number;
  close(): Promise<void>;
}

interface StoredMessage {
  id: string;
  body: string;
  receipt?: string;
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeSqs(): Promise<FakeSqs> {
  const visible: StoredMessage[] = [];
  const inFlight = new Map<string, StoredMessage>();
  const deleted: string[] = [];
  const waiters = new Set<() => void>();
  let receiveCalls = 0;
  let failures: { count: number; code: string } = { count: 0, code: 'InternalError' };
  let server: RunningServer;

  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const take = (max: number): StoredMessage[] => {
    const batch = visible.splice(0, max);
    for (const m of batch) {
      m.receipt = randomUUID();
      inFlight.set(m.receipt, m);
    }
    return batch;
  };

  server = await startAwsServer({
    port: 0,
    services: [
      {
        name: 'sqs',
        targetPrefix: 'AmazonSQS',
        jsonVersion: '1.0',
        operations: {
          async ReceiveMessage(input) {
            receiveCalls += 1;
            if (failures.count > 0) {
              failures.count -= 1;
              throw new AwsError(failures.code, 'injected receive failure', failures.code === 'InternalError' ? 500 : 400);
            }
            const max = Math.min(10, Number(input.MaxNumberOfMessages ?? 1));
            const waitMs = Number(input.WaitTimeSeconds ?? 0) * 1000;
            if (visible.length === 0 && waitMs > 0) {
              await new Promise<void>((resolve) => {
                const done = (): void => {
                  clearTimeout(timer);
                  waiters.delete(done);
                  resolve();
                };
                const timer = setTimeout(done, waitMs);
                waiters.add(done);
              });
            }
            const batch = take(max);
            return {
              Messages: batch.map((m) => ({
                MessageId: m.id,
                ReceiptHandle: m.receipt,
                Body: m.body,
                MD5OfBody: createHash('md5').update(m.body).digest('hex'),
              })),
            };
          },
          DeleteMessageBatch(input) {
            const successful: { Id: string }[] = [];
            const failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
            for (const entry of input.Entries ?? []) {
              const message = inFlight.get(entry.ReceiptHandle);
              if (!message) {
                failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true });
                continue;
              }
              inFlight.delete(entry.ReceiptHandle);
              deleted.push(message.body);
              successful.push({ Id: entry.Id });
            }
            return { Successful: successful, Failed: failed };
          },
        },
      },
    ],
  });
  const queueUrl = `${server.url}/111122223333/controller-events`;
  const client = new SQSClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    url: server.url,
    queueUrl,
    client,
    send(body) {
      visible.push({ id: randomUUID(), body });
      wake();
    },
    deleted,
    pending: () => visible.length + inFlight.size,
    visible: () => visible.length,
    receiveCalls: () => receiveCalls,
    failNextReceives(count, code = 'InternalError') {
      failures = { count, code };
    },
    waitingPolls: () => waiters.size,
    async close() {
      wake();
      client.destroy();
      await server.close();
    },
  };
}
