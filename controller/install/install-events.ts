import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type EventBridgeClient,
  type RuleState,
} from '@aws-sdk/client-eventbridge';
import { SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode } from '../aws/clients.js';
import { queuePolicyFor } from './event-rules.js';
import { preflight, type PreflightResult, type RuleBefore } from './preflight.js';

export interface InstallEventsOptions {
  queueArn: string;
  namePrefix: string;
  /** Also allow EventBridge to send to the queue (merges one statement into the queue policy). */
  setQueuePolicy: boolean;
  /** Report what would change without changing it. */
  dryRun: boolean;
}

/** One thing install-events did, or would do: "created", "updated", "unchanged". */
export interface InstallChange {
  resource: string;
  change: 'created' | 'updated' | 'unchanged';
  detail?: string;
}

const TARGET_ID = 'controller-queue';
const STATEMENT_SID = 'EventBridgeSendsEcsEvents';

/** Parses arn:aws:sqs:REGION:ACCOUNT:NAME. */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } {
  const match = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$/.exec(arn);
  if (!match) throw new Error(`"${arn}" is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)`);
  return { region: match[1], account: match[2], name: match[3] };
}

function samePattern(a: string | undefined, b: Record<string, unknown>): boolean {
  if (!a) return false;
  try {
    return JSON.stringify(sortKeys(JSON.parse(a))) === JSON.stringify(sortKeys(b));
  } catch {
    return false;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** A change install-events makes, with how to take it back. */
interface Step {
  change: InstallChange;
  apply(): Promise<void>;
  undo(): Promise<void>;
}

/** install-events failed after changing something: what it restored and what it could not. */
export class InstallError extends Error {
  constructor(
    message: string,
    readonly restored: readonly string[],
    readonly leftChanged: readonly string[],
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

/**
 * Creates or updates the controller's EventBridge rules and their SQS target; idempotent. Checks everything
 * it can first (preflight.ts: reads only, nothing changed on failure); when a write fails after others
 * succeeded, it undoes them in reverse order and reports what it restored and what it left changed.
 */
export async function installEvents(
  clients: { eventBridge: EventBridgeClient; sqs: SQSClient },
  options: InstallEventsOptions,
): Promise<InstallChange[]> {
  const queue = parseQueueArn(options.queueArn);
  const before = await preflight(clients, { ...options, queue, targetId: TARGET_ID });
  const ruleArns = new Map(
    before.rules.map((r) => [
      r.name,
      r.existing?.arn ?? `arn:aws:events:${queue.region}:${queue.account}:rule/${r.name}`,
    ]),
  );
  const steps: Step[] = [];
  const unchanged: InstallChange[] = [];
  for (const rule of before.rules)
    steps.push(...ruleSteps(clients.eventBridge, rule, options.queueArn, ruleArns, unchanged));
  if (options.setQueuePolicy) {
    const step = queuePolicyStep(clients.sqs, before, options.queueArn, queue.name, () => [...ruleArns.values()]);
    if (step) steps.push(step);
    else unchanged.push({ resource: `queue policy of ${queue.name}`, change: 'unchanged' });
  }
  const changes = order(
    [...unchanged, ...steps.map((s) => s.change)],
    before.rules.map((r) => r.name),
  );
  if (options.dryRun) return changes;
  const done: Step[] = [];
  for (const step of steps) {
    try {
      await step.apply();
      done.push(step);
    } catch (error) {
      throw await rollBack(
        done,
        `${describe(step.change)} failed: ${awsErrorCode(error)}: ${(error as Error).message}`,
      );
    }
  }
  return changes;
}

function describe(change: InstallChange): string {
  return `${change.change === 'created' ? 'creating' : 'updating'} ${change.resource}`;
}

/** Changes in the order the README documents: per rule (rule, then target), then the queue policy. */
function order(changes: InstallChange[], ruleNames: string[]): InstallChange[] {
  const rank = (c: InstallChange) => {
    const i = ruleNames.findIndex((n) => c.resource === `rule ${n}` || c.resource.startsWith(`target ${n}/`));
    return i < 0 ? ruleNames.length * 2 : i * 2 + (c.resource.startsWith('target ') ? 1 : 0);
  };
  return [...changes].sort((a, b) => rank(a) - rank(b));
}

/** Undoes the done steps, newest first; returns the error to throw, naming what was restored and what was not. */
async function rollBack(done: Step[], failure: string): Promise<InstallError> {
  const restored: string[] = [];
  const leftChanged: string[] = [];
  for (const step of [...done].reverse()) {
    try {
      await step.undo();
      restored.push(step.change.resource);
    } catch (error) {
      leftChanged.push(`${step.change.resource} (${step.change.change}; undo failed: ${awsErrorCode(error)})`);
    }
  }
  const parts = [failure];
  if (done.length === 0) parts.push('nothing was changed');
  if (restored.length > 0) parts.push(`restored: ${restored.join(', ')}`);
  if (leftChanged.length > 0) parts.push(`LEFT CHANGED: ${leftChanged.join(', ')}`);
  return new InstallError(parts.join('; '), restored, leftChanged);
}

function ruleSteps(
  events: EventBridgeClient,
  rule: RuleBefore,
  queueArn: string,
  ruleArns: Map<string, string>,
  unchanged: InstallChange[],
): Step[] {
  const steps: Step[] = [];
  const { name, spec, existing } = rule;
  const upToDate =
    existing &&
    samePattern(existing.eventPattern, spec.pattern) &&
    existing.state === 'ENABLED' &&
    existing.description === spec.description;
  if (upToDate) {
    unchanged.push({ resource: `rule ${name}`, change: 'unchanged' });
  } else {
    steps.push({
      change: {
        resource: `rule ${name}`,
        change: existing ? 'updated' : 'created',
        ...(existing
          ? { detail: existing.state !== 'ENABLED' ? 'enabled' : 'event pattern or description changed' }
          : {}),
      },
      async apply() {
        const put = await events.send(
          new PutRuleCommand({
            Name: name,
            EventPattern: JSON.stringify(spec.pattern),
            State: 'ENABLED',
            Description: spec.description,
          }),
        );
        if (put.RuleArn) ruleArns.set(name, put.RuleArn);
      },
      async undo() {
        if (!existing) {
          await events.send(new DeleteRuleCommand({ Name: name }));
          return;
        }
        await events.send(
          new PutRuleCommand({
            Name: name,
            ...(existing.eventPattern ? { EventPattern: existing.eventPattern } : {}),
            ...(existing.state ? { State: existing.state as RuleState } : {}),
            ...(existing.description !== undefined ? { Description: existing.description } : {}),
          }),
        );
      },
    });
  }
  if (rule.target?.Arn === queueArn) {
    unchanged.push({ resource: `target ${name}/${TARGET_ID}`, change: 'unchanged' });
    return steps;
  }
  const previous = rule.target;
  steps.push({
    change: {
      resource: `target ${name}/${TARGET_ID}`,
      change: previous ? 'updated' : 'created',
      detail: `-> ${queueArn}`,
    },
    async apply() {
      const result = await events.send(
        new PutTargetsCommand({ Rule: name, Targets: [{ Id: TARGET_ID, Arn: queueArn }] }),
      );
      if (result.FailedEntryCount) {
        throw new Error(
          `adding the queue as target of ${name} failed: ${result.FailedEntries?.map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join('; ')}`,
        );
      }
    },
    async undo() {
      if (previous) await events.send(new PutTargetsCommand({ Rule: name, Targets: [previous] }));
      else await events.send(new RemoveTargetsCommand({ Rule: name, Ids: [TARGET_ID] }));
    },
  });
  return steps;
}

/** The step that merges the EventBridge statement into the queue policy, keeping every other statement; undefined when up to date. */
function queuePolicyStep(
  sqs: SQSClient,
  before: PreflightResult,
  queueArn: string,
  queueName: string,
  ruleArns: () => string[],
): Step | undefined {
  const current = before.policyBefore
    ? (JSON.parse(before.policyBefore) as { Version?: string; Statement?: Record<string, unknown>[] })
    : undefined;
  const wanted = () => (queuePolicyFor(queueArn, ruleArns()).Statement as Record<string, unknown>[])[0];
  const had = (current?.Statement ?? []).find((s) => s.Sid === STATEMENT_SID);
  if (had && JSON.stringify(sortKeys(had)) === JSON.stringify(sortKeys(wanted()))) return undefined;
  const others = (current?.Statement ?? []).filter((s) => s.Sid !== STATEMENT_SID);
  return {
    change: {
      resource: `queue policy of ${queueName}`,
      change: had ? 'updated' : 'created',
      detail: 'EventBridge may send from the rules above',
    },
    async apply() {
      const policy = { Version: current?.Version ?? '2012-10-17', Statement: [...others, wanted()] };
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: before.queueUrl, Attributes: { Policy: JSON.stringify(policy) } }),
      );
    },
    async undo() {
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: before.queueUrl, Attributes: { Policy: before.policyBefore ?? '' } }),
      );
    },
  };
}
