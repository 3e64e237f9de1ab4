/**
 * The action registry: everything about an action type except the AWS write itself, one entry per type. The plan
 * (order, description), the actuator (resource chains, write identity, operation following), the runtime (what
 * to re-read after a write), the demo narration and the IAM test all read it, so a new action type is an entry
 * here, its executor (controller/actuator/executors.ts) and its variant of `Action`; a missing entry in either
 * registry is a type error. Pure data and functions: the plan may import it, the actuator adds the writes.
 */
import type { Inventory } from '../inventory/model.js';
import { withoutInstance, type InventoryPatch } from '../inventory/patch.js';
import type { WorkKey } from '../inventory/work-key.js';
import type { Action, ActionType, Finding } from './findings.js';

/** One action type. `A` is its variant of `Action`. */
export interface ActionSpec<A extends Action = Action> {
  /** The kind of AWS resource it writes. */
  resource: 'ecs-service' | 'cloudmap-service' | 'cloudmap-namespace';
  /** The resource it writes to: actions on one resource form a chain that runs in plan order, one at a time. */
  resourceOf(action: A): string;
  /** The resource named in logs and in the journal (finer than resourceOf where one resource holds many). */
  logResource(action: A): string;
  /** Plan order: lower phases run first; within a phase, actions sort by `orderKey` (types sharing a phase share its shape). */
  phase: number;
  orderKey(action: A, finding: Finding): string[];
  /** The identity of a write: two actions with the same key would submit the same operation (backoff, in-flight check). */
  writeKey(action: A): string;
  /** What to re-read after the write so the next plan sees its effect. */
  refreshKey(action: A): WorkKey;
  /**
   * What a successful write changed, as a patch of the cached inventory, where its success alone proves it (no
   * re-read of refreshKey then). Undefined when the inventory does not hold what it changed.
   */
  effect?(action: A, inventory: Inventory): InventoryPatch | undefined;
  /** For the plan ("delete Cloud Map service srv-1"), completing "will …" / "would … but". */
  describe(action: A): string;
  /** For the demo narration: past tense and infinitive ("Deleted" / "delete"), followed by the resource's name. */
  verbs: { done: string; do: string };
  /** The write is accepted with a Cloud Map OperationId and takes effect only when that operation succeeds (followed to its end). */
  followsOperation: boolean;
  /** For a deletion: what the hourly deletion budget counts it as, and the Cloud Map service whose namespace it counts in. */
  deletes?: { kind: 'services' | 'instances'; serviceId(action: A): string };
  /** The account owning the written resource where it is not ours (shared namespace): where GetOperation must look. */
  ownerAccount?(action: A): string | undefined;
  /**
   * IAM actions its executor needs, including the reads it re-checks with, GetOperation where it follows an
   * operation, and what AWS performs behind it with the caller's permissions (Cloud Map API permissions
   * reference: without the Route 53 ones the write is accepted and its operation FAILs with ACCESS_DENIED).
   */
  iam: readonly string[];
}

type Of<T extends ActionType> = Extract<Action, { type: T }>;

const accountOfArn = (arn: string | undefined) => arn?.split(':')[4];

const ROUTE53_BEHIND_DEREGISTER = [
  'route53:GetHealthCheck',
  'route53:DeleteHealthCheck',
  'route53:UpdateHealthCheck',
  'route53:ChangeResourceRecordSets',
];
const ROUTE53_BEHIND_UPDATE_SERVICE = [
  'route53:GetHealthCheck',
  'route53:CreateHealthCheck',
  'route53:DeleteHealthCheck',
  'route53:UpdateHealthCheck',
  'route53:ChangeResourceRecordSets',
];

/** Every action type. Order of phases: deregistrations, then the deletion they empty, then TTL and SOA updates, then redeploys. */
export const ACTION_TYPES = {
  'cloudmap:DeregisterInstance': {
    resource: 'cloudmap-service',
    resourceOf: (a) => `cloudmap-service/${a.serviceId}`,
    logResource: (a) => `cloudmap-service/${a.serviceId}/${a.instanceId}`,
    phase: 0,
    orderKey: (a) => [a.serviceId, '0', a.instanceId],
    writeKey: (a) => `${a.type}/${a.serviceId}/${a.instanceId}`,
    // A deregistration changes only the service's instances: one ListInstances shows it, not GetService and tags too.
    refreshKey: (a) => ({ kind: 'cloudmap-instances', serviceId: a.serviceId }),
    // Cloud Map removes the instance when the operation succeeds (or it was gone already): no listing needed.
    effect: (a, inventory) => withoutInstance(inventory, a.serviceId, a.instanceId),
    describe: (a) => `deregister instance ${a.instanceId} from Cloud Map service ${a.serviceId}`,
    verbs: { done: 'Deregistered', do: 'deregister' },
    followsOperation: true,
    deletes: { kind: 'instances', serviceId: (a) => a.serviceId },
    ownerAccount: (a) => accountOfArn(a.serviceArn),
    iam: [
      'ecs:DescribeTasks',
      'servicediscovery:DeregisterInstance',
      'servicediscovery:GetOperation',
      ...ROUTE53_BEHIND_DEREGISTER,
    ],
  },
  'cloudmap:DeleteService': {
    resource: 'cloudmap-service',
    resourceOf: (a) => `cloudmap-service/${a.serviceId}`,
    logResource: (a) => `cloudmap-service/${a.serviceId}`,
    phase: 0,
    orderKey: (a) => [a.serviceId, '1', ''],
    writeKey: (a) => `${a.type}/${a.serviceId}`,
    refreshKey: (a) => ({ kind: 'cloudmap-service', serviceId: a.serviceId }),
    describe: (a) => `delete Cloud Map service ${a.serviceId}`,
    verbs: { done: 'Deleted', do: 'delete' },
    followsOperation: false,
    deletes: { kind: 'services', serviceId: (a) => a.serviceId },
    ownerAccount: (a) => accountOfArn(a.serviceArn),
    iam: ['servicediscovery:ListInstances', 'ecs:DescribeServices', 'servicediscovery:DeleteService'],
  },
  'cloudmap:UpdateDnsTtl': {
    resource: 'cloudmap-service',
    resourceOf: (a) => `cloudmap-service/${a.serviceId}`,
    logResource: (a) => `cloudmap-service/${a.serviceId}`,
    phase: 1,
    orderKey: (a) => [a.serviceId, '', ''],
    writeKey: (a) => `${a.type}/${a.serviceId}`,
    refreshKey: (a) => ({ kind: 'cloudmap-service', serviceId: a.serviceId }),
    describe: (a) => `set the DNS TTL of ${a.serviceId} to ${a.records.map((r) => `${r.type} ${r.ttl}s`).join(', ')}`,
    verbs: { done: 'Lowered the DNS TTL of', do: 'lower the DNS TTL of' },
    followsOperation: true,
    ownerAccount: (a) => accountOfArn(a.serviceArn),
    iam: [
      'servicediscovery:GetService',
      'servicediscovery:UpdateService',
      'servicediscovery:GetOperation',
      ...ROUTE53_BEHIND_UPDATE_SERVICE,
    ],
  },
  'cloudmap:UpdateNamespaceSoa': {
    resource: 'cloudmap-namespace',
    resourceOf: (a) => `cloudmap-namespace/${a.namespaceId}`,
    logResource: (a) => `cloudmap-namespace/${a.namespaceId}`,
    phase: 1,
    orderKey: (a) => [a.namespaceId, '', ''],
    writeKey: (a) => `${a.type}/${a.namespaceId}`,
    refreshKey: (a) => ({ kind: 'namespace', namespace: a.namespaceId }),
    describe: (a) => `set the SOA TTL (negative caching) of namespace ${a.namespaceId} to ${a.ttl}s`,
    verbs: { done: 'Shortened negative caching of', do: 'shorten negative caching of' },
    followsOperation: true,
    // Behind the update Cloud Map rewrites the SOA record of the namespace's hosted zone: the Cloud Map API
    // permissions reference lists route53:ChangeResourceRecordSets for both update calls (README, "The Route 53 side").
    iam: [
      'servicediscovery:GetNamespace',
      'servicediscovery:UpdatePrivateDnsNamespace',
      'servicediscovery:UpdatePublicDnsNamespace',
      'servicediscovery:GetOperation',
      'route53:ChangeResourceRecordSets',
    ],
  },
  'ecs:ForceNewDeployment': {
    resource: 'ecs-service',
    resourceOf: (a) => `ecs-service/${a.serviceArn}`,
    logResource: (a) => `ecs-service/${a.serviceArn}`,
    phase: 2,
    orderKey: (_a, finding) => [finding.key, '', ''],
    writeKey: (a) => `${a.type}/${a.serviceArn}`,
    refreshKey: (a) => ({ kind: 'ecs-service', cluster: a.cluster, service: a.service }),
    describe: (a) => `force a new deployment of ${a.cluster}/${a.service}`,
    verbs: { done: 'Redeployed', do: 'redeploy' },
    followsOperation: false,
    iam: ['ecs:DescribeServices', 'ecs:UpdateService'],
  },
} as const satisfies { [T in ActionType]: ActionSpec<Of<T>> };

/** The registry entry of an action, typed for that action. */
export function actionSpec<A extends Action>(action: A): ActionSpec<A> {
  return ACTION_TYPES[action.type as ActionType] as unknown as ActionSpec<A>;
}

/** The entry of an action type named by a string (journal entries, recent actions), if it is one. */
export function actionSpecByName(type: string): ActionSpec | undefined {
  return Object.hasOwn(ACTION_TYPES, type) ? (ACTION_TYPES[type as ActionType] as unknown as ActionSpec) : undefined;
}

/** The resource an action writes to (its chain in the actuator). */
export const resourceOf = (action: Action): string => actionSpec(action).resourceOf(action);

/** The resource named in logs and the journal. */
export const logResource = (action: Action): string => actionSpec(action).logResource(action);

/** Human description of an action ("delete Cloud Map service srv-1"). */
export const describeAction = (action: Action): string => actionSpec(action).describe(action);

/** The sort key that puts a plan's actions in the order the actuator applies them (phase first). */
export function planOrder(action: Action, finding: Finding): string[] {
  // Zero-padded so that phase 10 sorts after phase 9 in the string comparison the plan uses.
  return [String(actionSpec(action).phase).padStart(4, '0'), ...actionSpec(action).orderKey(action, finding)];
}
