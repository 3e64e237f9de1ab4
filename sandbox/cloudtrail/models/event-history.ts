/**
 * CloudTrail's event history: the management events of the last 90 days, newest first, and LookupEvents' own
 * rate (two requests per second per account and Region). The ECS model records the RegisterInstance calls it
 * makes on behalf of services, the way ECS's service-linked role appears in CloudTrail.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import type { SandboxContext } from '../../core/types.js';

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

/** The recorded events of one account and Region. */
export class EventHistory {
  // Newest first once sorted; registrations arrive in any time order while a scenario loads.
  private readonly events: TrailEvent[] = [];
  private sorted = true;
  private bucket = LOOKUPS_PER_SECOND;
  private refilledAt: number;

  constructor(
    private readonly ctx: SandboxContext,
    /** Real time, as AWS throttles callers in real time, whatever the sandbox's virtual clock says. */
    private readonly realNow: () => number = () => Date.now(),
  ) {
    this.refilledAt = realNow();
  }

  /** Takes one LookupEvents call from the account's rate, or throws ThrottlingException. */
  takeLookup(): void {
    const now = this.realNow();
    this.bucket = Math.min(LOOKUPS_PER_SECOND, this.bucket + ((now - this.refilledAt) / 1000) * LOOKUPS_PER_SECOND);
    this.refilledAt = now;
    if (this.bucket < 1) throw new AwsError('ThrottlingException', 'Rate exceeded');
    this.bucket -= 1;
  }

  /** Every recorded event, newest first. */
  newestFirst(): readonly TrailEvent[] {
    if (!this.sorted) {
      this.events.sort((a, b) => b.eventTime - a.eventTime || (a.eventId < b.eventId ? -1 : 1));
      this.sorted = true;
    }
    return this.events;
  }

  /** Every recorded event, in no particular order. */
  all(): readonly TrailEvent[] {
    return this.events;
  }

  /** Records that ECS's service scheduler registered an instance into a Cloud Map service at `at`. */
  recordEcsRegistration({
    serviceId,
    instanceId,
    attributes,
    at,
  }: {
    serviceId: string;
    instanceId: string;
    attributes: Record<string, string>;
    at: number;
  }): void {
    const eventId = randomUUID();
    const ctx = this.ctx;
    this.events.push({
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
    this.sorted = false;
  }

  /** Cloud Map service ids ECS registered instances into within the event history (ownership evidence). */
  ecsRegisteredServices(): Set<string> {
    const since = this.ctx.clock.now() - EVENT_HISTORY_MS;
    return new Set(
      this.events.filter((e) => e.eventTime >= since && e.eventName === 'RegisterInstance').map((e) => e.serviceId),
    );
  }
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
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ctx.account}:role/aws-service-role/ecs.amazonaws.com/${role}`,
          accountId: ctx.account,
          userName: role,
        },
      },
      invokedBy: 'ecs.amazonaws.com',
    },
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'servicediscovery.amazonaws.com',
    eventName: 'RegisterInstance',
    awsRegion: ctx.region,
    sourceIPAddress: 'ecs.amazonaws.com',
    userAgent: 'ecs.amazonaws.com',
    requestParameters: {
      serviceId: request.serviceId,
      instanceId: request.instanceId,
      attributes: { ...request.attributes },
    },
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
