/**
 * The `run` command's configuration: each setting is a flag with an environment-variable fallback (flag
 * wins), so the same image works with Kubernetes env, ECS task definitions or a shell. One table drives
 * parsing, `--help` and the README, so they cannot disagree.
 */
import { parseArgs } from 'node:util';
import { listFlag, UsageError } from './io.js';
import { BOUND_SETTINGS, parseBounds, type OperatorBounds } from '../policy/bounds.js';
import { hostname } from 'node:os';
import { stateUrlProblem } from '../state/resolve.js';
import { parseDuration } from '../util/duration.js';
import { PACING_SETTINGS, pacingDefault, parsePacing, type PacingConfig } from '../aws/pacing.js';
import { DEFAULT_READ_CONCURRENCY } from '../aws/read-context.js';
import { resyncExpressionProblem } from '../runtime/resync.js';

export interface RunConfig {
  policies: string;
  queueUrl?: string;
  /** EventBridge bus (name or ARN) for the controller's own events; undefined: none published. */
  eventsBus?: string;
  resync: string;
  /** How often a resync reads everything instead of following change signals. */
  fullResyncMs: number;
  metricsAddr: string;
  /** /status without IAM role ARNs. */
  statusRedact: boolean;
  dryRun: boolean;
  once: boolean;
  allowed: { clusters: string[]; namespaces: string[]; accounts: string[] };
  /** --allow-all-namespaces: the operator chose, explicitly, to let policies reach every namespace. */
  allowAllNamespaces: boolean;
  /** Floors, ceilings and the protect tag key no policy can go beyond (controller/policy/bounds.ts). */
  bounds: OperatorBounds;
  pollIntervalMs: number;
  logLevel: string;
  region?: string;
  endpoint?: string;
  workers: number;
  /** AWS read calls in flight at once per target (full reads and refreshes together). */
  readConcurrency: number;
  /** Token buckets per AWS service, one set per target (controller/aws/pacing.ts). */
  pacing: PacingConfig;
  debounceMs: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  shutdownTimeoutMs: number;
  /** "memory" or "dynamodb://TABLE". */
  state: string;
  replicaId: string;
  leaseDurationMs: number;
}

interface Setting {
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

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Parses `run` arguments with environment fallbacks; throws UsageError naming the flag and variable. */
export function parseRunConfig(argv: string[], env: NodeJS.ProcessEnv): RunConfig {
  const options = Object.fromEntries(
    RUN_SETTINGS.map((s) => [
      s.flag,
      s.type === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: s.type === 'list' },
    ]),
  );
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as typeof values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const setting = (flag: string): Setting => RUN_SETTINGS.find((s) => s.flag === flag)!;
  const text = (flag: string): string | undefined => {
    const s = setting(flag);
    const value = values[flag] ?? (s.env ? env[s.env] : undefined) ?? s.default;
    return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
  };
  const bool = (flag: string): boolean => {
    if (values[flag] === true) return true;
    const raw = env[setting(flag).env ?? '']?.trim().toLowerCase();
    if (raw === undefined || raw === '') return false;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new UsageError(`${setting(flag).env}="${raw}" is not a boolean (use true or false)`);
  };
  const list = (flag: string): string[] => {
    const fromFlag = listFlag(values[flag] as string[] | undefined);
    return fromFlag.length > 0 ? fromFlag : listFlag(env[setting(flag).env ?? '']);
  };
  const duration = (flag: string): number => {
    const raw = text(flag)!;
    const ms = parseDuration(raw);
    if (ms === undefined)
      throw new UsageError(`--${flag} / ${setting(flag).env}: "${raw}" is not a duration (e.g. 30s, 5m, 1h)`);
    return ms;
  };

  const policies = text('policies');
  if (!policies)
    throw new UsageError(
      '--policies (or POLICIES) is required: a directory, s3://bucket/prefix/ or git+https://... URL',
    );
  const resync = text('resync')!;
  const resyncProblem = resyncExpressionProblem(resync);
  if (resyncProblem) throw new UsageError(resyncProblem);
  const fullResyncMs = duration('full-resync');
  const logLevel = text('log-level')!.toLowerCase();
  if (!LOG_LEVELS.has(logLevel))
    throw new UsageError(`--log-level / LOG_LEVEL: "${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`);
  const workers = Number(text('workers'));
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers / WORKERS must be an integer from 1 to 64, got "${text('workers')}"`);
  const readConcurrency = Number(text('read-concurrency'));
  if (!Number.isInteger(readConcurrency) || readConcurrency < 1 || readConcurrency > 64) {
    throw new UsageError(
      `--read-concurrency / READ_CONCURRENCY must be an integer from 1 to 64, got "${text('read-concurrency')}"`,
    );
  }
  let pacing: PacingConfig;
  try {
    pacing = parsePacing((p) => text(p.flag));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const minRetryDelayMs = duration('min-retry-delay');
  const maxRetryDelayMs = duration('max-retry-delay');
  if (minRetryDelayMs > maxRetryDelayMs) throw new UsageError('--min-retry-delay must not exceed --max-retry-delay');
  const pollIntervalMs = duration('poll-interval');
  if (pollIntervalMs < 1_000) throw new UsageError('--poll-interval / POLL_INTERVAL must be at least 1s');

  const state = text('state')!;
  const stateProblem = stateUrlProblem(state);
  if (stateProblem) throw new UsageError(stateProblem);
  const leaseDurationMs = duration('lease-duration');
  if (leaseDurationMs < 1_000) throw new UsageError('--lease-duration / LEASE_DURATION must be at least 1s');
  const replicaId = text('replica-id') ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(replicaId))
    throw new UsageError(`--replica-id / REPLICA_ID: "${replicaId}" must be 1-100 of A-Z a-z 0-9 . _ : -`);

  const dryRun = bool('dry-run');
  const allowed = {
    clusters: list('allowed-clusters'),
    namespaces: list('allowed-namespaces'),
    accounts: list('allowed-accounts'),
    ...(bool('forbid-empty-service-deletion') ? { forbidEmptyServiceDeletion: true } : {}),
  };
  const allowAllNamespaces = bool('allow-all-namespaces');
  if (allowAllNamespaces && allowed.namespaces.length > 0) {
    throw new UsageError(
      '--allow-all-namespaces and --allowed-namespaces (ALLOWED_NAMESPACES) contradict each other: give one of them',
    );
  }
  if (!dryRun && !allowAllNamespaces && allowed.namespaces.length === 0) {
    throw new UsageError(
      '--allowed-namespaces (or ALLOWED_NAMESPACES) is required to run in enforce mode: Cloud Map writes are bounded by namespace, not by cluster, ' +
        'so list the namespaces policies may reach; pass --allow-all-namespaces (ALLOW_ALL_NAMESPACES=true) to let them reach every namespace, or --dry-run to write nothing',
    );
  }
  return {
    policies,
    queueUrl: text('queue-url'),
    eventsBus: text('events-bus'),
    resync,
    fullResyncMs,
    metricsAddr: text('metrics-addr')!,
    statusRedact: bool('status-redact'),
    dryRun,
    once: bool('once'),
    allowed,
    allowAllNamespaces,
    bounds: parseBounds(values, env),
    pollIntervalMs,
    logLevel,
    region: text('region'),
    endpoint: text('endpoint'),
    workers,
    readConcurrency,
    pacing,
    debounceMs: duration('event-debounce'),
    minRetryDelayMs,
    maxRetryDelayMs,
    shutdownTimeoutMs: duration('shutdown-timeout'),
    state,
    replicaId,
    leaseDurationMs,
  };
}

/** `run --help` text. */
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
