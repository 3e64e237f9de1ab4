import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../util/duration.js';
import { compileGlob, isGlob } from './glob.js';
import { bindMatcher, compileTarget, type TargetMatcher, type TargetPattern } from './match.js';
import type { MaintenanceWindow, Policy } from './types.js';

/** The YAML form after schema validation and defaults: every defaulted field is present. */
export interface RawPolicy {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    mode: 'audit' | 'enforce';
    suspend: boolean;
    target: {
      region?: string;
      roleArn?: string;
      clusters: string[];
      namespaces: string[];
      services: { include: string[]; exclude: string[]; tags: Record<string, string> };
    };
    rules: {
      serviceConnectRefresh: {
        enabled: boolean; staleAfter: string; dependencies?: Record<string, string[]>; maxConcurrent: number; cooldown: string;
        windows: { schedule: string; duration: string; timezone: string }[];
      };
      cloudMapOrphans: {
        enabled: boolean; services: boolean; instances: boolean; gracePeriod: string; maxDeletionsPerRun: number;
        protectTags: { key: string; value: string }[]; emptyServices: 'report' | 'delete'; ownershipTag?: { key: string; value: string };
      };
      dnsTtl: { enabled: boolean; max: string; set: string };
      taskLimit: { enabled: boolean; warnAt: number; namespaceWarnAt: number };
    };
  };
}

/** A semantic problem located by field path (segments into the document). */
export interface SemanticIssue {
  segments: (string | number)[];
  message: string;
}

/** A compiled target pattern with its index in the list it came from (for locating problems). */
export type IndexedGlob = TargetPattern;

/** The compiled target (controller/policy/match.ts), kept beside the policy for the scope and overlap checks. */
export type CompiledTarget = TargetMatcher;

export { clusterNamePart } from './match.js';

/** Route 53 accepts TTLs up to 2^31-1 seconds. */
const MAX_TTL_SECONDS = 2_147_483_647;

/**
 * Checks what the schema cannot (durations in range, cron windows, time zones, globs that can match a real
 * name, dnsTtl set <= max) and builds the typed policy with durations in milliseconds.
 */
export function checkPolicy(raw: RawPolicy, origin: Policy['origin']): { policy: Policy; compiled: CompiledTarget; issues: SemanticIssue[] } {
  const issues: SemanticIssue[] = [];
  const spec = raw.spec;
  const duration = (text: string, segments: (string | number)[], { positive = false } = {}): number => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      issues.push({ segments, message: `"${text}" is too large to be a duration` });
      return 0;
    }
    if (positive && ms === 0) issues.push({ segments, message: `must be more than 0s; got "${text}"` });
    return ms;
  };
  const target = spec.target;
  const { matcher: compiled, errors: patternErrors } = compileTarget(target);
  for (const { field, index, message } of patternErrors) issues.push({ segments: ['spec', 'target', ...field.split('.'), index], message });

  const sc = spec.rules.serviceConnectRefresh;
  const scPath = ['spec', 'rules', 'serviceConnectRefresh'];
  const windows: MaintenanceWindow[] = sc.windows.map((window, index) => {
    const at = [...scPath, 'windows', index];
    const timezone = checkCron(window.schedule, window.timezone, at, issues);
    return { schedule: window.schedule, timezone, durationMs: duration(window.duration, [...at, 'duration'], { positive: true }) };
  });
  if (sc.dependencies) {
    for (const client of Object.keys(sc.dependencies)) {
      const { error } = compileGlob(client, 'service');
      if (error || isGlob(client)) {
        issues.push({ segments: [...scPath, 'dependencies', client], message: `"${client}" is not an ECS service name (exact names only: letters, digits, hyphens and underscores)` });
      }
    }
  }

  const orphans = spec.rules.cloudMapOrphans;
  const dns = spec.rules.dnsTtl;
  const dnsPath = ['spec', 'rules', 'dnsTtl'];
  const maxSeconds = ttlSeconds(dns.max, [...dnsPath, 'max'], issues);
  const setSeconds = ttlSeconds(dns.set, [...dnsPath, 'set'], issues);
  if (maxSeconds !== undefined && setSeconds !== undefined && setSeconds > maxSeconds) {
    issues.push({ segments: [...dnsPath, 'set'], message: `set (${dns.set}) is above max (${dns.max}): the TTL written when enforcing would itself be drift` });
  }

  const account = target.roleArn?.split(':')[4];
  const policy: Policy = {
    name: raw.metadata.name,
    labels: { ...(raw.metadata.labels ?? {}) },
    origin,
    mode: spec.mode,
    suspend: spec.suspend,
    target: {
      ...(target.region !== undefined ? { region: target.region } : {}),
      ...(target.roleArn !== undefined ? { roleArn: target.roleArn, account } : {}),
      clusters: [...target.clusters],
      namespaces: [...target.namespaces],
      services: { include: [...target.services.include], exclude: [...target.services.exclude], tags: { ...target.services.tags } },
    },
    rules: {
      serviceConnectRefresh: {
        enabled: sc.enabled,
        staleAfterMs: duration(sc.staleAfter, [...scPath, 'staleAfter']),
        ...(sc.dependencies ? { dependencies: Object.fromEntries(Object.entries(sc.dependencies).map(([k, v]) => [k, [...v]])) } : {}),
        maxConcurrent: sc.maxConcurrent,
        cooldownMs: duration(sc.cooldown, [...scPath, 'cooldown']),
        windows,
      },
      cloudMapOrphans: {
        enabled: orphans.enabled,
        services: orphans.services,
        instances: orphans.instances,
        gracePeriodMs: duration(orphans.gracePeriod, ['spec', 'rules', 'cloudMapOrphans', 'gracePeriod']),
        maxDeletionsPerRun: orphans.maxDeletionsPerRun,
        // The operator's key goes first (load.ts); these are the policy's additions.
        protectTags: orphans.protectTags.map((t) => ({ key: t.key, value: t.value })),
        emptyServices: orphans.emptyServices,
        ...(orphans.ownershipTag ? { ownershipTag: { ...orphans.ownershipTag } } : {}),
      },
      dnsTtl: { enabled: dns.enabled, maxSeconds: maxSeconds ?? 0, setSeconds: setSeconds ?? 0 },
      taskLimit: { ...spec.rules.taskLimit },
    },
  };
  // The runtime matches with the very patterns validated here (one compile per loaded policy).
  bindMatcher(policy.target, compiled);
  return { policy, compiled, issues };
}

function ttlSeconds(text: string, segments: (string | number)[], issues: SemanticIssue[]): number | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) {
    issues.push({ segments, message: `"${text}" is too large to be a duration` });
    return undefined;
  }
  if (ms % 1000 !== 0) {
    issues.push({ segments, message: `"${text}" is not a whole number of seconds: DNS TTLs are set in seconds` });
    return undefined;
  }
  if (ms / 1000 > MAX_TTL_SECONDS) {
    issues.push({ segments, message: `"${text}" is above the largest DNS TTL (${MAX_TTL_SECONDS} seconds)` });
    return undefined;
  }
  return ms / 1000;
}

/** Checks a window's cron expression and time zone; returns the zone's canonical IANA name ("utc" -> "UTC"). */
function checkCron(schedule: string, timezone: string, at: (string | number)[], issues: SemanticIssue[]): string {
  let validZone = true;
  let canonical = timezone;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    validZone = false;
    issues.push({ segments: [...at, 'timezone'], message: `"${timezone}" is not an IANA time zone such as UTC, Europe/Paris or America/New_York` });
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    issues.push({
      segments: [...at, 'schedule'],
      message: `"${schedule}" is not a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"; it has ${fields.length} field(s)`,
    });
    return canonical;
  }
  try {
    CronExpressionParser.parse(schedule, { tz: validZone ? canonical : 'UTC', strict: false });
  } catch (error) {
    issues.push({ segments: [...at, 'schedule'], message: `"${schedule}" is not a valid cron expression: ${(error as Error).message}` });
  }
  return canonical;
}
