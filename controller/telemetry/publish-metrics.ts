/**
 * Metrics of the controller's own events on EventBridge (--events-bus): how many were published, failed (by
 * error code) or dropped from a full queue. A failure to publish never fails a reconcile; these counters are
 * how an operator sees it (alert EcsDiscoveryEventsNotPublished).
 */
import { Counter, type Registry } from 'prom-client';

/** The counters the publisher reports to (controller/publish/publisher.ts PublisherCounters). */
export interface PublishCounters {
  published(count: number): void;
  failed(count: number, code: string): void;
  dropped(count: number): void;
}

/** Registers ecs_discovery_controller_events_total on the registry and returns the publisher's counters. */
export function registerPublishMetrics(registry: Registry): PublishCounters {
  const existing = registry.getSingleMetric('ecs_discovery_controller_events_total') as
    Counter<'result' | 'code'> | undefined;
  const counter =
    existing ??
    new Counter({
      name: 'ecs_discovery_controller_events_total',
      help: 'Controller events (drift detected and resolved, actions executed, failed or blocked) sent to the --events-bus, by result: published, failed (with the EventBridge error code) or dropped (publish queue full).',
      labelNames: ['result', 'code'] as const,
      registers: [registry],
    });
  return {
    published: (count) => counter.labels('published', '').inc(count),
    // Codes are EventBridge's error names, a small closed set, so the label stays low-cardinality.
    failed: (count, code) => counter.labels('failed', code.slice(0, 64)).inc(count),
    dropped: (count) => counter.labels('dropped', '').inc(count),
  };
}
