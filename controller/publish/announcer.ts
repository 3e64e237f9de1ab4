/**
 * Turns each target's plan-and-apply into the controller's own events and hands them to the publisher. It keeps,
 * per target, what it announced last, so drift is announced when it appears and when it is resolved, and a blocked
 * action only when its reason is new. Only the replica that plans a target announces it (the lease holder).
 */
import type { ActionOutcome } from '../actuator/types.js';
import type { ResourceRef } from '../model/findings.js';
import type { Plan } from '../plan/types.js';
import type { Logger } from '../telemetry/logger.js';
import {
  emptyPublishedState,
  outcomeEvents,
  planEvents,
  type DiscoveryEvent,
  type PublishedState,
} from './discovery-events.js';

/** What the runtime calls after each plan-and-apply; never throws. */
export interface Announcer {
  /** `plan`: the target's complete plan; `fixed`: keys of its findings this apply fixed (they are drift no more). */
  announce(target: string, plan: Plan, fixed: ReadonlySet<string>, outcomes: readonly ActionOutcome[]): void;
  /** Resolves once queued events have been sent (shutdown). */
  flush(): Promise<void>;
}

/** Where events go: the EventBridge publisher, or a recorder in tests. */
export interface EventSink {
  publish(events: readonly DiscoveryEvent[]): void;
  flush(): Promise<void>;
}

/** The announcer of a running controller. */
export class DiscoveryAnnouncer implements Announcer {
  private readonly published = new Map<string, PublishedState>();
  private readonly resources = new Map<string, ResourceRef>();

  constructor(
    private readonly sink: EventSink,
    private readonly logger: Logger,
  ) {}

  announce(target: string, plan: Plan, fixed: ReadonlySet<string>, outcomes: readonly ActionOutcome[]): void {
    try {
      const previous = this.published.get(target) ?? emptyPublishedState();
      // Drift fixed in the pass that found it is announced by its action alone.
      const current = plan.findings.filter((f) => !fixed.has(f.key));
      const { events, next } = planEvents(previous, current, plan.actions, plan.generatedAt);
      this.published.set(target, next);
      // Outcomes of pending operations arrive in a later pass, after their finding may have left the plan.
      for (const finding of plan.findings) this.resources.set(finding.key, finding.resource);
      events.push(...outcomeEvents(outcomes, this.resources));
      for (const key of this.resources.keys())
        if (!next.findings.has(key) && !outcomes.some((o) => o.findingKey === key && o.result === 'pending'))
          this.resources.delete(key);
      this.sink.publish(events);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, target },
        'could not build the controller events of a reconcile; reconciliation goes on',
      );
    }
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }
}
