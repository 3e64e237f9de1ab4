import type { Inventory } from '../inventory/model.js';
import type { Policy, RuleName } from '../policy/types.js';

export type { RuleName };

/** The AWS resource a finding is about. */
export type ResourceRef =
  | { kind: 'ecs-service'; arn: string; cluster: string; name: string }
  | { kind: 'cloudmap-service'; id: string; arn: string; name: string; namespaceId: string }
  | { kind: 'cloudmap-instance'; serviceId: string; serviceName: string; namespaceId: string; instanceId: string }
  /** A namespace as a whole (taskLimit: instances per namespace). */
  | { kind: 'cloudmap-namespace'; id: string; arn: string; name: string };

/** A remedy. Only controller/actuator/ turns these into AWS writes. */
export type Action =
  | { type: 'ecs:ForceNewDeployment'; cluster: string; service: string; serviceArn: string }
  /**
   * `cluster`: the ECS cluster the instance names; the actuator re-reads the task there just before writing, unless
   * `taskStopped`: the task was seen STOPPED (described so, or named by ECS's STOPPED event), a state it never leaves.
   */
  /** `serviceArn` (every Cloud Map action): set for a service in a namespace shared with this account, where Cloud Map wants the ARN. */
  | {
      type: 'cloudmap:DeregisterInstance';
      serviceId: string;
      instanceId: string;
      cluster?: string;
      taskStopped?: true;
      serviceArn?: string;
    }
  /** `ecsServices`: ECS services the evidence names; the actuator re-describes them just before deleting. */
  | {
      type: 'cloudmap:DeleteService';
      serviceId: string;
      ecsServices?: readonly { cluster: string; service: string }[];
      serviceArn?: string;
    }
  /** Lowers the named records to `ttl`; a record whose TTL is no longer above `aboveSeconds` when written is left as it is. */
  | {
      type: 'cloudmap:UpdateDnsTtl';
      serviceId: string;
      records: readonly { type: string; ttl: number }[];
      aboveSeconds?: number;
      serviceArn?: string;
    }
  /** Sets a DNS namespace's SOA TTL (negative caching) to `ttl`; a namespace no longer above `aboveSeconds` when written is left as it is. */
  | {
      type: 'cloudmap:UpdateNamespaceSoa';
      namespaceId: string;
      namespaceType: 'DNS_PRIVATE' | 'DNS_PUBLIC';
      ttl: number;
      aboveSeconds: number;
    };

export type ActionType = Action['type'];

/** Why an action will not run now. Stable strings: they are metric label values (actions_blocked_total{reason}). */
export type BlockReason =
  | 'audit-mode'
  | 'suspended'
  | 'dry-run'
  | 'deployment-in-progress'
  | 'endpoint-deployment-pending'
  | 'ambiguous-namespace'
  | 'cooldown'
  | 'outside-window'
  | 'max-concurrent'
  | 'budget-exhausted'
  | 'grace-period'
  | 'sanity-guard'
  | 'scope-read-error'
  | 'protected'
  | 'service-connect-managed'
  | 'not-ecs-owned'
  | 'unproven-ownership'
  | 'ownership-unproven'
  | 'other-account'
  | 'still-referenced'
  | 'report-only'
  | 'ownership-conflict';

export interface Finding {
  policy: string;
  rule: RuleName;
  resource: ResourceRef;
  /** Low-cardinality context for metrics and grouping. */
  namespace?: string;
  cluster?: string;
  /** What is true now, in words or a value ("ttl 300s", "task started 7h before orders appeared"). */
  observed: string;
  /** What the policy wants ("ttl <= 10s"). */
  desired: string;
  /** Why this is drift, in a sentence a person on call understands. */
  reason: string;
  /** The remedy in enforce mode; undefined where only reporting is possible. */
  action?: Action;
  /** Set by the rule when it already knows the action must wait or must never run (e.g. SC-managed). */
  blocked?: { reason: BlockReason; detail: string };
  /** For orphan findings: how long the resource must stay orphaned before the action may run. */
  gracePeriodMs?: number;
  /** Stable identity of the drift across runs (grace-period clocks and dedup key on it). */
  key: string;
}

/** The shape every rule exports. Pure: no I/O, no clock reads besides `now`. */
export type RuleEvaluator = (policy: Policy, inventory: Inventory, now: number) => Finding[];
