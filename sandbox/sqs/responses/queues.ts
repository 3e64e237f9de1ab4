/** SQS queue operations over the registry (models/registry.ts). */
import type { OperationHandler } from '../../core/types.js';
import { READABLE_ATTRIBUTES, READ_ONLY_ATTRIBUTES, validateAttributes } from '../models/attributes.js';
import { invalidParameter, queueDoesNotExist, sqsError } from '../models/errors.js';
import type { Queue } from '../models/queue.js';
import type { SqsRegistry } from '../models/registry.js';
import { integerParameter, tokens } from './params.js';

const PURGE_INTERVAL_MS = 60_000;

/** GetQueueAttributes for the requested names ("All" for every attribute). */
function readAttributes(queue: Queue, names: unknown): Record<string, string> | undefined {
  if (names === undefined || names === null) return undefined;
  if (!Array.isArray(names)) throw invalidParameter('AttributeNames must be a list of attribute names.');
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (name !== 'All' && !READABLE_ATTRIBUTES.has(name))
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  const counts = queue.counts();
  const all: Record<string, string> = {
    ...queue.attributes,
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
  };
  const wanted = names.includes('All') ? Object.keys(all) : names;
  const result: Record<string, string> = {};
  for (const name of wanted) if (all[name] !== undefined) result[name] = all[name];
  return result;
}

/** Queue-level operations: Create/Delete/Purge/ListQueues, GetQueueUrl, queue attributes and tags. */
export function queueOperations(registry: SqsRegistry): Record<string, OperationHandler> {
  const { ctx } = registry;
  return {
    CreateQueue: (input) => {
      if (input.tags !== undefined && (typeof input.tags !== 'object' || Array.isArray(input.tags)))
        throw invalidParameter('tags must be a map.');
      return { QueueUrl: registry.create(input.QueueName, input.Attributes, input.tags).url };
    },
    GetQueueUrl: (input) => {
      const owner = input.QueueOwnerAWSAccountId ?? ctx.account;
      const queue = owner === ctx.account ? registry.queues.get(String(input.QueueName)) : undefined;
      if (!queue) throw queueDoesNotExist(`name ${input.QueueName} in account ${owner}`);
      return { QueueUrl: queue.url };
    },
    GetQueueAttributes: (input) => {
      const attributes = readAttributes(registry.byUrl(input.QueueUrl), input.AttributeNames);
      return attributes ? { Attributes: attributes } : {};
    },
    SetQueueAttributes: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      for (const name of Object.keys(input.Attributes ?? {})) {
        if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(name))
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      queue.setAttributes(validateAttributes(input.Attributes, (arn) => registry.byArn(arn) !== undefined));
      return {};
    },
    DeleteQueue: (input) => {
      registry.delete(registry.byUrl(input.QueueUrl));
      return {};
    },
    PurgeQueue: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      if (queue.lastPurgeAt !== undefined && ctx.clock.now() - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
        throw sqsError(
          'PurgeQueueInProgress',
          `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
        );
      }
      queue.purge();
      return {};
    },
    ListQueues: (input) => {
      const max = integerParameter(input, 'MaxResults', 1, 1000);
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const after = tokens.decode(input.NextToken, 'ListQueues', prefix) ?? '';
      const names = [...registry.queues.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
      const page = names.slice(0, max ?? 1000);
      const output: Record<string, unknown> = {};
      if (page.length > 0) output.QueueUrls = page.map((n) => registry.queues.get(n)!.url);
      if (max !== undefined && names.length > page.length)
        output.NextToken = tokens.encode('ListQueues', page.at(-1)!, prefix);
      return output;
    },
    ListDeadLetterSourceQueues: (input) => {
      const target = registry.byUrl(input.QueueUrl);
      const sources = [...registry.queues.values()].filter(
        (q) => q.attributes.RedrivePolicy && JSON.parse(q.attributes.RedrivePolicy).deadLetterTargetArn === target.arn,
      );
      return { queueUrls: sources.map((q) => q.url).sort() };
    },
    TagQueue: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      queue.tags = { ...queue.tags, ...(input.Tags ?? {}) };
      return {};
    },
    UntagQueue: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      for (const key of input.TagKeys ?? []) delete queue.tags[key];
      return {};
    },
    ListQueueTags: (input) => {
      const tags = registry.byUrl(input.QueueUrl).tags;
      return Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {};
    },
  };
}
