/**
 * The operator's floors and ceilings: safeguards a policy cannot switch off. Each is a flag with an environment
 * fallback, read the same way by `validate`, `plan` and `run`; a policy asking beyond one is rejected with the
 * operator's limit in the message. The protect tag key is the operator's too (the IAM Deny in the manifests
 * names the same key): a policy may add protect tags, never remove this one.
 */
import { parseDuration } from '../util/duration.js';
import { UsageError } from '../util/usage-error.js';

/** The tag key the manifests' IAM Deny (NeverTouchProtectedCloudMap) protects. */
export const DEFAULT_PROTECT_TAG_KEY = 'discovery-controller/protect';

/** The operator's bounds; an absent limit is no limit. */
export interface OperatorBounds {
  minGracePeriodMs?: number;
  /** Deletions (deregistrations and service deletions) per namespace in any hour, across runs and revisions. */
  maxDeletionsPerHour?: number;
  minCooldownMs?: number;
  maxConcurrentRedeploys?: number;
  minDnsTtlSeconds?: number;
  /** A Cloud Map service carrying this key (with any value but "false") is never changed. */
  protectTagKey: string;
}

interface BoundSetting {
  key: keyof OperatorBounds;
  flag: string;
  env: string;
  kind: 'duration' | 'count' | 'key';
  help: string;
}

/** Every bound, in the order --help and the README list them. */
export const BOUND_SETTINGS: readonly BoundSetting[] = [
  {
    key: 'minGracePeriodMs',
    flag: 'min-grace-period',
    env: 'MIN_GRACE_PERIOD',
    kind: 'duration',
    help: 'Smallest cloudMapOrphans.gracePeriod a policy may ask for; unset: no floor',
  },
  {
    key: 'maxDeletionsPerHour',
    flag: 'max-deletions-per-hour',
    env: 'MAX_DELETIONS_PER_HOUR',
    kind: 'count',
    help: 'Cloud Map deletions per namespace in any hour, across runs and policy revisions; no policy may ask for more per run; unset: no budget',
  },
  {
    key: 'minCooldownMs',
    flag: 'min-cooldown',
    env: 'MIN_COOLDOWN',
    kind: 'duration',
    help: 'Smallest serviceConnectRefresh.cooldown a policy may ask for; unset: no floor',
  },
  {
    key: 'maxConcurrentRedeploys',
    flag: 'max-concurrent-redeploys',
    env: 'MAX_CONCURRENT_REDEPLOYS',
    kind: 'count',
    help: 'Largest serviceConnectRefresh.maxConcurrent a policy may ask for; unset: no ceiling',
  },
  {
    key: 'minDnsTtlSeconds',
    flag: 'min-dns-ttl',
    env: 'MIN_DNS_TTL',
    kind: 'duration',
    help: 'Smallest TTL a policy may have dnsTtl set (dnsTtl.set); unset: no floor',
  },
  {
    key: 'protectTagKey',
    flag: 'protect-tag-key',
    env: 'PROTECT_TAG_KEY',
    kind: 'key',
    help: `Cloud Map services carrying this tag (any value but "false") are never changed; keep it equal to the key of the IAM Deny (default ${DEFAULT_PROTECT_TAG_KEY}); policies may add protect tags, never remove this one`,
  },
];

/** No floors or ceilings, the default protect tag key. */
export const NO_BOUNDS: OperatorBounds = Object.freeze({ protectTagKey: DEFAULT_PROTECT_TAG_KEY });

/** Options for node:util parseArgs, so every command accepts the same bound flags. */
export function boundArgOptions(): Record<string, { type: 'string' }> {
  return Object.fromEntries(BOUND_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
}

/** Reads the bounds from parsed flags (which win) and the environment; a bad value is a usage error naming both. */
export function parseBounds(values: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): OperatorBounds {
  const bounds: OperatorBounds = { ...NO_BOUNDS };
  for (const setting of BOUND_SETTINGS) {
    const flagValue = values[setting.flag];
    const raw = (typeof flagValue === 'string' ? flagValue : env[setting.env])?.trim();
    if (raw === undefined || raw === '') continue;
    const where = `--${setting.flag} / ${setting.env}`;
    if (setting.kind === 'key') {
      if (raw.length > 128 || raw.startsWith('aws:'))
        throw new UsageError(
          `${where}: "${raw}" is not a tag key you can set (at most 128 characters, not starting with aws:)`,
        );
      bounds.protectTagKey = raw;
    } else if (setting.kind === 'count') {
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1)
        throw new UsageError(`${where}: "${raw}" is not a whole number of at least 1`);
      (bounds[setting.key] as number) = Number(raw);
    } else {
      const ms = parseDuration(raw);
      if (ms === undefined) throw new UsageError(`${where}: "${raw}" is not a duration (e.g. 30s, 15m, 1h)`);
      if (setting.key === 'minDnsTtlSeconds') {
        if (ms % 1000 !== 0) throw new UsageError(`${where}: "${raw}" is not a whole number of seconds`);
        bounds.minDnsTtlSeconds = ms / 1000;
      } else {
        (bounds[setting.key] as number) = ms;
      }
    }
  }
  return bounds;
}

/** Help lines for validate and plan (run lists the bounds in its settings table). */
export function boundsHelp(): string {
  return BOUND_SETTINGS.map(
    (s) =>
      `  --${s.flag} ${s.kind === 'count' ? 'N' : s.kind === 'key' ? 'KEY' : 'DURATION'}`.padEnd(31) +
      `${s.help} (env ${s.env})`,
  ).join('\n');
}

/** How the operator sets a bound ("--flag / ENV"), for messages naming the operator's limit. */
export function boundFlag(key: keyof OperatorBounds): string {
  const s = BOUND_SETTINGS.find((b) => b.key === key)!;
  return `--${s.flag} / ${s.env}`;
}
