/** Queue attributes: defaults, validation of Create/SetQueueAttributes input, and the redrive policy. */
import { invalidParameter, sqsError } from './errors.js';

/** Settable attributes with the integer range AWS accepts (SQS API reference, SetQueueAttributes). */
const INTEGER_RANGES: Record<string, [min: number, max: number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1048576],
  MessageRetentionPeriod: [60, 1209600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43200],
  KmsDataKeyReusePeriodSeconds: [60, 86400],
};

const FREE_FORM = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'RedrivePolicy']);
const FIFO_ONLY = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes computed by the queue, readable but never settable. */
export const READ_ONLY_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

/** Every attribute name GetQueueAttributes accepts (besides "All"). */
export const READABLE_ATTRIBUTES = new Set<string>([
  ...Object.keys(INTEGER_RANGES),
  ...FREE_FORM,
  ...FIFO_ONLY,
  ...READ_ONLY_ATTRIBUTES,
]);

export const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** Parses a RedrivePolicy attribute; `queueExists` checks the dead-letter queue as AWS does. */
export function parseRedrivePolicy(text: string, queueExists: (arn: string) => boolean): RedrivePolicy {
  const bad = (reason: string) =>
    invalidParameter(`Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('Redrive policy is not a valid JSON map.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad('Redrive policy is not a valid JSON map.');
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== 'string' || !deadLetterTargetArn.startsWith('arn:'))
    throw bad('Invalid value for deadLetterTargetArn.');
  const count = typeof maxReceiveCount === 'string' ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000)
    throw bad('Invalid value for maxReceiveCount (1 to 1000).');
  if (!queueExists(deadLetterTargetArn)) throw bad('Dead letter target does not exist.');
  return { deadLetterTargetArn, maxReceiveCount: count };
}

/**
 * Validates attributes given to CreateQueue/SetQueueAttributes and returns them normalised (RedrivePolicy as
 * compact JSON). Unknown or read-only names raise InvalidAttributeName; out-of-range values InvalidAttributeValue.
 */
export function validateAttributes(input: unknown, queueExists: (arn: string) => boolean): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalidParameter('Attributes must be a map of attribute name to string value.');
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const value = typeof raw === 'number' ? String(raw) : raw;
    if (typeof value !== 'string')
      throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: it must be a string.`);
    const range = INTEGER_RANGES[name];
    if (range) {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < range[0] || n > range[1]) {
        throw sqsError(
          'InvalidAttributeValue',
          `Invalid value for the parameter ${name}: ${value} is not an integer from ${range[0]} to ${range[1]}.`,
        );
      }
      result[name] = String(n);
    } else if (name === 'RedrivePolicy') {
      result[name] = value === '' ? '' : JSON.stringify(parseRedrivePolicy(value, queueExists));
    } else if (name === 'Policy' && value !== '') {
      try {
        JSON.parse(value);
      } catch {
        throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter Policy: it is not valid JSON.');
      }
      result[name] = value;
    } else if (FREE_FORM.has(name)) {
      result[name] = value;
    } else if (FIFO_ONLY.has(name)) {
      throw invalidParameter(`The sandbox does not emulate FIFO queues (attribute ${name}); use a standard queue.`);
    } else {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return result;
}
