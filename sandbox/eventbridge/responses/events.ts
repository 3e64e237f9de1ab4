/** Event operations: PutEvents (entries routed through the bus's rules, as ECS's own events are) and TestEventPattern. */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, OperationHandler, SandboxContext } from '../../core/types.js';
import type { EventBuses } from '../models/buses.js';
import { matchesEventPattern } from '../models/pattern.js';
import { validation } from './params.js';
import { parsePattern } from './rules.js';

/** "The total entry size must be less than 256KB" (Calculating PutEvents event entry size, EventBridge user guide). */
const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * A PutEventsRequestEntry's size as EventBridge counts it: 14 bytes for Time when given, plus the UTF-8 bytes of
 * Source, DetailType, Detail and each of Resources
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export function entrySize(entry: Record<string, any>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += bytes(resource);
  return size;
}
const REQUIRED_TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

/** AWS event times: ISO-8601 UTC without milliseconds. */
export function eventTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds the event a PutEvents entry becomes, or the per-entry error AWS reports. */
function entryToEvent(
  entry: Record<string, any>,
  ctx: SandboxContext,
): EventBridgeEvent | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (entry.Source.toLowerCase().startsWith('aws.')) {
    return {
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: `Not authorized for the source ${entry.Source}.`,
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string'))
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Resources must be a list of ARNs.' };
  const time =
    typeof entry.Time === 'number'
      ? entry.Time * 1000
      : typeof entry.Time === 'string'
        ? Date.parse(entry.Time)
        : ctx.clock.now();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ctx.account,
    time: eventTime(Number.isFinite(time) ? time : ctx.clock.now()),
    region: ctx.region,
    resources,
    detail: detail as Record<string, unknown>,
  };
}

/** PutEvents (each entry to the bus it names, default the default bus) and TestEventPattern. */
export function eventOperations(buses: EventBuses, ctx: SandboxContext): Record<string, OperationHandler> {
  return {
    PutEvents: (input) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
        throw validation('Entries must hold 1 to 10 events.');
      // The limit holds for the entries together: a request over it is refused before any entry is routed (an
      // entry over it alone makes its request over it too).
      if (
        entries.reduce((sum: number, entry: unknown) => sum + entrySize((entry ?? {}) as Record<string, any>), 0) >
        MAX_ENTRY_BYTES
      ) {
        throw validation('Total size of the entries in the request is over the limit.');
      }
      let failed = 0;
      const results = entries.map((entry: Record<string, any>) => {
        let bus;
        try {
          bus = buses.resolve(entry?.EventBusName);
        } catch (error) {
          failed++;
          return { ErrorCode: 'InvalidArgument', ErrorMessage: (error as Error).message };
        }
        const event = entryToEvent(entry ?? {}, ctx);
        if ('ErrorCode' in event) {
          failed++;
          return event;
        }
        bus.publish(event);
        return { EventId: event.id };
      });
      return { FailedEntryCount: failed, Entries: results };
    },
    TestEventPattern: (input) => {
      const pattern = parsePattern(input.EventPattern);
      let event: unknown;
      try {
        event = JSON.parse(String(input.Event ?? ''));
      } catch {
        throw validation('Parameter Event is not valid: it is not JSON.');
      }
      const missing = REQUIRED_TEST_EVENT_FIELDS.filter(
        (f) => typeof event !== 'object' || event === null || !(f in event),
      );
      if (missing.length > 0) throw validation(`Parameter Event is not valid: it lacks ${missing.join(', ')}.`);
      return { Result: matchesEventPattern(pattern, event) };
    },
  };
}
