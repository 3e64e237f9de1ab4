/**
 * CloudTrail event history (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101, JSON 1.1): the management
 * events of the last 90 days, answered by LookupEvents as AWS does (one lookup attribute, newest first, at most
 * 50 per page, two requests per second per account and Region). The ECS model records the RegisterInstance
 * calls it makes on behalf of services, the way ECS's service-linked role appears in CloudTrail.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../core/errors.js';
import { TokenCodec } from '../core/paging.js';
import type { EmulatedService, SandboxContext } from '../core/types.js';

/** How long CloudTrail's event history keeps management events. */
export const EVENT_HISTORY_MS = 90 * 86_400_000;
/** LookupEvents: "limited to two per second, per account, per Region" (CloudTrail API reference). */
export const LOOKUPS_PER_SECOND = 2;

export interface TrailEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** Epoch ms of the virtual clock. */
  eventTime: number;
  username?: string;
  accessKeyId?: string;
  readOnly: boolean;
  resources: { ResourceType: string; ResourceName: string }[];
  /** The Cloud Map service the call registered into. */
  serviceId: string;
  /** Builds the full CloudTrail record (returned as the CloudTrailEvent JSON string); lazy, as fleets are large. */
  record: () => Record<string, unknown>;
}

export interface CloudTrailEmulator {
  service: EmulatedService;
  /** Records that ECS's service scheduler registered an instance (called by the ECS model). */
  recordEcsRegistration(input: { serviceId: string; instanceId: string; attributes: Record<string, string>; at: number }): void;
  events(): readonly TrailEvent[];
  /** Cloud Map service ids ECS registered instances into within the event history (ownership evidence). */
  ecsRegisteredServices(): Set<string>;
}

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

function toMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  throw new AwsError('InvalidTimeRangeException', `${field} must be a timestamp.`);
}

/** Creates the CloudTrail emulator. */
export function createCloudTrail(ctx: SandboxContext, options: { now?: () => number } = {}): CloudTrailEmulator {
  // Newest first once sorted; registrations arrive in any time order while a scenario loads.
  const events: TrailEvent[] = [];
  let sorted = true;
  const tokens = new TokenCodec<number>(
    () => new AwsError('InvalidNextTokenException', 'Invalid NextToken: it must come from a LookupEvents call with the same parameters.'),
    (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
  );
  // Real time, as AWS throttles callers in real time, whatever the sandbox's virtual clock says.
  const realNow = options.now ?? (() => Date.now());
  let bucket = LOOKUPS_PER_SECOND;
  let refilledAt = realNow();

  function takeToken(): void {
    const now = realNow();
    bucket = Math.min(LOOKUPS_PER_SECOND, bucket + ((now - refilledAt) / 1000) * LOOKUPS_PER_SECOND);
    refilledAt = now;
    if (bucket < 1) throw new AwsError('ThrottlingException', 'Rate exceeded');
    bucket -= 1;
  }

  function lookupEvents(input: Record<string, any>) {
    takeToken();
    const attributes = input.LookupAttributes ?? [];
    if (!Array.isArray(attributes) || attributes.length > 1) {
      throw new AwsError('InvalidLookupAttributesException', 'LookupAttributes can contain only one item.');
    }
    const attribute = attributes[0] as { AttributeKey?: string; AttributeValue?: string } | undefined;
    if (attribute && (!attribute.AttributeKey || !(attribute.AttributeKey in LOOKUP_KEYS) || typeof attribute.AttributeValue !== 'string')) {
      throw new AwsError('InvalidLookupAttributesException', `Unsupported lookup attribute ${attribute.AttributeKey ?? '(none)'}.`);
    }
    const maxResults = input.MaxResults ?? 50;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) throw new AwsError('InvalidMaxResultsException', 'MaxResults must be 1 to 50.');
    const now = ctx.clock.now();
    const start = toMs(input.StartTime, 'StartTime') ?? now - EVENT_HISTORY_MS;
    const end = toMs(input.EndTime, 'EndTime') ?? now;
    if (start > end) throw new AwsError('InvalidTimeRangeException', 'StartTime is after EndTime.');
    const filters = { attribute, start, end, category: input.EventCategory };
    const offset = tokens.decode(input.NextToken, 'events', filters) ?? 0;
    const oldest = Math.max(start, now - EVENT_HISTORY_MS);
    if (!sorted) {
      events.sort((a, b) => b.eventTime - a.eventTime || (a.eventId < b.eventId ? -1 : 1));
      sorted = true;
    }
    const matching = events
      .filter((e) => e.eventTime >= oldest && e.eventTime <= end && (!attribute || LOOKUP_KEYS[attribute.AttributeKey!](e).includes(attribute.AttributeValue!)));
    const page = matching.slice(offset, offset + maxResults);
    const next = offset + page.length < matching.length ? tokens.encode('events', offset + page.length, filters) : undefined;
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
  }

  return {
    service: {
      name: 'cloudtrail',
      // The SDK for JavaScript v3 sends the short prefix; botocore's model names the long one.
      targetPrefix: 'CloudTrail_20131101',
      targetPrefixAliases: ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101'],
      jsonVersion: '1.1',
      operations: { LookupEvents: lookupEvents },
    },
    recordEcsRegistration({ serviceId, instanceId, attributes, at }) {
      const eventId = randomUUID();
      events.push({
        eventId,
        eventName: 'RegisterInstance',
        eventSource: 'servicediscovery.amazonaws.com',
        eventTime: at,
        serviceId,
        username: 'ecs-service-scheduler',
        readOnly: false,
        resources: [],
        record: () => ecsRegistrationRecord(ctx, eventId, at, { serviceId, instanceId, attributes }),
      });
      sorted = false;
    },
    events: () => events,
    ecsRegisteredServices() {
      const since = ctx.clock.now() - EVENT_HISTORY_MS;
      return new Set(events.filter((e) => e.eventTime >= since && e.eventName === 'RegisterInstance').map((e) => e.serviceId));
    },
  };
}

/** The record of a RegisterInstance call ECS makes with its service-linked role: invokedBy and sourceIPAddress name ECS. */
function ecsRegistrationRecord(
  ctx: SandboxContext,
  eventId: string,
  at: number,
  request: { serviceId: string; instanceId: string; attributes: Record<string, string> },
): Record<string, unknown> {
  const role = 'AWSServiceRoleForECS';
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEECSSERVICE:ecs-service-scheduler',
      arn: `arn:aws:sts::${ctx.account}:assumed-role/${role}/ecs-service-scheduler`,
      accountId: ctx.account,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ctx.account}:role/aws-service-role/ecs.amazonaws.com/${role}`, accountId: ctx.account, userName: role },
      },
      invokedBy: 'ecs.amazonaws.com',
    },
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'servicediscovery.amazonaws.com',
    eventName: 'RegisterInstance',
    awsRegion: ctx.region,
    sourceIPAddress: 'ecs.amazonaws.com',
    userAgent: 'ecs.amazonaws.com',
    requestParameters: { serviceId: request.serviceId, instanceId: request.instanceId, attributes: { ...request.attributes } },
    responseElements: { operationId: `${eventId.replace(/-/g, '')}-sandbox` },
    requestID: eventId,
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.account,
    eventCategory: 'Management',
  };
}
