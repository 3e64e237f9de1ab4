/** The default event bus's rules and their targets, and routing of an event to matching rules' targets. */
import { AwsError } from '../core/errors.js';
import type { SqsPort } from '../core/ports.js';
import type { EventBridgeEvent, SandboxContext } from '../core/types.js';
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern, type EventPattern } from './pattern.js';
import { renderTargetInput, type StoredTarget } from './targets.js';

export const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;
export type RuleState = (typeof RULE_STATES)[number];

/** AWS's quota of targets per rule. */
export const MAX_TARGETS_PER_RULE = 5;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$/;

export interface Rule {
  name: string;
  arn: string;
  eventPattern?: string;
  pattern?: EventPattern;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  targets: Map<string, StoredTarget>;
}

/** Counts of what routing did, for debugging a sandbox run ("why did my queue get nothing?"). */
export interface RoutingStats {
  published: number;
  matched: number;
  delivered: number;
  dropped: number;
}

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** Owns the default bus. Other buses are not emulated: naming one answers ResourceNotFoundException. */
export class EventBus {
  readonly rules = new Map<string, Rule>();
  readonly arn: string;
  readonly stats: RoutingStats = { published: 0, matched: 0, delivered: 0, dropped: 0 };

  constructor(
    private readonly ctx: SandboxContext,
    private readonly sqs: SqsPort,
  ) {
    this.arn = `arn:aws:events:${ctx.region}:${ctx.account}:event-bus/default`;
  }

  /** Accepts no bus, "default" or the default bus ARN. */
  checkBus(name: unknown): void {
    if (name === undefined || name === null || name === 'default' || name === this.arn) return;
    throw new AwsError('ResourceNotFoundException', `Event bus ${String(name)} does not exist. The sandbox emulates only the default event bus.`);
  }

  rule(name: unknown, busName?: unknown): Rule {
    this.checkBus(busName);
    // A missing or empty name breaks the model's constraints (required, min length 1): validation, not not-found.
    if (typeof name !== 'string' || name.length === 0) throw new AwsError('ValidationException', `1 validation error detected: Value ${JSON.stringify(name ?? null)} at 'name' failed to satisfy constraint: Member must not be null and must have length greater than or equal to 1`);
    const rule = this.rules.get(name);
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus default.`);
    return rule;
  }

  /** PutRule: creates or updates a rule (targets are kept on update). */
  putRule(input: Record<string, any>): Rule {
    this.checkBus(input.EventBusName);
    const name = input.Name;
    if (typeof name !== 'string' || !RULE_NAME.test(name)) throw validation(`Rule name ${JSON.stringify(name)} is not valid: 1 to 64 of letters, digits, ".", "-" or "_".`);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    let pattern: EventPattern | undefined;
    if (input.EventPattern !== undefined) {
      try {
        pattern = parseEventPattern(String(input.EventPattern));
      } catch (error) {
        if (error instanceof InvalidEventPatternError) throw new AwsError('InvalidEventPatternException', error.message);
        throw error;
      }
    }
    if (input.ScheduleExpression !== undefined && !SCHEDULE.test(String(input.ScheduleExpression))) {
      throw validation(`Parameter ScheduleExpression ${JSON.stringify(input.ScheduleExpression)} is not valid; use rate(...) or cron(...).`);
    }
    const state = input.State ?? 'ENABLED';
    if (!RULE_STATES.includes(state)) throw validation(`State ${JSON.stringify(state)} is not valid; use one of ${RULE_STATES.join(', ')}.`);
    const existing = this.rules.get(name);
    const rule: Rule = {
      name,
      arn: `arn:aws:events:${this.ctx.region}:${this.ctx.account}:rule/${name}`,
      eventPattern: input.EventPattern,
      pattern,
      scheduleExpression: input.ScheduleExpression,
      state,
      description: input.Description,
      roleArn: input.RoleArn,
      targets: existing?.targets ?? new Map(),
    };
    this.rules.set(name, rule);
    return rule;
  }

  /** Routes an event to every target of every enabled rule whose pattern matches; SQS targets get one message. */
  publish(event: EventBridgeEvent): void {
    this.stats.published++;
    for (const rule of this.rules.values()) {
      if (rule.state === 'DISABLED' || !rule.pattern || !matchesEventPattern(rule.pattern, event)) continue;
      this.stats.matched++;
      for (const target of rule.targets.values()) {
        // AWS would retry and then count a failed invocation (or use the target's DLQ); the sandbox drops it.
        const delivered = target.Arn.startsWith('arn:aws:sqs:') && this.sqs.sendToArn(target.Arn, renderTargetInput(target, event, rule));
        if (delivered) this.stats.delivered++;
        else this.stats.dropped++;
      }
    }
  }
}

/** The DescribeRule / ListRules view of a rule. */
export function describeRule(rule: Rule, account: string): Record<string, unknown> {
  const view: Record<string, unknown> = { Name: rule.name, Arn: rule.arn, State: rule.state, EventBusName: 'default', CreatedBy: account };
  if (rule.eventPattern !== undefined) view.EventPattern = rule.eventPattern;
  if (rule.scheduleExpression !== undefined) view.ScheduleExpression = rule.scheduleExpression;
  if (rule.description !== undefined) view.Description = rule.description;
  if (rule.roleArn !== undefined) view.RoleArn = rule.roleArn;
  return view;
}
