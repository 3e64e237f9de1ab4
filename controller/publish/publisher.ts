/**
 * Publishes the controller's own events to an EventBridge bus. Never in the way of reconciliation: `publish`
 * only queues, a background drain sends batches of up to ten entries (PutEvents' limit) at a paced rate, a
 * full queue drops its oldest events, and every failure is a count and a log line, never an error of a key.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Logger } from '../telemetry/logger.js';
import { TokenBucket, type RateLimit } from '../aws/pacing.js';
import { systemClock, systemSleep, type Clock, type Sleep } from '../util/clock.js';
import { EVENT_SOURCE, type DiscoveryEvent } from './discovery-events.js';

/** PutEvents takes at most 10 entries and 256 KiB per request (EventBridge API Reference, PutEvents). */
const MAX_ENTRIES_PER_CALL = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** The part of an EventBridge client the publisher uses. */
export interface PutEventsSender {
  send(
    command: PutEventsCommand,
  ): Promise<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] }>;
}

/** What the publisher counts; the runtime wires these to metrics (telemetry stays a leaf). */
export interface PublisherCounters {
  published(count: number): void;
  failed(count: number, code: string): void;
  dropped(count: number): void;
}

export interface PublisherOptions {
  /** Bus name or ARN (`--events-bus`). */
  busName: string;
  /** PutEvents calls per second. EventBridge's PutEvents quota is thousands per second per Region; 5/s of batches keeps the controller a small tenant. */
  rate?: RateLimit;
  /** Events held while EventBridge is slow or down; beyond it the oldest go first. */
  maxQueued?: number;
  counters?: PublisherCounters;
  logger: Logger;
  clock?: Clock;
  sleep?: Sleep;
}

const NO_COUNTERS: PublisherCounters = { published: () => {}, failed: () => {}, dropped: () => {} };

/** Queues events and sends them to EventBridge in the background, paced and batched. */
export class EventPublisher {
  private readonly queue: DiscoveryEvent[] = [];
  private readonly bucket: TokenBucket;
  private readonly counters: PublisherCounters;
  private readonly maxQueued: number;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly client: PutEventsSender,
    private readonly options: PublisherOptions,
  ) {
    this.bucket = new TokenBucket(
      options.rate ?? { rate: 5, burst: 10 },
      options.clock ?? systemClock,
      options.sleep ?? systemSleep,
    );
    this.counters = options.counters ?? NO_COUNTERS;
    this.maxQueued = options.maxQueued ?? 1000;
  }

  /** Queues events for sending; returns at once. */
  publish(events: readonly DiscoveryEvent[]): void {
    if (events.length === 0) return;
    this.queue.push(...events);
    const excess = this.queue.length - this.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.counters.dropped(excess);
      this.options.logger.warn(
        { dropped: excess, bus: this.options.busName },
        'controller events dropped: the publish queue is full (EventBridge slow or unreachable)',
      );
    }
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves when everything queued so far has been sent or given up on (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      await this.bucket.take();
      await this.send(batch);
    }
  }

  /** The next entries that fit one PutEvents request; an entry too large on its own is dropped and counted. */
  private takeBatch(): PutEventsRequestEntry[] {
    const batch: PutEventsRequestEntry[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < MAX_ENTRIES_PER_CALL) {
      const entry = this.toEntry(this.queue[0]!);
      const size = entrySize(entry);
      if (size > MAX_REQUEST_BYTES) {
        this.queue.shift();
        this.counters.failed(1, 'EntryTooLarge');
        continue;
      }
      if (bytes + size > MAX_REQUEST_BYTES) break;
      this.queue.shift();
      batch.push(entry);
      bytes += size;
    }
    return batch;
  }

  private toEntry(event: DiscoveryEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.options.busName,
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Resources: event.resources,
      Time: new Date(event.time),
    };
  }

  private async send(batch: PutEventsRequestEntry[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      const response = await this.client.send(new PutEventsCommand({ Entries: batch }));
      const failed = response.FailedEntryCount ?? 0;
      this.counters.published(batch.length - failed);
      if (failed > 0) {
        const code = response.Entries?.find((entry) => entry.ErrorCode)?.ErrorCode ?? 'Unknown';
        this.counters.failed(failed, code);
        this.options.logger.warn(
          { bus: this.options.busName, failed, code },
          'EventBridge rejected some controller events; they are not retried',
        );
      }
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      this.counters.failed(batch.length, code);
      this.options.logger.warn(
        { bus: this.options.busName, events: batch.length, code, err: (error as Error).message },
        'could not publish controller events to EventBridge (check the bus name and events:PutEvents on it); reconciliation goes on',
      );
    }
  }
}

/** Entry size as EventBridge counts it: Time, Source, DetailType, Detail and Resources in UTF-8. */
function entrySize(entry: PutEventsRequestEntry): number {
  let size = 14; // the Time field
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])])
    size += Buffer.byteLength(text ?? '', 'utf8');
  return size;
}
