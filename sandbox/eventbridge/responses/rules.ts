/** Rule, target and bus operations: PutRule, DescribeRule, ListRules, DeleteRule, Enable/DisableRule, PutTargets, RemoveTargets, ListTargetsByRule, ListRuleNamesByTarget, DescribeEventBus. */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { RULE_STATES, type EventBus, type Rule } from '../models/bus.js';
import type { EventBuses } from '../models/buses.js';
import { InvalidEventPatternError, parseEventPattern, type EventPattern } from '../models/pattern.js';
import { limit, page, validation } from './params.js';
import { validateTarget } from './targets.js';

const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$/;

/** An event pattern's text parsed, or InvalidEventPatternException as PutRule and TestEventPattern answer. */
export function parsePattern(text: unknown): EventPattern {
  try {
    return parseEventPattern(String(text ?? ''));
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw new AwsError('InvalidEventPatternException', error.message);
    throw error;
  }
}

/** Validates a PutRule request into the rule its bus stores. */
export function parsePutRule(input: Record<string, any>): Omit<Rule, 'arn' | 'targets'> {
  const name = input.Name;
  if (typeof name !== 'string' || !RULE_NAME.test(name))
    throw validation(`Rule name ${JSON.stringify(name)} is not valid: 1 to 64 of letters, digits, ".", "-" or "_".`);
  if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
    throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  }
  const pattern = input.EventPattern === undefined ? undefined : parsePattern(input.EventPattern);
  if (input.ScheduleExpression !== undefined && !SCHEDULE.test(String(input.ScheduleExpression))) {
    throw validation(
      `Parameter ScheduleExpression ${JSON.stringify(input.ScheduleExpression)} is not valid; use rate(...) or cron(...).`,
    );
  }
  const state = input.State ?? 'ENABLED';
  if (!RULE_STATES.includes(state))
    throw validation(`State ${JSON.stringify(state)} is not valid; use one of ${RULE_STATES.join(', ')}.`);
  return {
    name,
    eventPattern: input.EventPattern,
    pattern,
    scheduleExpression: input.ScheduleExpression,
    state,
    description: input.Description,
    roleArn: input.RoleArn,
  };
}

/** The rule a request names on the bus it names (default: the default bus). */
export function ruleOrThrow(buses: EventBuses, name: unknown, busName?: unknown): Rule {
  const bus = buses.resolve(busName);
  // A missing or empty name breaks the model's constraints (required, min length 1): validation, not not-found.
  if (typeof name !== 'string' || name.length === 0)
    throw validation(
      `1 validation error detected: Value ${JSON.stringify(name ?? null)} at 'name' failed to satisfy constraint: Member must not be null and must have length greater than or equal to 1`,
    );
  const rule = bus.rules.get(name);
  if (!rule)
    throw new AwsError('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus ${bus.name}.`);
  return rule;
}

/** The DescribeRule / ListRules view of a rule. */
export function describeRule(rule: Rule, bus: EventBus, account: string): Record<string, unknown> {
  const view: Record<string, unknown> = {
    Name: rule.name,
    Arn: rule.arn,
    State: rule.state,
    EventBusName: bus.name,
    CreatedBy: account,
  };
  if (rule.eventPattern !== undefined) view.EventPattern = rule.eventPattern;
  if (rule.scheduleExpression !== undefined) view.ScheduleExpression = rule.scheduleExpression;
  if (rule.description !== undefined) view.Description = rule.description;
  if (rule.roleArn !== undefined) view.RoleArn = rule.roleArn;
  return view;
}

/** The rule and target operations, on the bus each request names. */
export function ruleOperations(buses: EventBuses, account: string): Record<string, OperationHandler> {
  return {
    PutRule: (input) => {
      const bus = buses.resolve(input.EventBusName);
      return { RuleArn: bus.putRule(parsePutRule(input)).arn };
    },
    DescribeRule: (input) =>
      describeRule(ruleOrThrow(buses, input.Name, input.EventBusName), buses.resolve(input.EventBusName), account),
    ListRules: (input) => {
      const bus = buses.resolve(input.EventBusName);
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const rules = [...bus.rules.values()]
        .filter((r) => r.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, next } = page(rules, input.NextToken, limit(input.Limit, 100), 'ListRules', [bus.name, prefix]);
      return {
        Rules: items.map((r) => {
          const { CreatedBy: _createdBy, ...view } = describeRule(r, bus, account);
          return view;
        }),
        ...(next ? { NextToken: next } : {}),
      };
    },
    DeleteRule: (input) => {
      const bus = buses.resolve(input.EventBusName);
      const rule = bus.rules.get(String(input.Name));
      if (!rule) return {};
      if (rule.targets.size > 0)
        throw validation(
          `Rule can't be deleted since it has targets (rule ${rule.name}). Remove them with RemoveTargets first.`,
        );
      bus.rules.delete(rule.name);
      return {};
    },
    EnableRule: (input) => {
      ruleOrThrow(buses, input.Name, input.EventBusName).state = 'ENABLED';
      return {};
    },
    DisableRule: (input) => {
      ruleOrThrow(buses, input.Name, input.EventBusName).state = 'DISABLED';
      return {};
    },
    PutTargets: (input) => {
      const rule = ruleOrThrow(buses, input.Rule, input.EventBusName);
      const targets = input.Targets;
      if (!Array.isArray(targets) || targets.length < 1 || targets.length > 10)
        throw validation('Targets must hold 1 to 10 targets.');
      buses.resolve(input.EventBusName).putTargets(rule, targets.map(validateTarget));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets: (input) => {
      const rule = ruleOrThrow(buses, input.Rule, input.EventBusName);
      if (!Array.isArray(input.Ids) || input.Ids.length < 1 || input.Ids.length > 100)
        throw validation('Ids must hold 1 to 100 target ids.');
      for (const id of input.Ids) rule.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule: (input) => {
      const rule = ruleOrThrow(buses, input.Rule, input.EventBusName);
      const { items, next } = page(
        [...rule.targets.values()],
        input.NextToken,
        limit(input.Limit, 100),
        'ListTargetsByRule',
        rule.arn,
      );
      return { Targets: items, ...(next ? { NextToken: next } : {}) };
    },
    ListRuleNamesByTarget: (input) => {
      const bus = buses.resolve(input.EventBusName);
      const names = [...bus.rules.values()]
        .filter((r) => [...r.targets.values()].some((t) => t.Arn === input.TargetArn))
        .map((r) => r.name)
        .sort();
      const { items, next } = page(names, input.NextToken, limit(input.Limit, 100), 'ListRuleNamesByTarget', [
        bus.name,
        input.TargetArn ?? null,
      ]);
      return { RuleNames: items, ...(next ? { NextToken: next } : {}) };
    },
  };
}
