import type { Action } from '../model/findings.js';

/** The resource an action writes to: actions on one resource form a chain that runs in plan order. */
export function resourceOf(action: Action): string {
  switch (action.type) {
    case 'ecs:ForceNewDeployment':
      return `ecs-service/${action.serviceArn}`;
    case 'cloudmap:DeregisterInstance':
    case 'cloudmap:DeleteService':
    case 'cloudmap:UpdateDnsTtl':
      return `cloudmap-service/${action.serviceId}`;
  }
}

/** The resource named in logs: instance-level for deregistrations. */
export function logResource(action: Action): string {
  return action.type === 'cloudmap:DeregisterInstance' ? `${resourceOf(action)}/${action.instanceId}` : resourceOf(action);
}
