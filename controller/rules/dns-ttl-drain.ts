/**
 * dnsTtl's use of the drain bound (issue #15), by `drainBound` mode: `report` (the default) reports records whose
 * TTL outlives the bound, with no action; `enforce` caps the allowed TTL at the bound, never below the operator's
 * floor (--min-dns-ttl: a bound under it caps at the floor, and what the floor leaves above the bound is reported;
 * lowering 60 s to the floor beats leaving it at 60 s); `ignore` ignores it. `max: auto` is enforce with no explicit
 * ceiling. Pure.
 */
import type { DrainBound } from './drain-bound.js';
import type { Finding } from '../model/findings.js';
import type { DnsTtlRule } from './dns-ttl.js';

/** The values of spec.rules.dnsTtl.drainBound (the CRD's enum). */
export const DRAIN_BOUND_MODES = ['ignore', 'report', 'enforce'] as const;
export type DrainBoundMode = (typeof DRAIN_BOUND_MODES)[number];

/** The longest TTL a service may keep, what set it, and the words the finding's `desired` opens its detail with. */
export interface AllowedTtl {
  seconds: number;
  by: 'max' | 'drain' | 'floor';
  why: string;
}

/** "tasks of payments:7 (container app, stopTimeout 10s) are killed 10s after ECS deregisters them". */
export function drainText(bound: DrainBound): string {
  return `tasks of ${bound.taskDefinition} (container ${bound.container}, stopTimeout ${bound.stopTimeoutSeconds}s) are killed ${bound.stopTimeoutSeconds}s after ECS deregisters them`;
}

function boundText(bound: DrainBound, marginSeconds: number): string {
  return `drain bound: ${bound.taskDefinition} container ${bound.container} stopTimeout ${bound.stopTimeoutSeconds}s - drainMargin ${marginSeconds}s`;
}

/**
 * The allowed TTL: the explicit max, capped under enforce by the drain bound (raised to the operator's floor when
 * the bound is below it). Undefined when there is no maximum at all (max auto and no known bound).
 */
export function allowedTtl(
  rule: DnsTtlRule,
  mode: DrainBoundMode,
  bound: DrainBound | undefined,
): AllowedTtl | undefined {
  const explicit = rule.maxSeconds === 'auto' ? undefined : rule.maxSeconds;
  if (mode === 'enforce' && bound) {
    const floor = rule.floorSeconds ?? 0;
    const cap = Math.max(bound.seconds, floor);
    if (explicit === undefined || cap < explicit) {
      return bound.seconds >= floor
        ? { seconds: cap, by: 'drain', why: `${boundText(bound, rule.drainMarginSeconds)}; ` }
        : {
            seconds: cap,
            by: 'floor',
            why: `the operator's minimum DNS TTL (--min-dns-ttl), above the ${boundText(bound, rule.drainMarginSeconds)} = ${bound.seconds}s; `,
          };
    }
  }
  return explicit === undefined ? undefined : { seconds: explicit, by: 'max', why: '' };
}

/** A TTL record as the rule sees it. */
interface Ttl {
  type: string;
  ttl: number;
}

/**
 * The report-only finding (no action) for records that outlive the drain bound even once this plan's TTL action is
 * done (`after`, same order as `records`), or undefined. Under enforce that happens only below the operator's floor.
 */
export function drainReport(
  rule: DnsTtlRule,
  mode: DrainBoundMode,
  bound: DrainBound,
  records: readonly Ttl[],
  after: readonly Ttl[],
): Pick<Finding, 'observed' | 'desired' | 'reason' | 'blocked'> | undefined {
  const outliving = records.flatMap((r, i) => (after[i].ttl > bound.seconds ? [{ ...r, after: after[i].ttl }] : []));
  if (mode === 'ignore' || outliving.length === 0) return undefined;
  const longest = Math.max(...outliving.map((r) => r.after));
  const floor = rule.floorSeconds;
  return {
    observed: outliving
      .map((r) => `${r.type} ttl ${r.ttl}s${r.after !== r.ttl ? ` (${r.after}s once lowered)` : ''}`)
      .join(', '),
    desired: `ttl <= ${bound.seconds}s (${boundText(bound, rule.drainMarginSeconds)})`,
    reason: `${drainText(bound)}, yet callers cache these records for up to ${longest}s: calls fail on every scale-in and deployment${mode === 'report' ? ' (drainBound: enforce would lower them)' : ''}`,
    ...(mode === 'enforce' && floor !== undefined && bound.seconds < floor
      ? {
          blocked: {
            reason: 'report-only' as const,
            detail: `the drain bound ${bound.seconds}s is below the operator's minimum DNS TTL ${floor}s (--min-dns-ttl); raise the containers' stopTimeout`,
          },
        }
      : {}),
  };
}
