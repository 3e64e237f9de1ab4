/** The default event bus's rules and their targets, and routing of an event to matching rules' targets (the pattern engine). */
import { AwsError } from '../../core/errors.js';
import type { SqsPort } from '../../core/ports.js';
import type { EventBridgeEvent, SandboxContext } from '../../core/types.js';
import { matchesEventPattern, type EventPattern } from './pattern.js';
import { renderTargetInput, type StoredTarget } from './targets.js';

export const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;
export type RuleState = (typeof RULE_STATES)[number];

/** AWS's quota of targets per rule. */
export const MAX_TARGETS_PER_RULE = 5;

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

/** One event bus (the account's default one or a custom one) with its rules; other buses are EventBuses' business. */
export class EventBus {
  readonly rules = new Map<string, Rule>();
  readonly arn: string;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly sqs: SqsPort,
    readonly name: string,
    /** Routing counters, shared by every bus of the account. */
    readonly stats: RoutingStats,
    readonly createdAt: number,
  ) {
    this.arn = `arn:aws:events:${ctx.region}:${ctx.account}:event-bus/${name}`;
  }

  /** PutRule: creates or updates a rule from a validated request (targets are kept on update). */
  putRule(spec: Omit<Rule, 'arn' | 'targets'>): Rule {
    // A custom bus's rules have the bus in their ARN: rule/<bus>/<name> (the default bus's: rule/<name>).
    const path = this.name === 'default' ? spec.name : `${this.name}/${spec.name}`;
    const rule: Rule = {
      ...spec,
      arn: `arn:aws:events:${this.ctx.region}:${this.ctx.account}:rule/${path}`,
      targets: this.rules.get(spec.name)?.targets ?? new Map(),
    };
    this.rules.set(spec.name, rule);
    return rule;
  }

  /** Adds or replaces targets of a rule, within the quota of targets per rule (LimitExceededException past it). */
  putTargets(rule: Rule, targets: StoredTarget[]): void {
    if (new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)]).size > MAX_TARGETS_PER_RULE) {
      throw new AwsError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed: rule ${rule.name} can have at most ${MAX_TARGETS_PER_RULE} targets.`,
      );
    }
    for (const target of targets) rule.targets.set(target.Id, target);
  }

  /** Routes an event to every target of every enabled rule whose pattern matches; SQS targets get one message. */
  publish(event: EventBridgeEvent): void {
    this.stats.published++;
    for (const rule of this.rules.values()) {
      if (rule.state === 'DISABLED' || !rule.pattern || !matchesEventPattern(rule.pattern, event)) continue;
      this.stats.matched++;
      for (const target of rule.targets.values()) {
        // AWS would retry and then count a failed invocation (or use the target's DLQ); the sandbox drops it.
        const delivered =
          target.Arn.startsWith('arn:aws:sqs:') &&
          this.sqs.sendToArn(target.Arn, renderTargetInput(target, event, rule));
        if (delivered) this.stats.delivered++;
        else this.stats.dropped++;
      }
    }
  }
}
