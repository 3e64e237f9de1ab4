/**
 * The EventBridge emulator: the default and custom event buses, rules with event patterns, SQS targets, PutEvents and
 * TestEventPattern over JSON 1.1 (X-Amz-Target AWSEvents.*). Its publish() is the sandbox's EventSink: ECS
 * events go through the same routing as PutEvents entries. responses/ reads and validates requests; models/
 * holds the bus, its rules and targets, and the event-pattern engine.
 */
import type { CreateEventBridge, EventBridgePort, SqsPort } from '../core/ports.js';
import type { EmulatedService, SandboxContext } from '../core/types.js';
import type { Rule, RoutingStats } from './models/bus.js';
import { EventBuses } from './models/buses.js';
import { busOperations } from './responses/buses.js';
import { eventOperations } from './responses/events.js';
import { parsePutRule, ruleOperations } from './responses/rules.js';
import { validateTarget } from './responses/targets.js';

export { eventTime } from './responses/events.js';

/** The EventBridge port plus routing counters and rule inspection for the sandbox. */
export interface EventBridgeEmulator extends EventBridgePort {
  stats(): RoutingStats;
  rules(): Rule[];
  /** Creates or updates a rule with targets directly (scenario loading); throws AwsError as PutRule/PutTargets would. */
  putRule(input: {
    name: string;
    eventPattern: string;
    state?: 'ENABLED' | 'DISABLED';
    targets: { id: string; arn: string; input?: string }[];
  }): string;
}

/** Creates the EventBridge emulator routing to `sqs`; its publish() is what ECS calls through ctx.events. */
export const createEventBridge = (ctx: SandboxContext, sqs: SqsPort): EventBridgeEmulator => {
  const buses = new EventBuses(ctx, sqs);
  const service: EmulatedService = {
    name: 'events',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    operations: { ...busOperations(buses), ...ruleOperations(buses, ctx.account), ...eventOperations(buses, ctx) },
  };
  return {
    service,
    // AWS services (ECS) publish to the default bus.
    publish: (event) => buses.default.publish(event),
    stats: () => ({ ...buses.stats }),
    rules: () => buses.list().flatMap((bus) => [...bus.rules.values()]),
    putRule(input) {
      const bus = buses.default;
      const rule = bus.putRule(
        parsePutRule({ Name: input.name, EventPattern: input.eventPattern, State: input.state }),
      );
      bus.putTargets(
        rule,
        input.targets.map((t) =>
          validateTarget({ Id: t.id, Arn: t.arn, ...(t.input === undefined ? {} : { Input: t.input }) }),
        ),
      );
      return rule.arn;
    },
  };
};

createEventBridge satisfies CreateEventBridge;
