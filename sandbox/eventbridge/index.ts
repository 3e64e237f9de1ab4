/**
 * The EventBridge emulator: rules with event patterns on the default bus, SQS targets, PutEvents and
 * TestEventPattern over JSON 1.1 (X-Amz-Target AWSEvents.*). Its publish() is the sandbox's EventSink: ECS
 * events go through the same routing as PutEvents entries. responses/ reads and validates requests; models/
 * holds the bus, its rules and targets, and the event-pattern engine.
 */
import type { CreateEventBridge, EventBridgePort, SqsPort } from '../core/ports.js';
import type { EmulatedService, SandboxContext } from '../core/types.js';
import { EventBus, type Rule, type RoutingStats } from './models/bus.js';
import { eventOperations } from './responses/events.js';
import { parsePutRule, ruleOperations } from './responses/rules.js';
import { validateTarget } from './responses/targets.js';

export { eventTime } from './responses/events.js';

/** The EventBridge port plus routing counters and rule inspection for the sandbox. */
export interface EventBridgeEmulator extends EventBridgePort {
  stats(): RoutingStats;
  rules(): Rule[];
  /** Creates or updates a rule with targets directly (scenario loading); throws AwsError as PutRule/PutTargets would. */
  putRule(input: { name: string; eventPattern: string; state?: 'ENABLED' | 'DISABLED'; targets: { id: string; arn: string; input?: string }[] }): string;
}

/** Creates the EventBridge emulator routing to `sqs`; its publish() is what ECS calls through ctx.events. */
export const createEventBridge = (ctx: SandboxContext, sqs: SqsPort): EventBridgeEmulator => {
  const bus = new EventBus(ctx, sqs);
  const service: EmulatedService = {
    name: 'events',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    operations: { ...ruleOperations(bus, ctx.account), ...eventOperations(bus, ctx) },
  };
  return {
    service,
    publish: (event) => bus.publish(event),
    stats: () => ({ ...bus.stats }),
    rules: () => [...bus.rules.values()],
    putRule(input) {
      const rule = bus.putRule(parsePutRule(bus, { Name: input.name, EventPattern: input.eventPattern, State: input.state }));
      bus.putTargets(rule, input.targets.map((t) => validateTarget({ Id: t.id, Arn: t.arn, ...(t.input === undefined ? {} : { Input: t.input }) })));
      return rule.arn;
    },
  };
};

createEventBridge satisfies CreateEventBridge;
