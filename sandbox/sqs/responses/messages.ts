/** SQS message operations: send, receive (long polling), delete, change visibility, and their batch forms. */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { invalidParameter, sqsError } from '../models/errors.js';
import { md5OfMessageAttributes, type MessageAttributeValue } from '../models/md5.js';
import type { Queue, StoredMessage } from '../models/queue.js';
import type { SqsRegistry } from '../models/registry.js';
import { integerParameter } from './params.js';

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

/** Optional second argument a handler may get from the server: aborted when the client goes away. */
interface RequestContext {
  signal?: AbortSignal;
}

function validateMessageAttributes(raw: unknown): {
  attributes?: Record<string, MessageAttributeValue>;
  bytes: number;
} {
  if (raw === undefined || raw === null) return { bytes: 0 };
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParameter('MessageAttributes must be a map of name to attribute value.');
  const entries = Object.entries(raw as Record<string, any>);
  if (entries.length > 10)
    throw invalidParameter(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  const attributes: Record<string, MessageAttributeValue> = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      /^(aws\.|amazon\.)/i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw invalidParameter(`Message attribute name '${name}' is invalid.`);
    }
    const type = value?.DataType;
    if (typeof type !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(type)) {
      throw invalidParameter(
        `The message attribute '${name}' has an invalid message attribute type ${JSON.stringify(type)}; use String, Number or Binary.`,
      );
    }
    if (type.startsWith('Binary')) {
      if (typeof value.BinaryValue !== 'string')
        throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      attributes[name] = { DataType: type, BinaryValue: value.BinaryValue };
      bytes += Buffer.from(value.BinaryValue, 'base64').length;
    } else {
      if (typeof value.StringValue !== 'string')
        throw invalidParameter(`The message attribute '${name}' with type '${type}' must use field 'String'.`);
      if (type.startsWith('Number') && !Number.isFinite(Number(value.StringValue)))
        throw invalidParameter(`Can't cast the value of message attribute '${name}' to a number.`);
      attributes[name] = { DataType: type, StringValue: value.StringValue };
      bytes += Buffer.byteLength(value.StringValue);
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(type);
  }
  return { attributes: entries.length > 0 ? attributes : undefined, bytes };
}

/** Validates one message and stores it; returns the SendMessage result members. */
function send(queue: Queue, entry: Record<string, any>, senderId: string): Record<string, string> {
  const body = entry.MessageBody;
  if (typeof body !== 'string' || body.length === 0)
    throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if (INVALID_BODY_CHARACTER.test(body))
    throw sqsError(
      'InvalidMessageContents',
      'Invalid characters found in the message body; SQS only allows XML 1.0 characters.',
    );
  const delaySeconds = integerParameter(entry, 'DelaySeconds', 0, 900);
  const { attributes, bytes } = validateMessageAttributes(entry.MessageAttributes);
  const limit = Number(queue.attributes.MaximumMessageSize);
  if (Buffer.byteLength(body) + bytes > limit)
    throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
  const trace = entry.MessageSystemAttributes?.AWSTraceHeader?.StringValue;
  const message = queue.enqueue({
    body,
    delaySeconds,
    messageAttributes: attributes,
    awsTraceHeader: typeof trace === 'string' ? trace : undefined,
    senderId,
  });
  const output: Record<string, string> = { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
  if (message.md5OfMessageAttributes) output.MD5OfMessageAttributes = message.md5OfMessageAttributes;
  return output;
}

function checkBatch(entries: unknown, action: string): Record<string, any>[] {
  if (!Array.isArray(entries) || entries.length === 0)
    throw sqsError('EmptyBatchRequest', `There should be at least one ${action} entry in the request.`);
  if (entries.length > 10)
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id))
      throw sqsError(
        'InvalidBatchEntryId',
        `A batch entry id (${String(id)}) can only contain alphanumeric characters, hyphens and underscores, 1 to 80 long.`,
      );
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries;
}

/** Runs each batch entry, turning per-entry AWS errors into Failed entries as SQS does. */
function runBatch(
  entries: Record<string, any>[],
  each: (entry: Record<string, any>) => Record<string, string>,
): { Successful: object[]; Failed: object[] } {
  const Successful: object[] = [];
  const Failed: object[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...each(entry) });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.code, Message: error.message });
    }
  }
  return { Successful, Failed };
}

function wantedMessageAttributes(
  names: unknown,
  message: StoredMessage,
): Record<string, MessageAttributeValue> | undefined {
  if (!message.messageAttributes || !Array.isArray(names) || names.length === 0) return undefined;
  const picked: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    const wanted = names.some(
      (n) =>
        n === 'All' ||
        n === '.*' ||
        n === name ||
        (typeof n === 'string' && n.endsWith('.*') && name.startsWith(n.slice(0, -1))),
    );
    if (wanted) picked[name] = value;
  }
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function systemAttributes(requested: string[], message: StoredMessage): Record<string, string> | undefined {
  if (requested.length === 0) return undefined;
  const all: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp:
      message.firstReceivedAt === undefined ? undefined : String(message.firstReceivedAt),
    AWSTraceHeader: message.awsTraceHeader,
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
  };
  const names = requested.includes('All') ? SYSTEM_ATTRIBUTES : requested;
  const result: Record<string, string> = {};
  for (const name of names) if (all[name] !== undefined) result[name] = all[name]!;
  return Object.keys(result).length > 0 ? result : undefined;
}

function renderMessage(message: StoredMessage, input: Record<string, any>): Record<string, unknown> {
  const requested = [...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])];
  const rendered: Record<string, unknown> = {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
  };
  const attributes = systemAttributes(requested, message);
  if (attributes) rendered.Attributes = attributes;
  const messageAttributes = wantedMessageAttributes(input.MessageAttributeNames, message);
  if (messageAttributes) {
    rendered.MessageAttributes = messageAttributes;
    rendered.MD5OfMessageAttributes = md5OfMessageAttributes(messageAttributes);
  }
  return rendered;
}

/** The message-level operation handlers. */
export function messageOperations(registry: SqsRegistry): Record<string, OperationHandler> {
  const senderId = registry.ctx.account;
  const receiveMessage = async (input: Record<string, any>, context?: RequestContext) => {
    const queue = registry.byUrl(input.QueueUrl);
    const max = integerParameter(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = integerParameter(input, 'VisibilityTimeout', 0, 43200);
    const wait =
      integerParameter(input, 'WaitTimeSeconds', 0, 20) ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    const messages = await queue.receive(max, visibility, registry.closed ? 0 : wait, context?.signal);
    return messages.length > 0 ? { Messages: messages.map((m) => renderMessage(m, input)) } : {};
  };
  return {
    SendMessage: (input) => send(registry.byUrl(input.QueueUrl), input, senderId),
    SendMessageBatch: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      const entries = checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
      const total = entries.reduce(
        (sum, e) => sum + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody) : 0),
        0,
      );
      const limit = Number(queue.attributes.MaximumMessageSize);
      if (total > limit)
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`,
        );
      return runBatch(entries, (entry) => send(queue, entry, senderId));
    },
    ReceiveMessage: receiveMessage,
    DeleteMessage: (input) => {
      registry.byUrl(input.QueueUrl).deleteByHandle(input.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      return runBatch(checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry'), (entry) => {
        queue.deleteByHandle(entry.ReceiptHandle);
        return {};
      });
    },
    ChangeMessageVisibility: (input) => {
      registry.byUrl(input.QueueUrl).changeVisibility(input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      return runBatch(checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry'), (entry) => {
        queue.changeVisibility(entry.ReceiptHandle, entry.VisibilityTimeout);
        return {};
      });
    },
  };
}
