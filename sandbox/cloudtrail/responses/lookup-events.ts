/** LookupEvents: one lookup attribute, a time range, at most 50 events per page, newest first (CloudTrail API reference). */
import { AwsError } from '../../core/errors.js';
import { TokenCodec } from '../../core/paging.js';
import type { OperationHandler, SandboxContext } from '../../core/types.js';
import { EVENT_HISTORY_MS, type EventHistory, type TrailEvent } from '../models/event-history.js';

const LOOKUP_KEYS: Record<string, (e: TrailEvent) => string[]> = {
  EventId: (e) => [e.eventId],
  EventName: (e) => [e.eventName],
  EventSource: (e) => [e.eventSource],
  ReadOnly: (e) => [String(e.readOnly)],
  Username: (e) => (e.username ? [e.username] : []),
  ResourceType: (e) => e.resources.map((r) => r.ResourceType),
  ResourceName: (e) => e.resources.map((r) => r.ResourceName),
  AccessKeyId: (e) => (e.accessKeyId ? [e.accessKeyId] : []),
};

const tokens = new TokenCodec<number>(
  () =>
    new AwsError(
      'InvalidNextTokenException',
      'Invalid NextToken: it must come from a LookupEvents call with the same parameters.',
    ),
  (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
);

function toMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  throw new AwsError('InvalidTimeRangeException', `${field} must be a timestamp.`);
}

/** The LookupEvents operation over an event history. */
export function lookupOperations(history: EventHistory, ctx: SandboxContext): Record<string, OperationHandler> {
  return {
    LookupEvents(input) {
      history.takeLookup();
      const attributes = input.LookupAttributes ?? [];
      if (!Array.isArray(attributes) || attributes.length > 1) {
        throw new AwsError('InvalidLookupAttributesException', 'LookupAttributes can contain only one item.');
      }
      const attribute = attributes[0] as { AttributeKey?: string; AttributeValue?: string } | undefined;
      if (
        attribute &&
        (!attribute.AttributeKey ||
          !(attribute.AttributeKey in LOOKUP_KEYS) ||
          typeof attribute.AttributeValue !== 'string')
      ) {
        throw new AwsError(
          'InvalidLookupAttributesException',
          `Unsupported lookup attribute ${attribute.AttributeKey ?? '(none)'}.`,
        );
      }
      const maxResults = input.MaxResults ?? 50;
      if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50)
        throw new AwsError('InvalidMaxResultsException', 'MaxResults must be 1 to 50.');
      const now = ctx.clock.now();
      const start = toMs(input.StartTime, 'StartTime') ?? now - EVENT_HISTORY_MS;
      const end = toMs(input.EndTime, 'EndTime') ?? now;
      if (start > end) throw new AwsError('InvalidTimeRangeException', 'StartTime is after EndTime.');
      const filters = { attribute, start, end, category: input.EventCategory };
      const offset = tokens.decode(input.NextToken, 'events', filters) ?? 0;
      const oldest = Math.max(start, now - EVENT_HISTORY_MS);
      const matching = history
        .newestFirst()
        .filter(
          (e) =>
            e.eventTime >= oldest &&
            e.eventTime <= end &&
            (!attribute || LOOKUP_KEYS[attribute.AttributeKey!](e).includes(attribute.AttributeValue!)),
        );
      const page = matching.slice(offset, offset + maxResults);
      const next =
        offset + page.length < matching.length ? tokens.encode('events', offset + page.length, filters) : undefined;
      return {
        Events: page.map((e) => ({
          EventId: e.eventId,
          EventName: e.eventName,
          ReadOnly: String(e.readOnly),
          ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
          EventTime: e.eventTime / 1000,
          EventSource: e.eventSource,
          ...(e.username ? { Username: e.username } : {}),
          Resources: e.resources,
          CloudTrailEvent: JSON.stringify(e.record()),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
  };
}
