/** The queues of one sandbox account and Region: creation (with AWS's recreate-after-delete rule), lookup, deletion. */
import type { SandboxContext } from '../../core/types.js';
import { validateAttributes } from './attributes.js';
import { invalidParameter, queueDoesNotExist, sqsError } from './errors.js';
import { Queue } from './queue.js';

/** AWS refuses to recreate a queue name this long after deleting it. */
const RECREATE_AFTER_DELETE_MS = 60_000;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

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
    if (typeof queueUrl !== 'string' || queueUrl === '')
      throw sqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    let segments: string[];
    try {
      segments = new URL(queueUrl).pathname.split('/').filter(Boolean);
    } catch {
      throw sqsError(
        'InvalidAddress',
        `The address ${queueUrl} is not valid for this endpoint. Use the QueueUrl that CreateQueue or GetQueueUrl returned.`,
      );
    }
    const [account, name] = segments.slice(-2);
    const queue = account === this.ctx.account ? this.queues.get(name) : undefined;
    if (!queue) throw queueDoesNotExist(queueUrl);
    return queue;
  }

  create(name: unknown, rawAttributes: unknown, tags?: Record<string, string>): Queue {
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      if (typeof name === 'string' && name.endsWith('.fifo'))
        throw invalidParameter(`Queue ${name}: the sandbox does not emulate FIFO queues; use a standard queue name.`);
      throw invalidParameter(
        `Value ${String(name)} for parameter QueueName is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.`,
      );
    }
    const attributes = validateAttributes(rawAttributes, (arn) => this.byArn(arn) !== undefined);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if ((existing.attributes[key] ?? '') !== value) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name (${name}) and a different value for attribute ${key}.`,
          );
        }
      }
      return existing;
    }
    const now = this.ctx.clock.now();
    const deletedAt = this.deletedAt.get(name);
    if (deletedAt !== undefined && now - deletedAt < RECREATE_AFTER_DELETE_MS) {
      throw sqsError(
        'QueueDeletedRecently',
        `You must wait 60 seconds after deleting a queue before you can create another queue with the same name (${name}).`,
      );
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
}
