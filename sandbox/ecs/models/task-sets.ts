/**
 * Task sets: services with the EXTERNAL (or CODE_DEPLOY) deployment controller have no scheduler deployments;
 * their tasks, service registries and rollouts live on task sets (CreateTaskSet, DescribeTaskSets,
 * DeleteTaskSet). Each task set runs scale % of the service's desired count, its tasks carry the task set id
 * in startedBy and register into the task set's registries. A task set is kept as a Deployment with `taskSet`.
 */
import type { Deployment, Service, ServiceRegistry, TaskDefinition } from './model.js';
import type { EcsState } from './state.js';
import { advanceStarting, launchTask, stopTask } from './tasks.js';
import { SERVICE_DISCOVERY_TASK_LIMIT } from './scheduler.js';

export interface TaskSetInput {
  taskDefinition: TaskDefinition;
  serviceRegistries: ServiceRegistry[];
  scalePercent: number;
  externalId?: string;
}

/** Creates a task set; the first of a service is PRIMARY. Its tasks start on the next settle. */
export function createTaskSet(state: EcsState, service: Service, input: TaskSetInput): Deployment {
  const now = state.now();
  const id = state.newDeploymentId();
  const set: Deployment = {
    id,
    status: service.taskSets.length === 0 ? 'PRIMARY' : 'ACTIVE',
    taskDefinition: input.taskDefinition,
    desiredCount: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'Task set created.',
    serviceConnectResources: [],
    serviceRegistries: input.serviceRegistries,
    taskSet: {
      arn: `arn:aws:ecs:${state.region}:${state.account}:task-set/${service.cluster.name}/${service.name}/${id}`,
      ...(input.externalId ? { externalId: input.externalId } : {}),
      scalePercent: input.scalePercent,
    },
    tasks: new Set(),
    runningCount: 0,
    pendingCount: 0,
    failedTasks: 0,
  };
  service.taskSets.push(set);
  state.busy.add(service);
  return set;
}

/** A task set of the service by id or ARN. */
export function findTaskSet(service: Service, ref: string): Deployment | undefined {
  return service.taskSets.find((s) => s.id === ref || s.taskSet?.arn === ref);
}

/** Stops the task set's tasks (deregistering them) and forgets it. */
export function deleteTaskSet(state: EcsState, service: Service, set: Deployment): void {
  for (const task of [...set.tasks])
    stopTask(state, task, { reason: `Task set ${set.id} deleted`, stopCode: 'ServiceSchedulerInitiated' });
  service.taskSets = service.taskSets.filter((s) => s !== set);
  state.busy.add(service);
}

/** Keeps every task set at scale % of the service's desired count (registry-backed ones at most 1,000). */
export function settleTaskSets(state: EcsState, service: Service): boolean {
  const now = state.now();
  let steady = true;
  for (const set of service.taskSets) {
    for (const task of [...set.tasks]) advanceStarting(state, task, now);
    let target =
      service.status === 'ACTIVE' ? Math.ceil((service.desiredCount * (set.taskSet?.scalePercent ?? 100)) / 100) : 0;
    if (set.serviceRegistries.length > 0) target = Math.min(target, SERVICE_DISCOVERY_TASK_LIMIT);
    set.desiredCount = target;
    while (set.tasks.size < target) launchTask(state, service, set);
    for (const task of [...set.tasks].slice(target))
      stopTask(state, task, { reason: `Scaling activity initiated by (task set ${set.id})` });
    const stable = set.pendingCount === 0 && set.runningCount === target;
    if (stable && set.rolloutState === 'IN_PROGRESS') {
      set.rolloutState = 'COMPLETED';
      set.updatedAt = now;
    }
    steady &&= stable;
  }
  return steady;
}
