import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SQSClient,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { CallCounter } from '../../sandbox/core/calls.js';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { SandboxContext } from '../../sandbox/core/types.js';
import { createSqs, type SqsEmulator } from '../../sandbox/sqs/index.js';
import { waitFor } from '../support/wait.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

describe('SQS delivery semantics: long polling, visibility, redrive', () => {
  const clock = new VirtualClock();
  let server: RunningServer;
  let sqs: SqsEmulator;
  let client: SQSClient;
  const calls = new CallCounter();
  /** A ReceiveMessage the server holds open (arrived, not answered yet): the long poll is waiting. */
  const pollWaiting = () =>
    calls.log().some((call) => call.operation === 'sqs:ReceiveMessage' && call.status === undefined);

  before(async () => {
    const ctx: SandboxContext = { clock, account: ACCOUNT, region: REGION, events: { publish: () => {} } };
    sqs = createSqs(ctx, { endpointUrl: () => server.url });
    server = await startAwsServer({ services: [sqs.service], port: 0, calls });
    client = new SQSClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  after(async () => {
    client.destroy();
    sqs.close();
    await server.close();
  });

  const create = async (name: string, Attributes?: Record<string, string>) =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;
  const counts = async (url: string) =>
    (
      await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      )
    ).Attributes;

  it('a long poll wakes up for a message sent while it waits', async () => {
    const url = await create('long-poll');
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await waitFor(pollWaiting, { what: 'the long poll to wait on the server' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await polling;
    assert.equal(Messages?.[0].Body, 'wake up');
  });

  it('a long poll with nothing to receive answers with no messages', async () => {
    const url = await create('empty-poll');
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    assert.equal(Messages, undefined);
  });

  it('re-delivers a message whose visibility timeout ran out, with a fresh receipt handle and a higher receive count', async () => {
    const url = await create('redeliver', { VisibilityTimeout: '1' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const first = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0];
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    assert.deepEqual(await counts(url), {
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    // Real time: the long poll must pick the message up once its 1 s of invisibility is over.
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const second = Messages![0];
    assert.equal(second.MessageId, first.MessageId);
    assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);
    assert.equal(second.Attributes?.ApproximateReceiveCount, '2');
    // The superseded handle no longer deletes the message; the current one does.
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    assert.equal((await counts(url))?.ApproximateNumberOfMessagesNotVisible, '1');
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle }));
    assert.deepEqual(await counts(url), {
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
  });

  it('follows the virtual clock: advancing it ends visibility timeouts and delays', async () => {
    const url = await create('virtual-time', { VisibilityTimeout: '600' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 300 }));
    assert.equal((await counts(url))?.ApproximateNumberOfMessagesDelayed, '1');
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    clock.advance(300_000);
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0].Body, 'later');
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    clock.advance(600_000);
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0].Body, 'later');
  });

  it('drops messages older than the retention period', async () => {
    const url = await create('retention', { MessageRetentionPeriod: '60' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'stale soon' }));
    clock.advance(61_000);
    assert.equal((await counts(url))?.ApproximateNumberOfMessages, '0');
  });

  it('ChangeMessageVisibility to 0 makes a message receivable at once', async () => {
    const url = await create('change-visibility', { VisibilityTimeout: '600' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'back' }));
    const first = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0];
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }),
    );
    assert.equal(
      (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0].MessageId,
      first.MessageId,
    );
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlqUrl = await create('work-dlq');
    const url = await create('work', {
      VisibilityTimeout: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('work-dlq'), maxReceiveCount: 2 }),
    });
    const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0].MessageId,
        MessageId,
      );
    }
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'] }),
    );
    assert.equal(Messages?.[0].MessageId, MessageId);
    assert.equal(Messages?.[0].Body, 'poison');
    assert.equal(Messages?.[0].Attributes?.DeadLetterQueueSourceArn, arnOf('work'));
    const { queueUrls } = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    assert.deepEqual(queueUrls, [url]);
  });

  it('a long poll waiting on the source queue does not receive a message once it is redriven', async () => {
    const dlqUrl = await create('slow-dlq');
    const url = await create('slow', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('slow-dlq'), maxReceiveCount: 1 }),
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'once' }));
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.length, 1);
    const dlqPoll = client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 5 }));
    assert.equal(
      (await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }))).Messages,
      undefined,
    );
    assert.equal((await dlqPoll).Messages?.[0].Body, 'once');
  });

  it('close() ends pending long polls with no messages', async () => {
    const url = await create('closing');
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await waitFor(pollWaiting, { what: 'the long poll to wait on the server' });
    sqs.close();
    const { Messages } = await polling;
    assert.equal(Messages, undefined);
  });
});
