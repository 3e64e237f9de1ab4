import { actionSpec } from '../../controller/model/actions.js';
import type { Plan, PlannedAction } from '../../controller/plan/types.js';
import type { Action, BlockReason, Finding } from '../../controller/model/findings.js';

/** A planned action with a finding that matches it, for actuator tests. */
export function planned(
  action: Action,
  options: { policy?: string; blockedBy?: BlockReason; namespace?: string } = {},
): PlannedAction {
  const policy = options.policy ?? 'payments';
  let finding: Finding;
  switch (action.type) {
    case 'ecs:ForceNewDeployment':
      finding = {
        policy,
        rule: 'serviceConnectRefresh',
        key: `scr/${action.serviceArn}`,
        resource: { kind: 'ecs-service', arn: action.serviceArn, cluster: action.cluster, name: action.service },
        observed: 'task started before orders appeared',
        desired: 'tasks know every endpoint',
        reason: 'stale',
        action,
      };
      break;
    case 'cloudmap:DeregisterInstance':
      finding = {
        policy,
        rule: 'cloudMapOrphans',
        key: `orphan/${action.serviceId}/${action.instanceId}`,
        namespace: options.namespace,
        resource: {
          kind: 'cloudmap-instance',
          serviceId: action.serviceId,
          serviceName: 'orders',
          namespaceId: 'ns-1',
          instanceId: action.instanceId,
        },
        observed: 'task stopped',
        desired: 'no instance',
        reason: 'orphan',
        action,
      };
      break;
    case 'cloudmap:DeleteService':
      finding = {
        policy,
        rule: 'cloudMapOrphans',
        key: `orphan/${action.serviceId}`,
        namespace: options.namespace,
        resource: {
          kind: 'cloudmap-service',
          id: action.serviceId,
          arn: `arn:aws:servicediscovery:us-east-1:111122223333:service/${action.serviceId}`,
          name: 'orders',
          namespaceId: 'ns-1',
        },
        observed: 'no ECS service',
        desired: 'deleted',
        reason: 'orphan',
        action,
      };
      break;
    case 'cloudmap:UpdateDnsTtl':
      finding = {
        policy,
        rule: 'dnsTtl',
        key: `ttl/${action.serviceId}`,
        resource: {
          kind: 'cloudmap-service',
          id: action.serviceId,
          arn: `arn:aws:servicediscovery:us-east-1:111122223333:service/${action.serviceId}`,
          name: 'orders',
          namespaceId: 'ns-1',
        },
        observed: 'ttl 300s',
        desired: 'ttl <= 10s',
        reason: 'long ttl',
        action,
      };
      break;
    default:
      // An action type with no tailored finding here yet: one keyed by its write, on a namespace.
      finding = {
        policy,
        rule: 'dnsTtl',
        key: writeKeyOf(action),
        resource: {
          kind: 'cloudmap-namespace',
          id: 'ns-1',
          arn: 'arn:aws:servicediscovery:us-east-1:111122223333:namespace/ns-1',
          name: 'internal.local',
        },
        observed: 'drift',
        desired: 'no drift',
        reason: 'drift',
        action,
      };
  }
  return options.blockedBy
    ? { finding, action, decision: 'blocked', blockedBy: options.blockedBy, detail: `blocked: ${options.blockedBy}` }
    : { finding, action, decision: 'execute' };
}

/** A plan holding the given actions in order. */
export function planOf(actions: PlannedAction[], generatedAt: number): Plan {
  return { generatedAt, revision: 'test', findings: actions.map((a) => a.finding), actions, summaries: [] };
}

function writeKeyOf(action: Action): string {
  return actionSpec(action).writeKey(action);
}
