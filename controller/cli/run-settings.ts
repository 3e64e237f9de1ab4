/**
 * The table of `run` settings: each a flag with an environment-variable fallback. It drives parsing,
 * `--help` and the README configuration table, so the three cannot disagree.
 */
import { BOUND_SETTINGS } from '../policy/bounds.js';
import { PACING_SETTINGS, pacingDefault } from '../aws/pacing.js';
import { DEFAULT_READ_CONCURRENCY } from '../aws/read-context.js';
/** One setting of `run`: its flag, environment variable, type, default and help. */
export interface Setting {
  flag: string;
  env?: string;
  type: 'string' | 'boolean' | 'list';
  default?: string;
  help: string;
}

/** Every setting of `run`, in the order --help and the README list them. */
export const RUN_SETTINGS: readonly Setting[] = [
  {
    flag: 'policies',
    env: 'POLICIES',
    type: 'string',
    help: 'Where DiscoveryPolicy files come from: a directory, file://, s3://bucket/prefix/ or git+https://host/repo.git?ref=main&path=dir (required)',
  },
  {
    flag: 'events-bus',
    env: 'EVENTS_BUS',
    type: 'string',
    help: "EventBridge bus (name or ARN) to publish the controller's own events to: drift detected and resolved, actions executed, failed or blocked (schema: docs/discovery-events.schema.json); empty: none",
  },
  {
    flag: 'queue-url',
    env: 'QUEUE_URL',
    type: 'string',
    help: 'SQS queue URL the EventBridge rules target, checked at start (GetQueueUrl, GetQueueAttributes); without it the controller reconciles on the resync schedule only',
  },
  {
    flag: 'resync',
    env: 'RESYNC',
    type: 'string',
    default: '*/10 * * * *',
    help: 'Cron schedule of the resync (jittered by up to a tenth of the period, at most 60 s): it re-reads what change signals (ECS service counts and deployments, Cloud Map instance counts) say moved',
  },
  {
    flag: 'full-resync',
    env: 'FULL_RESYNC',
    type: 'string',
    default: '1h',
    help: 'How often a resync reads the whole fleet instead of following change signals (also after any read error); 0s: every resync',
  },
  {
    flag: 'metrics-addr',
    env: 'METRICS_ADDR',
    type: 'string',
    default: ':9464',
    help: 'Listen address of /metrics, /healthz, /readyz and /status',
  },
  {
    flag: 'status-redact',
    env: 'STATUS_REDACT',
    type: 'boolean',
    default: 'false',
    help: '/status shows no IAM role ARNs (on in the Terraform and CloudFormation manifests)',
  },
  {
    flag: 'dry-run',
    env: 'DRY_RUN',
    type: 'boolean',
    default: 'false',
    help: 'Decide as enforce mode would but never write to AWS',
  },
  {
    flag: 'once',
    env: 'ONCE',
    type: 'boolean',
    default: 'false',
    help: 'Reconcile once and exit (0 when the reconcile succeeded), e.g. for a scheduled job',
  },
  {
    flag: 'allowed-clusters',
    env: 'ALLOWED_CLUSTERS',
    type: 'list',
    help: 'Comma-separated cluster names or globs policies may target; empty: no limit',
  },
  {
    flag: 'allowed-namespaces',
    env: 'ALLOWED_NAMESPACES',
    type: 'list',
    help: 'Comma-separated Cloud Map namespace names, ids or globs policies may target; required unless --dry-run or --allow-all-namespaces (Cloud Map writes are bounded by namespace, not by cluster)',
  },
  {
    flag: 'allow-all-namespaces',
    env: 'ALLOW_ALL_NAMESPACES',
    type: 'boolean',
    default: 'false',
    help: 'Let policies target every Cloud Map namespace (instead of listing --allowed-namespaces)',
  },
  {
    flag: 'allowed-accounts',
    env: 'ALLOWED_ACCOUNTS',
    type: 'list',
    help: "Comma-separated AWS account ids a policy roleArn may be in; empty: the controller's own account only (no roleArn)",
  },
  ...BOUND_SETTINGS.map((b): Setting => ({ flag: b.flag, env: b.env, type: 'string', help: b.help })),
  {
    flag: 'forbid-empty-service-deletion',
    env: 'FORBID_EMPTY_SERVICE_DELETION',
    type: 'boolean',
    default: 'false',
    help: 'Reject policies with cloudMapOrphans.emptyServices: delete (Cloud Map services are then deleted only with ownership evidence)',
  },
  {
    flag: 'poll-interval',
    env: 'POLL_INTERVAL',
    type: 'string',
    default: '1m',
    help: 'How often the policy source is checked for a new revision',
  },
  {
    flag: 'log-level',
    env: 'LOG_LEVEL',
    type: 'string',
    default: 'info',
    help: 'trace, debug, info, warn, error or fatal',
  },
  { flag: 'region', env: 'AWS_REGION', type: 'string', help: 'AWS region (default: the SDK chain, then us-east-1)' },
  {
    flag: 'endpoint',
    env: 'AWS_ENDPOINT_URL',
    type: 'string',
    help: 'AWS endpoint override, e.g. the sandbox at http://127.0.0.1:4566',
  },
  {
    flag: 'workers',
    env: 'WORKERS',
    type: 'string',
    default: '2',
    help: 'Work-queue keys refreshed at once (plan and apply always run one at a time)',
  },
  {
    flag: 'read-concurrency',
    env: 'READ_CONCURRENCY',
    type: 'string',
    default: String(DEFAULT_READ_CONCURRENCY),
    help: 'AWS read calls in flight at once per target (account and region), full reads and refreshes together; the rate is set by the --*-rate settings',
  },
  ...PACING_SETTINGS.map((p): Setting => ({
    flag: p.flag,
    env: p.env,
    type: 'string',
    default: pacingDefault(p),
    help: p.help,
  })),
  {
    flag: 'event-debounce',
    env: 'EVENT_DEBOUNCE',
    type: 'string',
    default: '200ms',
    help: 'How long a new key waits to absorb a burst of events about the same resource',
  },
  {
    flag: 'min-retry-delay',
    env: 'MIN_RETRY_DELAY',
    type: 'string',
    default: '1s',
    help: 'First retry delay of a failed reconcile; doubles per failure (with jitter)',
  },
  {
    flag: 'max-retry-delay',
    env: 'MAX_RETRY_DELAY',
    type: 'string',
    default: '5m',
    help: 'Longest retry delay of a failed reconcile',
  },
  {
    flag: 'shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    type: 'string',
    default: '25s',
    help: 'On SIGTERM/SIGINT: how long in-flight work may finish before it is abandoned',
  },
  {
    flag: 'state',
    env: 'STATE',
    type: 'string',
    default: 'memory',
    help: 'Where grace clocks, ownership evidence, the action journal and target leases live: memory (one replica; a restart forgets) or dynamodb://TABLE (restarts and several replicas; each target is acted on only by the replica holding its lease)',
  },
  {
    flag: 'replica-id',
    env: 'REPLICA_ID',
    type: 'string',
    help: "This replica's name in the lease table and in the AWS user-agent (default: hostname-pid)",
  },
  {
    flag: 'lease-duration',
    env: 'LEASE_DURATION',
    type: 'string',
    default: '20s',
    help: "With dynamodb state: how long a target lease lasts unrenewed; a dead replica's targets are taken over after one to two of these",
  },
];
export function runUsage(): string {
  const lines = RUN_SETTINGS.map((s) => {
    const flag = s.type === 'boolean' ? `--${s.flag}` : `--${s.flag} <${s.type === 'list' ? 'a,b' : 'value'}>`;
    const extra = [s.env ? `env ${s.env}` : '', s.default !== undefined ? `default ${s.default}` : '']
      .filter(Boolean)
      .join(', ');
    return `  ${flag.padEnd(34)} ${s.help}${extra ? ` (${extra})` : ''}`;
  });
  return `Usage: ecs-discovery-controller run --policies <source> [options]\n\nRuns the controller: reconciles at start, on ECS events from SQS and on the resync schedule,\nuntil SIGTERM or SIGINT. Policies with another target.region or a target.roleArn are read and\nacted on with clients of their own (STS AssumeRole for roleArn); events come from the controller's\nown account and region and from member accounts that forward theirs (routed by account and region),\nand every target is re-read at each resync. With --state dynamodb://TABLE several replicas share\nthe targets: each is acted on only by the replica holding its lease.\n\nOptions:\n${lines.join('\n')}\n`;
}

/** The README configuration table (Markdown). */
export function configTableMarkdown(): string {
  const rows = RUN_SETTINGS.map(
    (s) =>
      `| \`--${s.flag}\` | ${s.env ? `\`${s.env}\`` : ''} | ${s.default !== undefined ? `\`${s.default}\`` : ''} | ${s.help} |`,
  );
  return ['| Flag | Environment | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
