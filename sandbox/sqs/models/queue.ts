/**
 * One emulated standard queue: messages with visibility timeouts, receive counts, retention, redrive to a
 * dead-letter queue, and long-poll waiters. Times are virtual (the sandbox clock); waits are real timers that
 * are unref'd so a pending long poll never keeps the process alive.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_ATTRIBUTES, parseRedrivePolicy, type RedrivePolicy } from './attributes.js';
import { invalidParameter, sqsError } from './errors.js';
import { md5OfBody, md5OfMessageAttributes, type MessageAttributeValue } from './md5.js';

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  awsTraceHeader?: string;
  senderId: string;
  sentAt: number;
  /** Virtual epoch ms from which the message can be received. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of the latest receive; older handles no longer act on the message. */
  receiptHandle?: string;
  deadLetterQueueSourceArn?: string;
}

export interface NewMessage {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  awsTraceHeader?: string;
  senderId: string;
}

interface Waiter {
  check(): void;
  cancel(): void;
}

/** How often a pending long poll re-checks at most (covers the virtual clock jumping forward). */
const MAX_RECHECK_MS = 1000;

/** Resolves another queue by ARN (dead-letter targets). */
export type QueueLookup = (arn: string) => Queue | undefined;

export class Queue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly handles = new Map<string, string>();
  private readonly waiters = new Set<Waiter>();
  private redrive?: RedrivePolicy;
  attributes: Record<string, string>;
  tags: Record<string, string> = {};
  lastModifiedAt: number;
  lastPurgeAt?: number;

  constructor(
    readonly name: string,
    /** Computed on each use: the sandbox may learn its URL (port 0) after scenario queues exist. */
    private readonly urlOf: () => string,
    readonly arn: string,
    attributes: Record<string, string>,
    readonly createdAt: number,
    private readonly now: () => number,
    private readonly lookup: QueueLookup,
  ) {
    this.attributes = { ...DEFAULT_ATTRIBUTES };
    this.lastModifiedAt = createdAt;
    this.setAttributes(attributes);
  }

  get url(): string {
    return this.urlOf();
  }

  /** Applies already validated attributes ("" removes RedrivePolicy/Policy). */
  setAttributes(attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (value === '' && (name === 'RedrivePolicy' || name === 'Policy' || name === 'RedriveAllowPolicy'))
        delete this.attributes[name];
      else this.attributes[name] = value;
    }
    this.redrive = this.attributes.RedrivePolicy
      ? parseRedrivePolicy(this.attributes.RedrivePolicy, () => true)
      : undefined;
    this.lastModifiedAt = this.now();
    this.notify();
  }

  private seconds(name: string): number {
    return Number(this.attributes[name] ?? DEFAULT_ATTRIBUTES[name] ?? 0);
  }

  /** Adds a message (SendMessage, EventBridge delivery) and wakes long polls. */
  enqueue(input: NewMessage): StoredMessage {
    const now = this.now();
    const delay = input.delaySeconds ?? this.seconds('DelaySeconds');
    const hasAttributes = input.messageAttributes && Object.keys(input.messageAttributes).length > 0;
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5OfBody(input.body),
      messageAttributes: hasAttributes ? input.messageAttributes : undefined,
      md5OfMessageAttributes: hasAttributes ? md5OfMessageAttributes(input.messageAttributes!) : undefined,
      awsTraceHeader: input.awsTraceHeader,
      senderId: input.senderId,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    this.messages.set(message.messageId, message);
    this.notify();
    return message;
  }

  /** Takes over a message redriven from another queue (same message id, counts kept, visible at once). */
  adopt(message: StoredMessage, sourceArn: string): void {
    message.receiptHandle = undefined;
    message.visibleAt = this.now();
    message.deadLetterQueueSourceArn = sourceArn;
    this.messages.set(message.messageId, message);
    this.notify();
  }

  /** Drops expired messages and moves over-received visible ones to the dead-letter queue. */
  private sweep(now: number): void {
    const retentionMs = this.seconds('MessageRetentionPeriod') * 1000;
    const deadLetter = this.redrive ? this.lookup(this.redrive.deadLetterTargetArn) : undefined;
    for (const message of [...this.messages.values()]) {
      if (now - message.sentAt >= retentionMs) {
        this.forget(message);
      } else if (
        deadLetter &&
        deadLetter !== this &&
        message.visibleAt <= now &&
        message.receiveCount >= this.redrive!.maxReceiveCount
      ) {
        this.forget(message);
        deadLetter.adopt(message, this.arn);
      }
    }
  }

  private forget(message: StoredMessage): void {
    this.messages.delete(message.messageId);
    if (message.receiptHandle) this.handles.delete(message.receiptHandle);
  }

  /** Receives up to `max` visible messages now, making them invisible for the visibility timeout. */
  receiveNow(max: number, visibilityTimeoutSeconds?: number): StoredMessage[] {
    const now = this.now();
    this.sweep(now);
    const timeoutMs = (visibilityTimeoutSeconds ?? this.seconds('VisibilityTimeout')) * 1000;
    const received: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.receiptHandle) this.handles.delete(message.receiptHandle);
      message.receiptHandle = Buffer.from(`${this.arn} ${message.messageId} ${randomUUID()}`).toString('base64url');
      this.handles.set(message.receiptHandle, message.messageId);
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + timeoutMs;
      received.push({ ...message });
    }
    return received;
  }

  /** Receives, waiting up to `waitSeconds` (real time) for a message; resolves early as soon as one is received. */
  receive(
    max: number,
    visibilityTimeoutSeconds: number | undefined,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<StoredMessage[]> {
    const first = this.receiveNow(max, visibilityTimeoutSeconds);
    if (first.length > 0 || waitSeconds <= 0 || signal?.aborted) return Promise.resolve(first);
    return new Promise((resolve) => {
      let done = false;
      let tick: NodeJS.Timeout | undefined;
      const finish = (messages: StoredMessage[]) => {
        if (done) return;
        done = true;
        clearTimeout(tick);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(messages);
      };
      const schedule = () => {
        clearTimeout(tick);
        tick = setTimeout(waiter.check, Math.max(5, Math.min(this.msUntilNextVisible(), MAX_RECHECK_MS)));
        tick.unref();
      };
      const waiter: Waiter = {
        check: () => {
          if (done) return;
          const messages = this.receiveNow(max, visibilityTimeoutSeconds);
          if (messages.length > 0) finish(messages);
          else schedule();
        },
        cancel: () => finish([]),
      };
      const onAbort = () => finish([]);
      const deadline = setTimeout(() => finish([]), waitSeconds * 1000);
      deadline.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      schedule();
    });
  }

  private msUntilNextVisible(): number {
    const now = this.now();
    let next = Infinity;
    for (const message of this.messages.values())
      if (message.visibleAt > now) next = Math.min(next, message.visibleAt - now);
    return next;
  }

  /** Lets pending long polls look again (something became visible). */
  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  /** Ends every pending long poll with no messages (queue deleted, sandbox closing). */
  cancelWaiters(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
  }

  /** Finds the message a receipt handle names: 'current', 'stale' (ours but superseded or deleted), or invalid. */
  private resolveHandle(handle: unknown): { state: 'current'; message: StoredMessage } | { state: 'stale' } {
    if (typeof handle !== 'string' || handle === '')
      throw sqsError('ReceiptHandleIsInvalid', 'The input receipt handle is missing or empty.');
    const id = this.handles.get(handle);
    if (id !== undefined) return { state: 'current', message: this.messages.get(id)! };
    const decoded = Buffer.from(handle, 'base64url').toString('utf8');
    if (decoded.startsWith(`${this.arn} `)) return { state: 'stale' };
    throw sqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle.slice(0, 40)}" is not a valid receipt handle for queue ${this.name}.`,
    );
  }

  /**
   * Deletes the message a receipt handle was issued for. A superseded handle (the message was received again
   * since) succeeds without deleting, as AWS documents for standard queues.
   */
  deleteByHandle(handle: unknown): void {
    const resolved = this.resolveHandle(handle);
    if (resolved.state === 'current') {
      this.forget(resolved.message);
      this.notify();
    }
  }

  /** Sets a received message's remaining invisibility to `seconds` from now (0 makes it visible at once). */
  changeVisibility(handle: unknown, seconds: unknown): void {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43200) {
      throw invalidParameter(
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: must be an integer from 0 to 43200.`,
      );
    }
    const resolved = this.resolveHandle(handle);
    if (resolved.state === 'stale') {
      throw invalidParameter(
        `Value ${String(handle).slice(0, 40)} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
      );
    }
    const now = this.now();
    if (resolved.message.visibleAt <= now)
      throw sqsError(
        'MessageNotInflight',
        `The message ${resolved.message.messageId} is not in flight (its visibility timeout already expired).`,
      );
    resolved.message.visibleAt = now + seconds * 1000;
    this.notify();
  }

  /** Deletes every message, in flight or not. */
  purge(): void {
    this.messages.clear();
    this.handles.clear();
    this.lastPurgeAt = this.now();
  }

  /** ApproximateNumberOfMessages / NotVisible / Delayed. */
  counts(): { visible: number; inFlight: number; delayed: number } {
    const now = this.now();
    this.sweep(now);
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) counts.visible++;
      else if (message.receiveCount > 0) counts.inFlight++;
      else counts.delayed++;
    }
    return counts;
  }
}
