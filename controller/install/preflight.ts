/**
 * install-events' checks, all reads, before it changes anything: the queue exists with this ARN, the rules'
 * current state can be read (and is remembered, so a failed install can put it back), and, with
 * --no-queue-policy, the queue policy already lets EventBridge deliver from the rules. A failure here means
 * nothing was changed.
 * Not checkable without writing: that the caller may call events:PutRule / PutTargets and
 * sqs:SetQueueAttributes (neither service has a dry run); the installer undoes its writes when one fails.
 */
import {
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
  type EventBridgeClient,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode } from '../aws/clients.js';
import { EVENT_RULES, type EventRuleSpec } from './event-rules.js';

/** A failed check: nothing was changed. */
export class PreflightError extends Error {
  constructor(message: string) {
    super(`${message}; nothing was changed`);
    this.name = 'PreflightError';
  }
}

/** One rule as it is before install-events touches it. */
export interface RuleBefore {
  name: string;
  spec: EventRuleSpec;
  existing?: { arn: string; eventPattern?: string; state?: string; description?: string };
  /** The target with our id, if the rule has one. */
  target?: Target;
}

export interface PreflightResult {
  queueUrl: string;
  /** The queue policy document before any change (undefined: none). */
  policyBefore?: string;
  rules: RuleBefore[];
}

/** Reads everything install-events needs and checks it; throws PreflightError (nothing changed) when a check fails. */
export async function preflight(
  clients: { eventBridge: EventBridgeClient; sqs: SQSClient },
  options: {
    queueArn: string;
    queue: { region: string; account: string; name: string };
    namePrefix: string;
    setQueuePolicy: boolean;
    targetId: string;
  },
): Promise<PreflightResult> {
  const { queue } = options;
  let queueUrl: string;
  let attributes: Record<string, string>;
  try {
    queueUrl = (
      await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue.name, QueueOwnerAWSAccountId: queue.account }))
    ).QueueUrl!;
    attributes =
      (
        await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'Policy'] }),
        )
      ).Attributes ?? {};
  } catch (error) {
    throw new PreflightError(
      `queue ${queue.name} in account ${queue.account} (${queue.region}) cannot be read: ${awsErrorCode(error)}: ${(error as Error).message}` +
        ' (check the spelling of --queue-arn, its region, and sqs:GetQueueUrl / sqs:GetQueueAttributes permissions)',
    );
  }
  if (attributes.QueueArn && attributes.QueueArn !== options.queueArn) {
    throw new PreflightError(`queue ${queue.name} has the ARN ${attributes.QueueArn}, not ${options.queueArn}`);
  }
  const rules: RuleBefore[] = [];
  for (const spec of EVENT_RULES) {
    const name = `${options.namePrefix}-${spec.suffix}`;
    try {
      const described = await clients.eventBridge
        .send(new DescribeRuleCommand({ Name: name }))
        .catch((error: unknown) => {
          if (error instanceof ResourceNotFoundException) return undefined;
          throw error;
        });
      if (!described) {
        rules.push({ name, spec });
        continue;
      }
      const targets = (await clients.eventBridge.send(new ListTargetsByRuleCommand({ Rule: name }))).Targets ?? [];
      rules.push({
        name,
        spec,
        existing: {
          arn: described.Arn!,
          eventPattern: described.EventPattern,
          state: described.State,
          description: described.Description,
        },
        target: targets.find((t) => t.Id === options.targetId),
      });
    } catch (error) {
      throw new PreflightError(
        `EventBridge rule ${name} cannot be read: ${awsErrorCode(error)}: ${(error as Error).message} (check events:DescribeRule and events:ListTargetsByRule permissions)`,
      );
    }
  }
  if (!options.setQueuePolicy) {
    const ruleArns = rules.map(
      (r) => r.existing?.arn ?? `arn:aws:events:${queue.region}:${queue.account}:rule/${r.name}`,
    );
    const missing = ruleArns.filter((arn) => !policyLetsEventBridgeSend(attributes.Policy, options.queueArn, arn));
    if (missing.length > 0) {
      throw new PreflightError(
        `with --no-queue-policy, the policy of queue ${queue.name} must already let events.amazonaws.com send from ${missing.join(', ')}, and it does not ` +
          '(drop --no-queue-policy to have install-events add the statement)',
      );
    }
  }
  return { queueUrl, ...(attributes.Policy ? { policyBefore: attributes.Policy } : {}), rules };
}

type Statement = {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** Does some Allow statement let EventBridge (events.amazonaws.com) call sqs:SendMessage on the queue from this rule? */
export function policyLetsEventBridgeSend(policy: string | undefined, queueArn: string, ruleArn: string): boolean {
  if (!policy) return false;
  let statements: Statement[];
  try {
    const parsed = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    statements = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  } catch {
    return false;
  }
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const matches = (patterns: string[], value: string) =>
    patterns.some((p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ).test(value),
    );
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const principal = s.Principal as { Service?: unknown } | string | undefined;
    const service =
      principal === '*' ||
      list(typeof principal === 'object' ? principal?.Service : undefined).includes('events.amazonaws.com');
    if (
      !service ||
      !matches(list(s.Action), 'sqs:SendMessage') ||
      (s.Resource !== undefined && !matches(list(s.Resource), queueArn))
    )
      return false;
    const sources = Object.entries(s.Condition ?? {})
      .filter(([op]) => /^Arn(Equals|Like)$|^String(Equals|Like)$/.test(op))
      .map(([, c]) => c['aws:SourceArn'])
      .filter((v) => v !== undefined);
    return sources.every((v) => matches(list(v), ruleArn));
  });
}
