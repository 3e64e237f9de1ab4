/**
 * Which target an event belongs to. Member accounts forward their ECS and Cloud Map events to the
 * controller account's bus (manifests/terraform/member-account), so one queue carries events of many
 * accounts and regions: the envelope's `account` and `region` name the target whose policies (roleArn's
 * account, target.region) cover them. Pure.
 */
import type { ReadTarget } from '../aws/targets.js';

/** Where an event came from (EventBridge envelope `account` and `region`). */
export interface EventSource {
  account?: string;
  region?: string;
}

/** The account id in an IAM role ARN (arn:aws:iam::ACCOUNT:role/...). */
export function roleAccount(roleArn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}

/** The account id in an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME): the controller's own. */
export function queueAccount(queueUrl: string | undefined): string | undefined {
  try {
    return new URL(queueUrl ?? '').pathname.split('/').find((segment) => /^\d{12}$/.test(segment));
  } catch {
    return undefined;
  }
}

/**
 * The target key an event routes to (undefined: the controller's own target), or "elsewhere" when no policy
 * covers its account and region. An envelope without account or region is the controller's own (as before
 * member accounts forwarded anything); an account other than the controller's needs a roleArn target in it.
 */
export function routeEvent(
  source: EventSource | undefined,
  targets: readonly ReadTarget[],
  own: { region: string; account?: string },
): { target?: string } | 'elsewhere' {
  const region = source?.region ?? own.region;
  const account = source?.account;
  const foreign = account !== undefined && own.account !== undefined && account !== own.account;
  const match = targets.find(
    (t) => t.region === region && (t.roleArn ? account !== undefined && roleAccount(t.roleArn) === account : !foreign),
  );
  if (!match) return source?.region === undefined && !foreign ? {} : 'elsewhere';
  return match.isDefault ? {} : { target: match.key };
}
