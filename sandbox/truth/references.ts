/** Which Cloud Map services ECS refers to, and which Service Connect created: the facts truth and the deletion auditor share. */
import type { CloudMapServiceView } from '../core/ports.js';
import type { Service } from '../ecs/models/model.js';
import type { EcsState } from '../ecs/models/state.js';

export const PROTECT_TAG = { key: 'discovery-controller/protect', value: 'true' };

/** Cloud Map service id -> ACTIVE/DRAINING ECS services that refer to it (registries or Service Connect). */
export function referencingServices(ecs: EcsState): Map<string, Service[]> {
  const refs = new Map<string, Service[]>();
  const add = (id: string, service: Service) => {
    const list = refs.get(id);
    if (!list) refs.set(id, [service]);
    else if (!list.includes(service)) list.push(service);
  };
  for (const service of ecs.servicesByArn.values()) {
    if (service.status === 'INACTIVE') continue;
    for (const r of service.serviceRegistries) add(r.cloudMapServiceId, service);
    // Task sets (EXTERNAL and CODE_DEPLOY services) keep their registries and tasks on themselves.
    for (const d of [...service.deployments, ...service.taskSets]) {
      for (const r of d.serviceRegistries) add(r.cloudMapServiceId, service);
      for (const r of d.serviceConnectResources) add(r.cloudMapServiceId, service);
    }
  }
  return refs;
}

/** True for Cloud Map services Service Connect created (tagged by ECS or named in a deployment's serviceConnectResources). */
export function isServiceConnectCreated(ecs: EcsState, service: CloudMapServiceView): boolean {
  return service.tags.AmazonECSManaged === 'true' || ecs.serviceConnectCreated.has(service.id);
}

export function isProtected(service: CloudMapServiceView): boolean {
  return service.tags[PROTECT_TAG.key] === PROTECT_TAG.value;
}

/** True when the task behind an ECS-registered instance (instance id = task id) is RUNNING. */
export function taskIsRunning(ecs: EcsState, taskId: string): boolean {
  return ecs.tasks.get(taskId)?.lastStatus === 'RUNNING';
}

/** The status of the task behind an instance when it is not STOPPED: its registration is still ECS's business. */
export function liveTaskStatus(ecs: EcsState, taskId: string): string | undefined {
  const status = ecs.tasks.get(taskId)?.lastStatus;
  return status && status !== 'STOPPED' ? status : undefined;
}
