/**
 * The CloudTrail emulator (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101, JSON 1.1): event history and
 * LookupEvents. responses/ reads LookupEvents requests and shapes events; models/ holds the history.
 */
import type { EmulatedService, SandboxContext } from '../core/types.js';
import { EventHistory, type TrailEvent } from './models/event-history.js';
import { lookupOperations } from './responses/lookup-events.js';

export { EVENT_HISTORY_MS, LOOKUPS_PER_SECOND, type TrailEvent } from './models/event-history.js';

export interface CloudTrailEmulator {
  service: EmulatedService;
  /** Records that ECS's service scheduler registered an instance (called by the ECS model). */
  recordEcsRegistration(input: {
    serviceId: string;
    instanceId: string;
    attributes: Record<string, string>;
    at: number;
  }): void;
  events(): readonly TrailEvent[];
  /** Cloud Map service ids ECS registered instances into within the event history (ownership evidence). */
  ecsRegisteredServices(): Set<string>;
}

/** Creates the CloudTrail emulator. */
export function createCloudTrail(ctx: SandboxContext, options: { now?: () => number } = {}): CloudTrailEmulator {
  const history = new EventHistory(ctx, options.now);
  return {
    service: {
      name: 'cloudtrail',
      // The SDK for JavaScript v3 sends the short prefix; botocore's model names the long one.
      targetPrefix: 'CloudTrail_20131101',
      targetPrefixAliases: ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101'],
      jsonVersion: '1.1',
      operations: lookupOperations(history, ctx),
    },
    recordEcsRegistration: (input) => history.recordEcsRegistration(input),
    events: () => history.all(),
    ecsRegisteredServices: () => history.ecsRegisteredServices(),
  };
}
