/**
 * The SQS emulator: standard queues over the JSON protocol the current SDK speaks (X-Amz-Target AmazonSQS.*,
 * awsJson1_0 with query-compatible errors). Queue-level operations live here; message operations in messages.ts.
 */
import type { CreateSqs, SqsPort } from '../core/ports.js';
import type { EmulatedService, OperationHandler, SandboxContext } from '../core/types.js';
import { READABLE_ATTRIBUTES, READ_ONLY_ATTRIBUTES, validateAttributes } from './attributes.js';
import { invalidParameter, queueDoesNotExist, sqsError, sqsErrorHeaders, sqsErrorType } from './errors.js';
import { messageOperations } from './messages.js';
import { Queue } from './queue.js';

/** AWS refuses to recreate a queue name this long after deleting it. */
const RECREATE_AFTER_DELETE_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The SQS port plus what the sandbox needs to shut down cleanly and to inspect queues. */
export interface SqsEmulator extends SqsPort {
  /** Ends pending long polls (they answer with no messages) and refuses new waits; idempotent. */
  close(): void;
  /** The queue with this name, for sandbox control endpoints and tests. */
  queueByName(name: string): Queue | undefined;
}

/** Owns the queues of one sandbox account/region. */
export class SqsRegistry {
  readonly queues = new Map<string, Queue>();
  private readonly deletedAt = new Map<string, number>();
  closed = false;

  constructor(
    readonly ctx: SandboxContext,
    private readonly endpointUrl: () => string,
  ) {}

  byArn(arn: string): Queue | undefined {
    for (const queue of this.queues.values()) if (queue.arn === arn) return queue;
    return undefined;
  }

  /** Resolves a QueueUrl parameter (any host: only the account and name path segments count). */
  byUrl(queueUrl: unknown): Queue {
    if (typeof queueUrl !== 'string' || queueUrl === '') throw sqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    let segments: string[];
    try {
      segments = new URL(queueUrl).pathname.split('/').filter(Boolean);
    } catch {
      throw sqsError('InvalidAddress', `The address ${queueUrl} is not valid for this endpoint. Use the QueueUrl that CreateQueue or GetQueueUrl returned.`);
    }
    const [account, name] = segments.slice(-2);
    const queue = account === this.ctx.account ? this.queues.get(name) : undefined;
    if (!queue) throw queueDoesNotExist(queueUrl);
    return queue;
  }

  create(name: unknown, rawAttributes: unknown, tags?: Record<string, string>): Queue {
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      if (typeof name === 'string' && name.endsWith('.fifo')) throw invalidParameter(`Queue ${name}: the sandbox does not emulate FIFO queues; use a standard queue name.`);
      throw invalidParameter(`Value ${String(name)} for parameter QueueName is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.`);
    }
    const attributes = validateAttributes(rawAttributes, (arn) => this.byArn(arn) !== undefined);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if ((existing.attributes[key] ?? '') !== value) {
          throw sqsError('QueueNameExists', `A queue already exists with the same name (${name}) and a different value for attribute ${key}.`);
        }
      }
      return existing;
    }
    const now = this.ctx.clock.now();
    const deletedAt = this.deletedAt.get(name);
    if (deletedAt !== undefined && now - deletedAt < RECREATE_AFTER_DELETE_MS) {
      throw sqsError('QueueDeletedRecently', `You must wait 60 seconds after deleting a queue before you can create another queue with the same name (${name}).`);
    }
    const queue = new Queue(
      name,
      () => `${this.endpointUrl().replace(/\/+$/, '')}/${this.ctx.account}/${name}`,
      `arn:aws:sqs:${this.ctx.region}:${this.ctx.account}:${name}`,
      attributes,
      now,
      () => this.ctx.clock.now(),
      (arn) => this.byArn(arn),
    );
    if (tags) queue.tags = { ...tags };
    this.queues.set(name, queue);
    return queue;
  }

  delete(queue: Queue): void {
    this.queues.delete(queue.name);
    this.deletedAt.set(queue.name, this.ctx.clock.now());
    queue.cancelWaiters();
  }

  /** GetQueueAttributes for the requested names ("All" for every attribute). */
  readAttributes(queue: Queue, names: unknown): Record<string, string> | undefined {
    if (names === undefined || names === null) return undefined;
    if (!Array.isArray(names)) throw invalidParameter('AttributeNames must be a list of attribute names.');
    if (names.length === 0) return undefined;
    for (const name of names) {
      if (name !== 'All' && !READABLE_ATTRIBUTES.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
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
}

function decodeToken(token: unknown): string {
  if (token === undefined || token === null) return '';
  if (typeof token !== 'string') throw invalidParameter('NextToken must be a string.');
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith('after:')) throw invalidParameter(`Invalid NextToken value ${token}.`);
  return decoded.slice('after:'.length);
}

function queueOperations(registry: SqsRegistry): Record<string, OperationHandler> {
  const { ctx } = registry;
  return {
    CreateQueue: (input) => {
      if (input.tags !== undefined && (typeof input.tags !== 'object' || Array.isArray(input.tags))) throw invalidParameter('tags must be a map.');
      return { QueueUrl: registry.create(input.QueueName, input.Attributes, input.tags).url };
    },
    GetQueueUrl: (input) => {
      const owner = input.QueueOwnerAWSAccountId ?? ctx.account;
      const queue = owner === ctx.account ? registry.queues.get(String(input.QueueName)) : undefined;
      if (!queue) throw queueDoesNotExist(`name ${input.QueueName} in account ${owner}`);
      return { QueueUrl: queue.url };
    },
    GetQueueAttributes: (input) => {
      const attributes = registry.readAttributes(registry.byUrl(input.QueueUrl), input.AttributeNames);
      return attributes ? { Attributes: attributes } : {};
    },
    SetQueueAttributes: (input) => {
      const queue = registry.byUrl(input.QueueUrl);
      for (const name of Object.keys(input.Attributes ?? {})) {
        if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
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
        throw sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
      }
      queue.purge();
      return {};
    },
    ListQueues: (input) => {
      const max = input.MaxResults;
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000)) throw invalidParameter(`Value ${max} for parameter MaxResults is invalid. Reason: must be between 1 and 1000.`);
      const after = decodeToken(input.NextToken);
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const names = [...registry.queues.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
      const page = names.slice(0, max ?? 1000);
      const output: Record<string, unknown> = {};
      if (page.length > 0) output.QueueUrls = page.map((n) => registry.queues.get(n)!.url);
      if (max !== undefined && names.length > page.length) output.NextToken = Buffer.from(`after:${page.at(-1)}`).toString('base64url');
      return output;
    },
    ListDeadLetterSourceQueues: (input) => {
      const target = registry.byUrl(input.QueueUrl);
      const sources = [...registry.queues.values()].filter((q) => q.attributes.RedrivePolicy && JSON.parse(q.attributes.RedrivePolicy).deadLetterTargetArn === target.arn);
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
