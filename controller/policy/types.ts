/**
 * The DiscoveryPolicy as the controller uses it: validated, defaults applied, durations in milliseconds.
 * The schema in crds/ is the source of truth for the YAML form; these types follow it.
 */

import type { RuleConfigs } from '../rules/index.js';
import type { OperatorBounds } from './bounds.js';

export type PolicyMode = 'audit' | 'enforce';

/** Where a policy came from, for error messages and status. */
export interface PolicyOrigin {
  /** Path relative to the source root (or the object key / repository path). */
  file: string;
  /** 1-based line of the document's start in that file. */
  line: number;
}

export interface ServiceSelector {
  /** ECS service names or globs; empty means all. */
  include: readonly string[];
  exclude: readonly string[];
  /** Every tag listed must match exactly. */
  tags: Readonly<Record<string, string>>;
}

export interface PolicyTarget {
  /** Region to act in; undefined means the controller's own region. */
  region?: string;
  /** Role to assume for a cross-account target. */
  roleArn?: string;
  /** Account id taken from roleArn, when given. */
  account?: string;
  /** ECS cluster names, ARNs or globs. */
  clusters: readonly string[];
  /** Cloud Map namespace names or ids (ns-...). */
  namespaces: readonly string[];
  services: ServiceSelector;
}

export interface MaintenanceWindow {
  /** Five-field cron expression that opens the window. */
  schedule: string;
  durationMs: number;
  /** IANA time zone the schedule is read in. */
  timezone: string;
}

/**
 * Rule name -> the rule's typed configuration, derived from the rule registry (controller/rules/index.ts): each
 * rule module declares its own configuration type, so adding a rule does not touch this file.
 */
export type PolicyRules = RuleConfigs;

export type RuleName = keyof PolicyRules;

export interface Policy {
  name: string;
  labels: Readonly<Record<string, string>>;
  origin: PolicyOrigin;
  mode: PolicyMode;
  suspend: boolean;
  target: PolicyTarget;
  rules: PolicyRules;
}

/**
 * The operator's limits on what any policy may reach (CLI flags / environment). Empty cluster and namespace lists
 * mean no limit; an empty account list means the controller's own account only.
 */
export interface AllowedScopes {
  clusters: readonly string[];
  namespaces: readonly string[];
  accounts: readonly string[];
  /** Floors, ceilings and the protect tag key (controller/policy/bounds.ts); absent: none, the default key. */
  bounds?: OperatorBounds;
  /** The operator forbids `cloudMapOrphans.emptyServices: delete` (deleting services without ownership evidence). */
  forbidEmptyServiceDeletion?: boolean;
}

/** A validated, frozen set of policies from one source revision. */
export interface PolicySet {
  /** Source revision the set was built from (commit SHA, sha256 digest of an S3 listing, directory digest). */
  revision: string;
  policies: readonly Policy[];
  /** The operator's bounds the set was validated against; the plan enforces the hourly deletion budget from it. */
  bounds?: OperatorBounds;
}

export type ProblemSeverity = 'error' | 'warning';

/** One thing wrong (or suspicious) with a policy file, located as precisely as the parser allows. */
export interface PolicyProblem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (unreadable, empty, binary). */
  line: number;
  /** 1-based; 0 with line 0. */
  column: number;
  /** Dotted path of the field, e.g. spec.rules.dnsTtl.max; empty for file-level problems. */
  path: string;
  message: string;
  severity: ProblemSeverity;
}
