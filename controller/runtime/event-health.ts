/**
 * An event consumer that cannot receive (queue deleted, access denied, wrong URL) must not look healthy:
 * it is the EventsReceiving condition in /status, the ecs_discovery_event_consumer_receiving gauge, and,
 * once receives have failed for EVENTS_UNREADY_AFTER_MS, a failing /readyz. Resyncs still run meanwhile;
 * readiness fails so the deployment notices that event-driven fixes stopped.
 */
import type { ConsumerHealth } from '../events/consumer.js';
import type { Readiness } from '../telemetry/server.js';

/** How long receives may fail before /readyz fails: a few backed-off retries, not one blip. */
export const EVENTS_UNREADY_AFTER_MS = 2 * 60_000;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** The EventsReceiving condition; undefined without a queue. */
export function eventsCondition(health: ConsumerHealth | undefined, now: number): Condition | undefined {
  if (!health) return undefined;
  if (health.failingSince === undefined) {
    return health.lastSuccessAt === undefined
      ? {
          type: 'EventsReceiving',
          status: 'Unknown',
          reason: 'Starting',
          message: `no receive from ${health.queueUrl} has finished yet`,
        }
      : { type: 'EventsReceiving', status: 'True', reason: 'Receiving', message: `receiving from ${health.queueUrl}` };
  }
  const seconds = Math.round((now - health.failingSince) / 1000);
  const error = health.lastError ? `${health.lastError.code}: ${health.lastError.message}` : 'unknown error';
  return {
    type: 'EventsReceiving',
    status: 'False',
    reason: 'ReceiveFailing',
    message: `receiving from ${health.queueUrl} has failed for ${seconds}s (${error})`,
  };
}

/** Not ready once receives have failed for longer than the bound; undefined when events do not hold readiness back. */
export function eventsReadiness(
  health: ConsumerHealth | undefined,
  now: number,
  boundMs = EVENTS_UNREADY_AFTER_MS,
): Readiness | undefined {
  if (!health || health.failingSince === undefined || now - health.failingSince < boundMs) return undefined;
  return { ready: false, reason: eventsCondition(health, now)!.message };
}
