/**
 * `--status-redact`: /status is often reachable by more people than the controller's logs (a sidecar, a
 * port-forward, a shared scraper). With redaction on it carries no IAM role ARNs: the roles a policy assumes
 * name accounts and privileges an attacker would like to know. Fields named roleArn are replaced, and any
 * role or assumed-role ARN inside text (an AccessDenied message) is masked.
 */
const ROLE_ARN = /arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(?:role|assumed-role)\/[^\s"',;)]+/g;
export const REDACTED_ROLE = '[redacted role ARN]';

/** A deep copy of a /status body with every role ARN replaced. */
export function redactRoleArns<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ROLE_ARN, REDACTED_ROLE);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value))
      out[key] = /rolearn/i.test(key) && child !== undefined ? REDACTED_ROLE : walk(child);
    return out;
  }
  return value;
}
