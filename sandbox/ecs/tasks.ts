/** Task lifecycle: launch (PENDING or already RUNNING), start, stop, and the Cloud Map registrations that follow. */
import type { Deployment, Service, Task } from './model.js';
import type { EcsState } from './state.js';
import { AwsError } from '../core/errors.js';
import { emitTaskStateChange, recordServiceEvent } from './events.js';

/** The attributes ECS writes on the Cloud Map instance of a task (instance id = task id). */
export function ecsInstanceAttributes(state: EcsState, task: Task, port: number | undefined): Record<string, string> {
  const attributes: Record<string, string> = {
    AWS_INSTANCE_IPV4: task.ip,
    AVAILABILITY_ZONE: task.availabilityZone,
    AWS_INIT_HEALTH_STATUS: 'HEALTHY',
    REGION: state.region,
    ECS_CLUSTER_NAME: task.cluster.name,
    ECS_SERVICE_NAME: task.service?.name ?? '',
    ECS_TASK_DEFINITION_FAMILY: task.taskDefinition.family,
  };
  if (port !== undefined) attributes.AWS_INSTANCE_PORT = String(port);
  return attributes;
}

function firstContainerPort(task: Task): number | undefined {
  for (const container of task.taskDefinition.containerDefinitions) {
    const mappings = container.portMappings as { containerPort?: number }[] | undefined;
    if (mappings?.[0]?.containerPort !== undefined) return mappings[0].containerPort;
  }
  return undefined;
}

/** Registers a running task in its deployment's service registries and Service Connect services. */
function registerTask(state: EcsState, task: Task): void {
  const deployment = task.deployment;
  if (!deployment) return;
  const targets: { serviceId: string; port: number | undefined }[] = [
    ...deployment.serviceRegistries.map((r) => ({ serviceId: r.cloudMapServiceId, port: r.port ?? r.containerPort ?? firstContainerPort(task) })),
    ...deployment.serviceConnectResources.map((r) => ({ serviceId: r.cloudMapServiceId, port: firstContainerPort(task) })),
  ];
  for (const target of targets) {
    try {
      const attributes = ecsInstanceAttributes(state, task, target.port);
      state.cloudMap.registerInstance(target.serviceId, task.id, attributes, 'ecs');
      task.registeredIn.push(target.serviceId);
      // CloudTrail keeps the call ECS made, with the time it made it (a scenario's task registered when it started).
      state.ctx.trail?.recordEcsRegistration({ serviceId: target.serviceId, instanceId: task.id, attributes, at: task.startedAt ?? state.now() });
    } catch (error) {
      // The Cloud Map service is gone (someone deleted it) or full (1,000 instances, other registrations
      // included): like ECS, the task runs unregistered; a full service is said in the service's events.
      if (error instanceof AwsError && error.code === 'ResourceLimitExceeded' && task.service) {
        recordServiceEvent(state, task.service, `was unable to register task ${task.id} in Cloud Map service ${target.serviceId}: ${error.message}`);
      }
    }
  }
}

/** Starts a task for a deployment: PENDING until readyAt, or RUNNING at once when `startedAt` is given (scenario fleets). */
export function launchTask(state: EcsState, service: Service, deployment: Deployment, startedAt?: number): Task {
  const now = state.now();
  const placement = state.nextPlacement();
  const running = startedAt !== undefined;
  const task: Task = {
    id: state.newTaskId(),
    cluster: service.cluster,
    service,
    deployment,
    taskDefinition: deployment.taskDefinition,
    lastStatus: running ? 'RUNNING' : 'PENDING',
    desiredStatus: 'RUNNING',
    createdAt: running ? startedAt - 15_000 : now,
    readyAt: running ? startedAt : now + state.taskStartDelayMs,
    startedAt: running ? startedAt : undefined,
    startedBy: deployment.id,
    group: `service:${service.name}`,
    launchType: service.launchType,
    ip: placement.ip,
    availabilityZone: placement.availabilityZone,
    version: running ? 3 : 1,
    registeredIn: [],
    tags: service.propagateTags === 'SERVICE' ? { ...service.tags } : {},
  };
  state.tasks.set(task.id, task);
  service.cluster.runningTaskIds.add(task.id);
  service.runningTaskIds.add(task.id);
  deployment.tasks.add(task);
  if (running) {
    deployment.runningCount++;
    registerTask(state, task);
  } else {
    deployment.pendingCount++;
    state.busy.add(service);
    emitTaskStateChange(state, task);
  }
  return task;
}

/** PENDING -> RUNNING at `at`: registers the task in Cloud Map, then emits the state change. */
export function markTaskRunning(state: EcsState, task: Task, at: number): void {
  if (task.lastStatus !== 'PENDING') return;
  task.lastStatus = 'RUNNING';
  task.startedAt = at;
  task.version++;
  if (task.deployment) {
    task.deployment.pendingCount--;
    task.deployment.runningCount++;
  }
  registerTask(state, task);
  emitTaskStateChange(state, task);
}

export interface StopOptions {
  reason: string;
  stopCode?: 'ServiceSchedulerInitiated' | 'UserInitiated' | 'TaskFailedToStart' | 'EssentialContainerExited';
  /** false leaves the task's Cloud Map instances behind (drift injection: "ECS failed to deregister"). */
  deregister?: boolean;
}

/** Stops a task now: deregisters its instances, moves it to the stopped indexes, emits the state change. */
export function stopTask(state: EcsState, task: Task, options: StopOptions): void {
  if (task.lastStatus === 'STOPPED') return;
  const now = state.now();
  const wasRunning = task.lastStatus === 'RUNNING';
  task.desiredStatus = 'STOPPED';
  task.lastStatus = 'STOPPED';
  task.stoppingAt = now;
  task.stoppedAt = now;
  task.stoppedReason = options.reason;
  task.stopCode = options.stopCode ?? 'ServiceSchedulerInitiated';
  task.version += 2;
  task.cluster.runningTaskIds.delete(task.id);
  task.cluster.stoppedTaskIds.add(task.id);
  task.service?.runningTaskIds.delete(task.id);
  task.service?.stoppedTaskIds.add(task.id);
  if (task.deployment && task.deployment.tasks.delete(task)) {
    if (wasRunning) task.deployment.runningCount--;
    else task.deployment.pendingCount--;
  }
  if (options.deregister !== false) {
    for (const serviceId of task.registeredIn) state.cloudMap.removeInstance(serviceId, task.id);
    task.registeredIn = [];
  }
  state.stoppedQueue.push(task);
  if (task.service) state.busy.add(task.service);
  emitTaskStateChange(state, task);
}

/** Forgets stopped tasks older than the retention period (AWS keeps them visible for at least an hour). */
export function purgeStoppedTasks(state: EcsState): void {
  const cutoff = state.now() - state.stoppedTaskRetentionMs;
  const queue = state.stoppedQueue;
  while (state.stoppedHead < queue.length && (queue[state.stoppedHead].stoppedAt ?? 0) <= cutoff) {
    const task = queue[state.stoppedHead++];
    state.tasks.delete(task.id);
    task.cluster.stoppedTaskIds.delete(task.id);
    task.service?.stoppedTaskIds.delete(task.id);
  }
  if (state.stoppedHead > 1024 && state.stoppedHead * 2 > queue.length) {
    queue.splice(0, state.stoppedHead);
    state.stoppedHead = 0;
  }
}
