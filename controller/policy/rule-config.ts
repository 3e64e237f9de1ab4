/**
 * What a rule's parser gets from the policy loader (rules/definition.ts, `policy.parse`): its block's place for
 * locating problems, and the field checks several rules share (durations, DNS TTLs, cron windows). The schema
 * has already validated the block's shape and filled in its defaults; these catch what a schema cannot.
 */
import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../util/duration.js';
import type { OperatorBounds } from './bounds.js';

/** A problem in a rule's block, located by path segments below spec.rules.<name>. */
export interface RuleIssue {
  segments: (string | number)[];
  message: string;
}

/** Route 53 accepts TTLs up to 2^31-1 seconds. */
const MAX_TTL_SECONDS = 2_147_483_647;

/** The parser's helpers; every `segments` is relative to the rule's block. */
export interface RuleParseContext {
  /** The operator's bounds the policy is loaded under (the protect tag key, floors and ceilings). */
  operator: OperatorBounds;
  issue(segments: (string | number)[], message: string): void;
  /** A duration in milliseconds; 0 (with an issue) when it is out of range, or 0 where `positive` asks for more. */
  duration(text: string, segments: (string | number)[], options?: { positive?: boolean }): number;
  /** A DNS TTL in whole seconds; undefined (with an issue) when it is not one. */
  ttlSeconds(text: string, segments: (string | number)[]): number | undefined;
  /** Checks a maintenance window's cron expression and time zone; returns the zone's canonical IANA name. */
  cronWindow(schedule: string, timezone: string, segments: (string | number)[]): string;
}

/** A parse context for the rule block at `spec.rules.<name>` that reports into `issues` with full paths. */
export function ruleParseContext(name: string, operator: OperatorBounds, issues: RuleIssue[]): RuleParseContext {
  const at = (segments: (string | number)[]) => ['spec', 'rules', name, ...segments];
  const issue = (segments: (string | number)[], message: string) => {
    issues.push({ segments: at(segments), message });
  };
  return {
    operator,
    issue,
    duration(text, segments, { positive = false } = {}) {
      const ms = parseDuration(text);
      if (ms === undefined) {
        issue(segments, `"${text}" is too large to be a duration`);
        return 0;
      }
      if (positive && ms === 0) issue(segments, `must be more than 0s; got "${text}"`);
      return ms;
    },
    ttlSeconds(text, segments) {
      const ms = parseDuration(text);
      if (ms === undefined) {
        issue(segments, `"${text}" is too large to be a duration`);
        return undefined;
      }
      if (ms % 1000 !== 0) {
        issue(segments, `"${text}" is not a whole number of seconds: DNS TTLs are set in seconds`);
        return undefined;
      }
      if (ms / 1000 > MAX_TTL_SECONDS) {
        issue(segments, `"${text}" is above the largest DNS TTL (${MAX_TTL_SECONDS} seconds)`);
        return undefined;
      }
      return ms / 1000;
    },
    cronWindow(schedule, timezone, segments) {
      let validZone = true;
      let canonical = timezone;
      try {
        canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
      } catch {
        validZone = false;
        issue(
          [...segments, 'timezone'],
          `"${timezone}" is not an IANA time zone such as UTC, Europe/Paris or America/New_York`,
        );
      }
      const fields = schedule.trim().split(/\s+/);
      if (fields.length !== 5) {
        issue(
          [...segments, 'schedule'],
          `"${schedule}" is not a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"; it has ${fields.length} field(s)`,
        );
        return canonical;
      }
      try {
        CronExpressionParser.parse(schedule, { tz: validZone ? canonical : 'UTC', strict: false });
      } catch (error) {
        issue([...segments, 'schedule'], `"${schedule}" is not a valid cron expression: ${(error as Error).message}`);
      }
      return canonical;
    },
  };
}
