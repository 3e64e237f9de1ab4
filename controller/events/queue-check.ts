/**
 * `run --queue-url` checked at start: a URL of the SQS form, a queue that GetQueueUrl finds by its account
 * and name, and GetQueueAttributes that succeeds on it. A wrong URL is then one clear error at start instead of
 * a consumer that retries for ever while the controller looks healthy.
 * URL forms (AWS SQS Developer Guide, "Queue and message identifiers"): https://sqs.<region>.amazonaws.com/<account>/<name>
 * and the legacy https://<region>.queue.amazonaws.com/<account>/<name>; with an endpoint override
 * (AWS_ENDPOINT_URL, the sandbox) any host, but still /<account>/<name>.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode } from '../aws/clients.js';

/** Queue names: alphanumerics, hyphens and underscores, 1 to 80 characters (a .fifo suffix for FIFO queues). */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const AWS_HOST =
  /^(sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?|[a-z0-9-]+\.queue\.amazonaws\.com(\.cn)?|sqs-fips\.[a-z0-9-]+\.amazonaws\.com)$/;

/** The account and queue name of an SQS queue URL, or the reason it is not one. */
export function parseQueueUrl(
  queueUrl: string,
  options: { customEndpoint: boolean },
): { account: string; name: string } | { problem: string } {
  const example = 'https://sqs.eu-west-1.amazonaws.com/111122223333/controller-events';
  if (queueUrl.startsWith('arn:'))
    return { problem: `is a queue ARN; --queue-url takes the queue URL, e.g. ${example}` };
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    return { problem: `is not a URL; use the queue URL, e.g. ${example} (not the queue name)` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { problem: `is not an http(s) URL; use the queue URL, e.g. ${example}` };
  if (!options.customEndpoint && (url.protocol !== 'https:' || !AWS_HOST.test(url.hostname))) {
    return {
      problem: `is not an SQS queue URL (expected https://sqs.<region>.amazonaws.com/<account>/<queue>, host was ${url.host})`,
    };
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const [account, name] = segments;
  if (segments.length !== 2 || !/^\d{12}$/.test(account) || !QUEUE_NAME.test(name)) {
    return { problem: 'does not end in /<12-digit account>/<queue name>, as an SQS queue URL does' };
  }
  return { account, name };
}

/** Throws an Error that says what is wrong with the queue URL and what to check. */
export async function checkQueueUrl(
  sqs: SQSClient,
  queueUrl: string,
  options: { customEndpoint: boolean },
): Promise<void> {
  const parsed = parseQueueUrl(queueUrl, options);
  if ('problem' in parsed) throw new Error(`--queue-url "${queueUrl}" ${parsed.problem}`);
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: parsed.name, QueueOwnerAWSAccountId: parsed.account }));
  } catch (error) {
    throw new Error(
      `--queue-url "${queueUrl}": GetQueueUrl for queue ${parsed.name} in account ${parsed.account} failed with ${awsErrorCode(error)}: ` +
        `${(error as Error).message} (does the queue exist in this region, and may the controller call sqs:GetQueueUrl?)`,
    );
  }
  try {
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  } catch (error) {
    throw new Error(
      `--queue-url "${queueUrl}": GetQueueAttributes failed with ${awsErrorCode(error)}: ${(error as Error).message} ` +
        "(check the controller role's sqs:GetQueueAttributes permission and the queue's key policy)",
    );
  }
}
