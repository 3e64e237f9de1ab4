import { DescribeRuleCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, ResourceNotFoundException, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_RULES, queuePolicyFor } from './event-rules.js';

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
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** Creates or updates the controller's EventBridge rules and their SQS target; idempotent. */
export async function installEvents(clients: { eventBridge: EventBridgeClient; sqs: SQSClient }, options: InstallEventsOptions): Promise<InstallChange[]> {
  const queue = parseQueueArn(options.queueArn);
  const changes: InstallChange[] = [];
  const ruleArns: string[] = [];
  for (const rule of EVENT_RULES) {
    const name = `${options.namePrefix}-${rule.suffix}`;
    let existing: { EventPattern?: string; State?: string; Description?: string; Arn?: string } | undefined;
    try {
      existing = await clients.eventBridge.send(new DescribeRuleCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw new Error(`reading EventBridge rule ${name} failed: ${(error as Error).message}`, { cause: error });
    }
    const upToDate = existing && samePattern(existing.EventPattern, rule.pattern) && existing.State === 'ENABLED' && existing.Description === rule.description;
    if (upToDate) {
      changes.push({ resource: `rule ${name}`, change: 'unchanged' });
      ruleArns.push(existing!.Arn!);
    } else {
      const change = existing ? 'updated' : 'created';
      const detail = existing ? (existing.State !== 'ENABLED' ? 'enabled' : 'event pattern or description changed') : undefined;
      if (options.dryRun) {
        ruleArns.push(existing?.Arn ?? `arn:aws:events:${queue.region}:${queue.account}:rule/${name}`);
      } else {
        const put = await clients.eventBridge.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED', Description: rule.description }));
        ruleArns.push(put.RuleArn!);
      }
      changes.push({ resource: `rule ${name}`, change, detail });
    }
    const targets = existing ? (await clients.eventBridge.send(new ListTargetsByRuleCommand({ Rule: name }))).Targets ?? [] : [];
    const target = targets.find((t) => t.Id === TARGET_ID);
    if (target?.Arn === options.queueArn) {
      changes.push({ resource: `target ${name}/${TARGET_ID}`, change: 'unchanged' });
    } else {
      if (!options.dryRun) {
        const result = await clients.eventBridge.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: TARGET_ID, Arn: options.queueArn }] }));
        if (result.FailedEntryCount) {
          throw new Error(`adding the queue as target of ${name} failed: ${result.FailedEntries?.map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join('; ')}`);
        }
      }
      changes.push({ resource: `target ${name}/${TARGET_ID}`, change: target ? 'updated' : 'created', detail: `-> ${options.queueArn}` });
    }
  }
  if (options.setQueuePolicy) changes.push(await ensureQueuePolicy(clients.sqs, options, queue, ruleArns));
  return changes;
}

/** Merges the EventBridge statement into the queue's policy, keeping every other statement as it is. */
async function ensureQueuePolicy(sqs: SQSClient, options: InstallEventsOptions, queue: { account: string; name: string }, ruleArns: string[]): Promise<InstallChange> {
  const resource = `queue policy of ${queue.name}`;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name, QueueOwnerAWSAccountId: queue.account }));
  const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes ?? {};
  const current = attributes.Policy ? (JSON.parse(attributes.Policy) as { Version?: string; Statement?: Record<string, unknown>[] }) : undefined;
  const wanted = (queuePolicyFor(options.queueArn, ruleArns).Statement as Record<string, unknown>[])[0];
  const others = (current?.Statement ?? []).filter((s) => s.Sid !== STATEMENT_SID);
  const had = (current?.Statement ?? []).find((s) => s.Sid === STATEMENT_SID);
  if (had && JSON.stringify(sortKeys(had)) === JSON.stringify(sortKeys(wanted))) return { resource, change: 'unchanged' };
  if (!options.dryRun) {
    const policy = { Version: current?.Version ?? '2012-10-17', Statement: [...others, wanted] };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  }
  return { resource, change: had ? 'updated' : 'created', detail: 'EventBridge may send from the rules above' };
}
