/** Judges Cloud Map deletions as they happen, for /_sandbox/truth's wronglyDeleted. */
import type { CloudMapPort, DeletionAuditor } from '../core/ports.js';
import type { EcsState } from '../ecs/models/state.js';
import {
  isProtected,
  isServiceConnectCreated,
  liveTaskStatus,
  referencingServices,
  taskIsRunning,
} from './references.js';

/** A deletion is wrong when ECS still refers to the service, a running task backs it, or it holds/is a registration ECS did not make. */
export function createDeletionAuditor(ecs: EcsState, cloudMap: CloudMapPort): DeletionAuditor {
  return (target) => {
    const service = cloudMap.serviceById(target.serviceId);
    if (!service) return undefined;
    const instances = cloudMap.instances(target.serviceId);
    if (target.kind === 'service') {
      const users = referencingServices(ecs).get(target.serviceId);
      if (users?.length) return `referenced by ECS service ${users.map((s) => s.arn).join(', ')}`;
      if (isServiceConnectCreated(ecs, service)) return 'created by Service Connect (ECS manages it)';
      if (isProtected(service)) return 'tagged discovery-controller/protect=true';
      const foreign = instances.find((i) => i.registeredBy !== 'ecs');
      if (foreign) return `held instance ${foreign.id} that ECS did not register`;
      const backed = instances.find((i) => taskIsRunning(ecs, i.id));
      if (backed) return `backed by running task ${backed.id}`;
      return undefined;
    }
    const instance = instances.find((i) => i.id === target.instanceId);
    if (!instance) return undefined;
    if (instance.registeredBy !== 'ecs') return 'registered by another caller (not ECS)';
    // Starting, running or still going away (DEACTIVATING, STOPPING, DEPROVISIONING): ECS deregisters it.
    const status = liveTaskStatus(ecs, instance.id);
    if (status) return `task ${instance.id} is ${status}`;
    if (isServiceConnectCreated(ecs, service)) return 'instance of a Service Connect service (ECS manages it)';
    return undefined;
  };
}
