/**
 * The `run` command's configuration, parsed from the settings table (run-settings.ts): each setting is a flag
 * with an environment-variable fallback (flag wins), so the same image works with Kubernetes env, ECS task
 * definitions or a shell.
 */
import { parseArgs } from 'node:util';
import { listFlag, UsageError } from './io.js';
import { parseBounds, type OperatorBounds } from '../policy/bounds.js';
import { hostname } from 'node:os';
import { stateUrlProblem } from '../state/resolve.js';
import { parseDuration } from '../util/duration.js';
import { parsePacing, type PacingConfig } from '../aws/pacing.js';
import { resyncExpressionProblem } from '../runtime/resync.js';
import { RUN_SETTINGS, type Setting } from './run-settings.js';

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
