/**
 * The shape of a rule: one module exports everything the controller needs to know about it (issue #14,
 * "Registries instead of switches"). Policy loading, reading, planning and deciding loop over the registry
 * (rules/index.ts) and never name a rule; what a rule needs from them is a field here.
 */
import type { Inventory, ReadError } from '../inventory/model.js';
import type { ReadScopePlan, ResourceMatcher } from '../inventory/read-scope.js';
import type { OperatorBounds } from '../policy/bounds.js';
import type { RuleIssue, RuleParseContext } from '../policy/rule-config.js';
import type { AllowedScopes, Policy } from '../policy/types.js';
import type { DiscoveryVia } from './scope.js';
import type { Action, BlockReason, Finding } from '../model/findings.js';

/** Every rule's typed configuration has at least this. */
export interface RuleConfigBase {
  enabled: boolean;
}

/** Through which of an ECS service's namespaces a finding about it is owned (rules/scope.ts). */
export type OwnershipVia = DiscoveryVia;

/** Why an action will not run, with the detail a person needs. */
export interface Block {
  reason: BlockReason;
  detail: string;
  /** When the block ends by itself (epoch ms on AWS's time, e.g. a cooldown's end): the runtime looks again then. */
  until?: number;
}

/** One action on its way into the plan. `enforceBlock` undefined means enforce mode would execute it. */
export interface Draft {
  finding: Finding;
  action: Action;
  policy: Policy;
  enforceBlock?: Block;
}

/** The observed state and clocks the decisions depend on. */
export interface DecideContext {
  inventory: Inventory;
  now: number;
  /** Finding key -> first time seen, already updated for this run. */
  firstSeen: ReadonlyMap<string, number>;
  /** Deletions per namespace id in the hour before this plan (runs and revisions before it). */
  recentDeletions?: ReadonlyMap<string, { services: number; instances: number }>;
  /** The operator's budget of deletions per namespace in any hour (--max-deletions-per-hour); undefined: none. */
  maxDeletionsPerHour?: number;
  /** The operator's ceiling on redeploys in progress or planned, over all policies (--max-concurrent-redeploys). */
  maxConcurrentRedeploys?: number;
}

/**
 * The safety checks that apply to a rule's actions, as enforce mode would apply them (plan/decide.ts runs them;
 * mode, suspend and dry-run are overlaid afterwards).
 */
export interface RuleGates {
  /** A check of one action alone; runs after the rule's own `blocked` and before the generic grace period. */
  check?(draft: Draft, ctx: DecideContext): Block | undefined;
  /**
   * Checks over all of this rule's actions of the plan together (budgets, concurrency, the sanity guard), in plan
   * order; sets `enforceBlock` on the drafts it stops. Only drafts every earlier check passed count.
   */
  apply?(drafts: readonly Draft[], ctx: DecideContext): void;
}

/** What a rule needs of the policy loader: its block in spec.rules, parsed, and the checks it adds. */
export interface RulePolicyPart<Raw, Config extends RuleConfigBase> {
  /**
   * The block (spec.rules.<name>) after the JSON schema generated from the CRD has validated it and filled in its
   * defaults, turned into typed configuration; problems the schema cannot see go to `ctx.issue`.
   */
  parse(raw: Raw, ctx: RuleParseContext): Config;
  /** What the enabled rule asks beyond the operator's floors and ceilings (controller/policy/bounds.ts). */
  checkBounds?(config: Config, bounds: OperatorBounds, flagOf: (key: keyof OperatorBounds) => string): RuleIssue[];
  /** What the enabled rule asks that the operator's allowed scopes forbid. */
  checkAllowed?(config: Config, scopes: AllowedScopes): RuleIssue[];
  /** It acts within Cloud Map namespaces: a policy that enables it must list spec.target.namespaces. */
  needsNamespaces: boolean;
  /**
   * It acts on Cloud Map services, which belong to their namespace whatever the clusters: two policies whose
   * namespace patterns tie at equal specificity overlap as soon as either enables it (policy/scopes.ts).
   */
  claimsCloudMapServicesByNamespace: boolean;
}

/** One rule: everything about it in one place. */
export interface RuleDefinition<Name extends string, Raw, Config extends RuleConfigBase> {
  /** Its key under spec.rules in the CRD (crds/discoverypolicy.yaml holds its schema and defaults). */
  name: Name;
  policy: RulePolicyPart<Raw, Config>;
  /**
   * The configuration of the block written empty (`{}`): the CRD's defaults, parsed under the default operator
   * bounds. test/rules/registry.test.ts holds every rule's `defaults` to what the loader makes of the CRD.
   */
  defaults: Config;
  /** Pure: findings from the policy, the inventory and the time. Called only when the rule is enabled. */
  evaluate(policy: Policy, inventory: Inventory, now: number): Finding[];
  /**
   * What the enabled rule needs read beyond the policy's own clusters' services and namespaces' Cloud Map
   * services (which every enabled rule gets), given what the policy covers. Reading more is safe, less is not.
   */
  readScope(config: Config, covered: CoveredScope): Partial<ReadScopePlan>;
  /**
   * Read errors beyond the policy's own scope that leave a hole in what this rule judges (plan/read-errors.ts);
   * account, covered cluster, namespace and Cloud Map service errors count for every rule.
   */
  affectedBy?(error: ReadError, policy: Policy, inventory: Inventory): boolean;
  /** Through which namespaces its findings about ECS services are owned when policies overlap. */
  ownershipVia: OwnershipVia;
  gates?: RuleGates;
  /** Its findings about Cloud Map instances are orphaned registrations (the monthly cost gauge counts them). */
  instanceFindingsAreOrphanedRegistrations?: boolean;
  /** Its findings about a Cloud Map service this plan deletes are moot (its action would fail after the deletion). */
  mootWhenServiceDeleted?: boolean;
}

/** What a policy covers, as read-scope matchers, and the matcher for everything. */
export interface CoveredScope {
  clusters: ResourceMatcher;
  namespaces: ResourceMatcher;
  everything: ResourceMatcher;
}

/** Any rule, for code that loops over the registry. */
export type AnyRule = RuleDefinition<string, any, RuleConfigBase>;

/** The typed configuration of a rule definition. */
export type ConfigOf<R> = R extends RuleDefinition<string, unknown, infer C> ? C : never;

/** The raw (YAML, defaulted) block of a rule definition. */
export type RawOf<R> = R extends RuleDefinition<string, infer Raw, RuleConfigBase> ? Raw : never;
