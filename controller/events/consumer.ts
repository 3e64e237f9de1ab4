/**
 * Long-polls the SQS queue that the EventBridge rule targets and turns each event into work-queue keys.
 * A message is deleted only after its keys were handed to `enqueue` (or it was found useless), so a crash
 * between receive and enqueue makes SQS redeliver it instead of losing it. Receive errors back off with
 * jitter and never end the loop; `stop()` aborts the in-flight long poll.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../telemetry/logger.js';
import type { WorkKey } from '../inventory/work-key.js';
import { awsErrorCode } from '../aws/clients.js';
import { sleepUnlessAborted, systemClock } from '../util/clock.js';
import { mapEventBody, type KnownFleet, type MalformedReason } from './mapper.js';
import { TaskVersionTracker } from './task-versions.js';

/** What the consumer hands on with each event's keys. */
export interface EventMeta {
  detailType: string;
  /** The event's own time (epoch ms), when it had one. */
  eventTime?: number;
  /** The envelope's account and region, when it had them. */
  source?: { account?: string; region?: string };
}

/** Counters the consumer reports to; wire them to ControllerMetrics. */
export interface ConsumerHooks {
  onEvent?(detailType: string): void;
  onMalformed?(reason: MalformedReason): void;
  onDuplicate?(): void;
  /** A receive failed (the AWS error code): the metric ecs_discovery_event_receive_errors_total. */
  onReceiveError?(code: string): void;
}

/** Whether the consumer can receive: /status's EventsReceiving condition and readiness read it. */
export interface ConsumerHealth {
  queueUrl: string;
  /** Epoch ms of the first failure of the current run of failed receives; undefined while receives succeed. */
  failingSince?: number;
  lastError?: { at: number; code: string; message: string };
  lastSuccessAt?: number;
}

export interface SqsEventConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Receives the keys of one event; the message is deleted only after this returns (or resolves). */
  enqueue(keys: WorkKey[], meta: EventMeta): void | Promise<void>;
  logger: Logger;
  hooks?: ConsumerHooks;
  /** Long-poll wait (SQS maximum 20). */
  waitTimeSeconds?: number;
  /** Messages per receive (SQS maximum 10). */
  maxMessages?: number;
  /** First delay after a failed receive; doubles per consecutive failure up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Remembers task versions to drop duplicate and out-of-order task events. */
  taskVersions?: TaskVersionTracker;
  /** The fleet as last read, for events that name a service only by an old-format ARN. */
  known?: KnownFleet;
  random?: () => number;
  /** Clock for the health record (the controller's timers). */
  now?: () => number;
}

/** Counts of one receive cycle, for tests and logs. */
export interface PollResult {
  received: number;
  enqueued: number;
  ignored: number;
  malformed: number;
  duplicates: number;
  deleted: number;
}

/** SQS long-poll consumer of EventBridge events. */
export class SqsEventConsumer {
  private readonly taskVersions: TaskVersionTracker;
  private readonly random: () => number;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private consecutiveFailures = 0;
  private healthState: Omit<ConsumerHealth, 'queueUrl'> = {};

  constructor(private readonly options: SqsEventConsumerOptions) {
    this.taskVersions = options.taskVersions ?? new TaskVersionTracker();
    this.random = options.random ?? Math.random;
  }

  /** Starts the poll loop in the background; a second call is a no-op. */
  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Ends the loop promptly: aborts the in-flight long poll and waits for the current batch to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  /** Whether receives succeed, since when they fail, and the last error. */
  health(): ConsumerHealth {
    return { queueUrl: this.options.queueUrl, ...this.healthState };
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.options.logger.info({ queueUrl: this.options.queueUrl }, 'event consumer started');
    while (!signal.aborted) {
      try {
        await this.pollOnce(signal);
        this.consecutiveFailures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.consecutiveFailures += 1;
        const now = (this.options.now ?? systemClock.now)();
        const { code, message } = errorSummary(error);
        this.healthState = {
          ...this.healthState,
          failingSince: this.healthState.failingSince ?? now,
          lastError: { at: now, code, message },
        };
        this.options.hooks?.onReceiveError?.(code);
        const delay = this.backoffMs(this.consecutiveFailures);
        this.options.logger.warn(
          {
            err: errorSummary(error),
            queueUrl: this.options.queueUrl,
            retryInMs: delay,
            failures: this.consecutiveFailures,
          },
          'receiving events from SQS failed; retrying (check the queue URL and sqs:ReceiveMessage permission)',
        );
        await sleepUnlessAborted(delay, signal);
      }
    }
    this.options.logger.info({ queueUrl: this.options.queueUrl }, 'event consumer stopped');
  }

  /** One receive and the handling of what it returned; throws only when the receive itself fails. */
  async pollOnce(signal?: AbortSignal): Promise<PollResult> {
    const response = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
        MaxNumberOfMessages: this.options.maxMessages ?? 10,
      }),
      { abortSignal: signal },
    );
    this.healthState = {
      ...this.healthState,
      failingSince: undefined,
      lastSuccessAt: (this.options.now ?? systemClock.now)(),
    };
    const messages = response.Messages ?? [];
    const result: PollResult = {
      received: messages.length,
      enqueued: 0,
      ignored: 0,
      malformed: 0,
      duplicates: 0,
      deleted: 0,
    };
    const done: Message[] = [];
    for (const message of messages) {
      if (await this.handle(message, result)) done.push(message);
    }
    result.deleted = await this.deleteBatch(done);
    return result;
  }

  /** Returns true when the message may be deleted. */
  private async handle(message: Message, result: PollResult): Promise<boolean> {
    const { logger, hooks } = this.options;
    const body = message.Body ?? '';
    const mapped = mapEventBody(body, this.options.known);
    if (mapped.outcome === 'malformed') {
      result.malformed += 1;
      hooks?.onMalformed?.(mapped.reason);
      // Never log the body: it may be large, or not ours at all.
      logger.warn(
        {
          messageId: message.MessageId,
          reason: mapped.reason,
          detailType: mapped.detailType,
          bodyBytes: Buffer.byteLength(body),
        },
        'dropping a queue message that is not a usable EventBridge event',
      );
      return true;
    }
    hooks?.onEvent?.(mapped.detailType);
    if (mapped.outcome === 'ignored') {
      result.ignored += 1;
      logger.debug(
        { messageId: message.MessageId, detailType: mapped.detailType, reason: mapped.reason },
        'event ignored',
      );
      return true;
    }
    const version = mapped.taskVersion;
    if (version && this.taskVersions.isStale(version.taskArn, version.version)) {
      result.duplicates += 1;
      hooks?.onDuplicate?.();
      logger.debug(
        { messageId: message.MessageId, version: version.version },
        'duplicate or out-of-order task event dropped',
      );
      return true;
    }
    try {
      await this.options.enqueue(mapped.keys, {
        detailType: mapped.detailType,
        eventTime: mapped.eventTime,
        ...(mapped.source ? { source: mapped.source } : {}),
      });
    } catch (error) {
      // Keep the message: SQS makes it visible again after the visibility timeout.
      logger.warn(
        { messageId: message.MessageId, err: errorSummary(error) },
        'could not enqueue event keys; leaving the message for redelivery',
      );
      return false;
    }
    if (version) this.taskVersions.record(version.taskArn, version.version);
    result.enqueued += 1;
    return true;
  }

  private async deleteBatch(messages: Message[]): Promise<number> {
    const entries = messages
      .filter((m) => m.ReceiptHandle)
      .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    if (entries.length === 0) return 0;
    try {
      // Not aborted by stop(): finishing the delete avoids needless redelivery of handled events.
      const response = await this.options.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
      );
      const failed = response.Failed ?? [];
      if (failed.length > 0) {
        this.options.logger.warn(
          { failed: failed.length, codes: [...new Set(failed.map((f) => f.Code))] },
          'some handled queue messages could not be deleted; they will be redelivered (harmless: reconciles are idempotent)',
        );
      }
      return entries.length - failed.length;
    } catch (error) {
      this.options.logger.warn(
        { err: errorSummary(error), count: entries.length },
        'deleting handled queue messages failed; they will be redelivered',
      );
      return 0;
    }
  }

  private backoffMs(failures: number): number {
    const base = this.options.baseBackoffMs ?? 1_000;
    const max = this.options.maxBackoffMs ?? 60_000;
    const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
    // Equal jitter: at least half the delay, so a flapping endpoint is not hammered.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}

function errorSummary(error: unknown): { code: string; message: string } {
  return { code: awsErrorCode(error), message: error instanceof Error ? error.message : String(error) };
}
