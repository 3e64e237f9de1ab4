/**
 * The EventBridge emulator: rules with event patterns on the default bus, SQS targets, PutEvents and
 * TestEventPattern over JSON 1.1 (X-Amz-Target AWSEvents.*). Its publish() is the sandbox's EventSink: ECS
 * events go through the same routing as PutEvents entries.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../core/errors.js';
import type { CreateEventBridge, EventBridgePort, SqsPort } from '../core/ports.js';
import type { EmulatedService, EventBridgeEvent, OperationHandler, SandboxContext } from '../core/types.js';
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from './pattern.js';
import { describeRule, EventBus, MAX_TARGETS_PER_RULE, type Rule, type RoutingStats } from './rules.js';
import { validateTarget } from './targets.js';

/** The EventBridge port plus routing counters and rule inspection for the sandbox. */
export interface EventBridgeEmulator extends EventBridgePort {
  stats(): RoutingStats;
  rules(): Rule[];
  /** Creates or updates a rule with targets directly (scenario loading); throws AwsError as PutRule/PutTargets would. */
  putRule(input: { name: string; eventPattern: string; state?: 'ENABLED' | 'DISABLED'; targets: { id: string; arn: string; input?: string }[] }): string;
}

const MAX_ENTRY_BYTES = 256 * 1024;
const REQUIRED_TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** AWS event times: ISO-8601 UTC without milliseconds. */
export function eventTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function limit(value: unknown, max: number): number {
  if (value === undefined || value === null) return max;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) throw validation(`Limit must be an integer from 1 to ${max}.`);
  return value as number;
}

/** Pages a sorted list with an opaque NextToken holding the offset. */
function page<T>(items: T[], token: unknown, size: number): { items: T[]; next?: string } {
  let offset = 0;
  if (token !== undefined && token !== null) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (!decoded) throw validation(`The NextToken ${String(token)} is not valid.`);
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + size);
  const nextOffset = offset + slice.length;
  return { items: slice, next: nextOffset < items.length ? Buffer.from(`offset:${nextOffset}`).toString('base64url') : undefined };
}

/** Builds the event a PutEvents entry becomes, or the per-entry error AWS reports. */
function entryToEvent(entry: Record<string, any>, bus: EventBus, ctx: SandboxContext): EventBridgeEvent | { ErrorCode: string; ErrorMessage: string } {
  try {
    bus.checkBus(entry.EventBusName);
  } catch (error) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: (error as Error).message };
  }
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  if (entry.Source.toLowerCase().startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${entry.Source}.` };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'The entry is larger than 256 KB.' };
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Resources must be a list of ARNs.' };
  const time = typeof entry.Time === 'number' ? entry.Time * 1000 : typeof entry.Time === 'string' ? Date.parse(entry.Time) : ctx.clock.now();
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

function operations(bus: EventBus, ctx: SandboxContext): Record<string, OperationHandler> {
  return {
    PutRule: (input) => ({ RuleArn: bus.putRule(input).arn }),
    DescribeRule: (input) => describeRule(bus.rule(input.Name, input.EventBusName), ctx.account),
    ListRules: (input) => {
      bus.checkBus(input.EventBusName);
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const rules = [...bus.rules.values()].filter((r) => r.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
      const { items, next } = page(rules, input.NextToken, limit(input.Limit, 100));
      return { Rules: items.map((r) => { const { CreatedBy: _createdBy, ...view } = describeRule(r, ctx.account); return view; }), ...(next ? { NextToken: next } : {}) };
    },
    DeleteRule: (input) => {
      bus.checkBus(input.EventBusName);
      const rule = bus.rules.get(String(input.Name));
      if (!rule) return {};
      if (rule.targets.size > 0) throw validation(`Rule can't be deleted since it has targets (rule ${rule.name}). Remove them with RemoveTargets first.`);
      bus.rules.delete(rule.name);
      return {};
    },
    EnableRule: (input) => {
      bus.rule(input.Name, input.EventBusName).state = 'ENABLED';
      return {};
    },
    DisableRule: (input) => {
      bus.rule(input.Name, input.EventBusName).state = 'DISABLED';
      return {};
    },
    PutTargets: (input) => {
      const rule = bus.rule(input.Rule, input.EventBusName);
      const targets = input.Targets;
      if (!Array.isArray(targets) || targets.length < 1 || targets.length > 10) throw validation('Targets must hold 1 to 10 targets.');
      const validated = targets.map(validateTarget);
      const newIds = new Set(validated.map((t) => t.Id).filter((id) => !rule.targets.has(id)));
      if (rule.targets.size + newIds.size > MAX_TARGETS_PER_RULE) {
        throw new AwsError('LimitExceededException', `The requested resource exceeds the maximum number allowed: rule ${rule.name} can have at most ${MAX_TARGETS_PER_RULE} targets.`);
      }
      for (const target of validated) rule.targets.set(target.Id, target);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets: (input) => {
      const rule = bus.rule(input.Rule, input.EventBusName);
      if (!Array.isArray(input.Ids) || input.Ids.length < 1 || input.Ids.length > 100) throw validation('Ids must hold 1 to 100 target ids.');
      for (const id of input.Ids) rule.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule: (input) => {
      const rule = bus.rule(input.Rule, input.EventBusName);
      const { items, next } = page([...rule.targets.values()], input.NextToken, limit(input.Limit, 100));
      return { Targets: items, ...(next ? { NextToken: next } : {}) };
    },
    ListRuleNamesByTarget: (input) => {
      bus.checkBus(input.EventBusName);
      const names = [...bus.rules.values()].filter((r) => [...r.targets.values()].some((t) => t.Arn === input.TargetArn)).map((r) => r.name).sort();
      const { items, next } = page(names, input.NextToken, limit(input.Limit, 100));
      return { RuleNames: items, ...(next ? { NextToken: next } : {}) };
    },
    DescribeEventBus: (input) => {
      bus.checkBus(input.Name);
      return { Name: 'default', Arn: bus.arn };
    },
    PutEvents: (input) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) throw validation('Entries must hold 1 to 10 events.');
      let failed = 0;
      const results = entries.map((entry: Record<string, any>) => {
        const event = entryToEvent(entry ?? {}, bus, ctx);
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
      let pattern;
      try {
        pattern = parseEventPattern(String(input.EventPattern ?? ''));
      } catch (error) {
        if (error instanceof InvalidEventPatternError) throw new AwsError('InvalidEventPatternException', error.message);
        throw error;
      }
      let event: unknown;
      try {
        event = JSON.parse(String(input.Event ?? ''));
      } catch {
        throw validation('Parameter Event is not valid: it is not JSON.');
      }
      const missing = REQUIRED_TEST_EVENT_FIELDS.filter((f) => typeof event !== 'object' || event === null || !(f in event));
      if (missing.length > 0) throw validation(`Parameter Event is not valid: it lacks ${missing.join(', ')}.`);
      return { Result: matchesEventPattern(pattern, event) };
    },
  };
}

/** Creates the EventBridge emulator routing to `sqs`; its publish() is what ECS calls through ctx.events. */
export const createEventBridge = (ctx: SandboxContext, sqs: SqsPort): EventBridgeEmulator => {
  const bus = new EventBus(ctx, sqs);
  const service: EmulatedService = { name: 'events', targetPrefix: 'AWSEvents', jsonVersion: '1.1', operations: operations(bus, ctx) };
  return {
    service,
    publish: (event) => bus.publish(event),
    stats: () => ({ ...bus.stats }),
    rules: () => [...bus.rules.values()],
    putRule(input) {
      const rule = bus.putRule({ Name: input.name, EventPattern: input.eventPattern, State: input.state });
      const targets = input.targets.map((t) => validateTarget({ Id: t.id, Arn: t.arn, ...(t.input === undefined ? {} : { Input: t.input }) }));
      if (new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)]).size > MAX_TARGETS_PER_RULE) {
        throw new AwsError('LimitExceededException', `Rule ${rule.name} can have at most ${MAX_TARGETS_PER_RULE} targets.`);
      }
      for (const target of targets) rule.targets.set(target.Id, target);
      return rule.arn;
    },
  };
};

createEventBridge satisfies CreateEventBridge;
