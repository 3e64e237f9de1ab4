import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchEntryIdsNotDistinct,
  EmptyBatchRequest,
  InvalidAttributeName,
  MessageNotInflight,
  PurgeQueueInProgress,
  QueueDeletedRecently,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { SandboxContext } from '../../sandbox/core/types.js';
import { createSqs, type SqsEmulator } from '../../sandbox/sqs/index.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

describe('SQS emulator through @aws-sdk/client-sqs', () => {
  const clock = new VirtualClock();
  let server: RunningServer;
  let sqs: SqsEmulator;
  let client: SQSClient;

  before(async () => {
    const ctx: SandboxContext = { clock, account: ACCOUNT, region: REGION, events: { publish: () => {} } };
    sqs = createSqs(ctx, { endpointUrl: () => server.url });
    server = await startAwsServer({ services: [sqs.service], port: 0 });
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

  it('creates a queue with the AWS URL and ARN forms, idempotently for the same attributes', async () => {
    const url = await create('lifecycle', { VisibilityTimeout: '5' });
    assert.equal(url, `${server.url}/${ACCOUNT}/lifecycle`);
    assert.equal(await create('lifecycle', { VisibilityTimeout: '5' }), url);
    assert.equal(await create('lifecycle'), url);
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'lifecycle' }));
    assert.equal(QueueUrl, url);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(Attributes?.QueueArn, `arn:aws:sqs:${REGION}:${ACCOUNT}:lifecycle`);
    assert.equal(Attributes?.VisibilityTimeout, '5');
    assert.equal(Attributes?.MessageRetentionPeriod, '345600');
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    assert.equal(Attributes?.RedrivePolicy, undefined);
  });

  it('refuses to recreate a queue with a different attribute value (QueueNameExists)', async () => {
    await create('differing', { VisibilityTimeout: '5' });
    await assert.rejects(create('differing', { VisibilityTimeout: '6' }), (error: unknown) => {
      assert.ok(error instanceof QueueNameExists, `got ${(error as Error).name}`);
      assert.match(error.message, /VisibilityTimeout/);
      return true;
    });
  });

  it('raises QueueDoesNotExist for unknown names and deleted queues, and QueueDeletedRecently within 60 s', async () => {
    await assert.rejects(client.send(new GetQueueUrlCommand({ QueueName: 'never-created' })), QueueDoesNotExist);
    const url = await create('short-lived');
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    await assert.rejects(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })), QueueDoesNotExist);
    await assert.rejects(create('short-lived'), QueueDeletedRecently);
    clock.advance(61_000);
    assert.equal(await create('short-lived'), url);
  });

  it('lists queues by prefix with pagination', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await create(name);
    const first = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    assert.deepEqual(
      first.QueueUrls?.map((u) => u.split('/').pop()),
      ['page-a', 'page-b'],
    );
    assert.ok(first.NextToken);
    const second = await client.send(
      new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      second.QueueUrls?.map((u) => u.split('/').pop()),
      ['page-c'],
    );
    assert.equal(second.NextToken, undefined);
    const none = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'no-such-prefix' }));
    assert.equal(none.QueueUrls, undefined);
  });

  it('sets and validates attributes, including a redrive policy to an existing queue', async () => {
    const url = await create('settable');
    await create('settable-dlq');
    const dlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:settable-dlq`;
    await client.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          ReceiveMessageWaitTimeSeconds: '2',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }),
        },
      }),
    );
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['RedrivePolicy', 'ReceiveMessageWaitTimeSeconds'],
      }),
    );
    assert.deepEqual(JSON.parse(Attributes!.RedrivePolicy ?? '{}'), {
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 3,
    });
    assert.equal(Attributes!.ReceiveMessageWaitTimeSeconds, '2');
    await assert.rejects(
      client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Colour: 'blue' } as never })),
      InvalidAttributeName,
    );
    await assert.rejects(
      client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Colour' as never] })),
      InvalidAttributeName,
    );
    await assert.rejects(
      client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '99999' } })),
      (error: unknown) => error instanceof SQSServiceException && error.name === 'InvalidAttributeValue',
    );
    await assert.rejects(
      client.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:missing`,
              maxReceiveCount: 1,
            }),
          },
        }),
      ),
      (error: unknown) =>
        error instanceof SQSServiceException && /Dead letter target does not exist/.test(error.message),
    );
  });

  it('sends and receives with a correct MD5, message attributes and system attributes', async () => {
    const url = await create('roundtrip');
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"hello":"wörld ✓"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          size: { DataType: 'Number', StringValue: '3' },
        },
      }),
    );
    assert.ok(sent.MessageId);
    assert.match(sent.MD5OfMessageAttributes ?? '', /^[0-9a-f]{32}$/);
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    assert.equal(Messages?.length, 1);
    const [message] = Messages!;
    assert.equal(message.Body, '{"hello":"wörld ✓"}');
    assert.equal(message.MessageId, sent.MessageId);
    assert.equal(message.Attributes?.ApproximateReceiveCount, '1');
    assert.ok(Math.abs(Number(message.Attributes?.SentTimestamp) - clock.now()) < 60_000);
    assert.equal(message.Attributes?.SenderId, undefined);
    assert.equal(message.MessageAttributes?.kind.StringValue, 'greeting');
    assert.equal(message.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  });

  it('answers the deprecated AttributeNames form too', async () => {
    const url = await create('legacy-attributes');
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(Messages?.[0].Attributes?.ApproximateReceiveCount, '1');
    assert.equal(Messages?.[0].Attributes?.SenderId, ACCOUNT);
  });

  it('deletes in batches, reporting a bad receipt handle per entry', async () => {
    const url = await create('batch');
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [1, 2, 3].map((n) => ({ Id: `m${n}`, MessageBody: `body ${n}` })),
      }),
    );
    assert.deepEqual(sent.Successful?.map((s) => s.Id).sort(), ['m1', 'm2', 'm3']);
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(Messages?.map((m) => m.Body).sort(), ['body 1', 'body 2', 'body 3']);
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: Messages![0].ReceiptHandle },
          { Id: 'b', ReceiptHandle: Messages![1].ReceiptHandle },
          { Id: 'c', ReceiptHandle: 'not-a-receipt-handle' },
        ],
      }),
    );
    assert.deepEqual(deleted.Successful?.map((s) => s.Id).sort(), ['a', 'b']);
    assert.equal(deleted.Failed?.length, 1);
    assert.equal(deleted.Failed?.[0].Id, 'c');
    assert.equal(deleted.Failed?.[0].Code, 'ReceiptHandleIsInvalid');
    assert.equal(deleted.Failed?.[0].SenderFault, true);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    assert.deepEqual(Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
  });

  it('rejects malformed batches with the batch error classes', async () => {
    const url = await create('bad-batches');
    await assert.rejects(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), EmptyBatchRequest);
    await assert.rejects(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', MessageBody: '1' },
            { Id: 'x', MessageBody: '2' },
          ],
        }),
      ),
      BatchEntryIdsNotDistinct,
    );
    await assert.rejects(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'b' })),
        }),
      ),
      TooManyEntriesInBatchRequest,
    );
  });

  it('raises the modelled errors for receipt handles, visibility, purge and receive parameters', async () => {
    const url = await create('errors');
    await assert.rejects(
      client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
      ReceiptHandleIsInvalid,
    );
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    await assert.rejects(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: Messages![0].ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
      MessageNotInflight,
    );
    await assert.rejects(
      client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
      (error: unknown) => error instanceof SQSServiceException && error.name === 'InvalidParameterValue',
    );
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    await assert.rejects(client.send(new PurgeQueueCommand({ QueueUrl: url })), PurgeQueueInProgress);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
  });

  it('delivers EventBridge target messages by queue ARN', async () => {
    const url = await create('targets');
    assert.equal(sqs.sendToArn(`arn:aws:sqs:${REGION}:${ACCOUNT}:targets`, '{"detail-type":"x"}'), true);
    assert.equal(sqs.sendToArn(`arn:aws:sqs:${REGION}:${ACCOUNT}:nowhere`, '{}'), false);
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(Messages?.[0].Body, '{"detail-type":"x"}');
  });
});
