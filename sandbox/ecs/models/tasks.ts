/** Task lifecycle: launch (PENDING or already RUNNING), start, stop, and the Cloud Map registrations that follow. */
import { isStarting, type Deployment, type Service, type Task } from './model.js';
import type { EcsState } from './state.js';
import { AwsError } from '../../core/errors.js';
import { emitTaskStateChange, recordServiceEvent } from './events.js';
import { stoppingSpanMs } from './stop-timeout.js';

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
    ...deployment.serviceRegistries.map((r) => ({
      serviceId: r.cloudMapServiceId,
      port: r.port ?? r.containerPort ?? firstContainerPort(task),
    })),
    ...deployment.serviceConnectResources.map((r) => ({
      serviceId: r.cloudMapServiceId,
      port: firstContainerPort(task),
    })),
  ];
  for (const target of targets) {
    try {
      const attributes = ecsInstanceAttributes(state, task, target.port);
      state.cloudMap.registerInstance(target.serviceId, task.id, attributes, 'ecs');
      task.registeredIn.push(target.serviceId);
      // CloudTrail keeps the call ECS made, with the time it made it (a scenario's task registered when it started).
      state.ctx.trail?.recordEcsRegistration({
        serviceId: target.serviceId,
        instanceId: task.id,
        attributes,
        at: task.startedAt ?? state.now(),
      });
    } catch (error) {
      // The Cloud Map service is gone (someone deleted it) or full (1,000 instances, other registrations
      // included): like ECS, the task runs unregistered; a full service is said in the service's events.
      if (error instanceof AwsError && error.code === 'ResourceLimitExceeded' && task.service) {
        recordServiceEvent(
          state,
          task.service,
          `was unable to register task ${task.id} in Cloud Map service ${target.serviceId}: ${error.message}`,
        );
      }
    }
  }
}

export { isStarting };

/**
 * Moves a starting task on: PROVISIONING, PENDING and ACTIVATING each take a third of the start delay; ECS
 * registers the task's Cloud Map instances when it enters ACTIVATING (task lifecycle, "ACTIVATING: ... the
 * service discovery resources must be created"), and it is RUNNING at readyAt.
 */
export function advanceStarting(state: EcsState, task: Task, now: number): void {
  if (!isStarting(task)) return;
  if (task.readyAt <= now) return markTaskRunning(state, task, task.readyAt);
  const span = Math.max(1, task.readyAt - task.createdAt);
  const phase = (['PROVISIONING', 'PENDING', 'ACTIVATING'] as const)[
    Math.min(2, Math.floor(((now - task.createdAt) / span) * 3))
  ];
  if (phase === task.lastStatus || task.lastStatus === 'ACTIVATING') return;
  if (phase === 'PROVISIONING') return;
  task.lastStatus = phase;
  task.version++;
  if (phase === 'ACTIVATING') registerTask(state, task);
  emitTaskStateChange(state, task);
}

/** Starts a task for a deployment: PROVISIONING until readyAt (see advanceStarting), or RUNNING at once when `startedAt` is given (scenario fleets). */
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
    lastStatus: running ? 'RUNNING' : 'PROVISIONING',
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

/** Starting -> RUNNING at `at`: registers the task in Cloud Map (unless ACTIVATING did), then emits the state change. */
export function markTaskRunning(state: EcsState, task: Task, at: number): void {
  if (!isStarting(task)) return;
  const activated = task.lastStatus === 'ACTIVATING';
  task.lastStatus = 'RUNNING';
  task.startedAt = at;
  task.version++;
  if (task.deployment) {
    task.deployment.pendingCount--;
    task.deployment.runningCount++;
  }
  if (!activated) registerTask(state, task);
  emitTaskStateChange(state, task);
}

export interface StopOptions {
  reason: string;
  stopCode?: 'ServiceSchedulerInitiated' | 'UserInitiated' | 'TaskFailedToStart' | 'EssentialContainerExited';
  /** false leaves the task's Cloud Map instances behind (drift injection: "ECS failed to deregister"). */
  deregister?: boolean;
}

/**
 * Stops a task: its desired status becomes STOPPED and it leaves its deployment now. Without a stop delay it is
 * STOPPED at once (instances deregistered); with one it goes DEACTIVATING → STOPPING → DEPROVISIONING →
 * STOPPED over the delay, ECS deregistering its instances at the end of DEACTIVATING (advanceStopping).
 */
export function stopTask(state: EcsState, task: Task, options: StopOptions): void {
  if (task.lastStatus === 'STOPPED' || state.stopping.has(task)) return;
  const now = state.now();
  const wasRunning = task.lastStatus === 'RUNNING';
  task.desiredStatus = 'STOPPED';
  task.stoppingAt = now;
  task.stoppedReason = options.reason;
  task.stopCode = options.stopCode ?? 'ServiceSchedulerInitiated';
  if (state.taskStopDelayMs > 0 && wasRunning) {
    task.lastStatus = 'DEACTIVATING';
    task.stopPhaseEnds = stopPhaseEnds(now, state.taskStopDelayMs, stoppingSpanMs(task.taskDefinition));
    task.stopDueAt = task.stopPhaseEnds[2];
    task.deregisterOnStop = options.deregister !== false;
    task.version++;
    leaveRunningIndexes(state, task, wasRunning);
    state.stopping.add(task);
    if (task.service) state.busy.add(task.service);
    emitTaskStateChange(state, task);
    return;
  }
  task.lastStatus = 'STOPPED';
  task.stoppedAt = now;
  task.version += 2;
  leaveRunningIndexes(state, task, wasRunning);
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

/** A stopping task is listed under desired status STOPPED and no longer counts for its deployment. */
function leaveRunningIndexes(state: EcsState, task: Task, wasRunning: boolean): void {
  task.cluster.runningTaskIds.delete(task.id);
  task.cluster.stoppedTaskIds.add(task.id);
  task.service?.runningTaskIds.delete(task.id);
  task.service?.stoppedTaskIds.add(task.id);
  if (task.deployment && task.deployment.tasks.delete(task)) {
    if (wasRunning) task.deployment.runningCount--;
    else task.deployment.pendingCount--;
  }
}

const STOP_PHASES = ['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'] as const;

/**
 * When DEACTIVATING, STOPPING and DEPROVISIONING end for a task stopping at `start`: a third of the stop delay each,
 * except that STOPPING lasts the task definition's stopTimeout when a container sets one (ECS sends SIGTERM when the
 * task enters STOPPING and kills what still runs after stopTimeout; the task may serve until then).
 */
function stopPhaseEnds(start: number, delayMs: number, stoppingMs: number | undefined): [number, number, number] {
  const third = delayMs / 3;
  const deactivated = start + third;
  const stopped = deactivated + (stoppingMs ?? third);
  return [deactivated, stopped, stopped + (stoppingMs === undefined ? delayMs - 2 * third : third)];
}

/** The stop phase a stopping task is in at `now`. */
function stopPhase(task: Task, now: number): (typeof STOP_PHASES)[number] {
  const started = task.stoppingAt ?? now;
  const ends = task.stopPhaseEnds ?? stopPhaseEnds(started, Math.max(1, (task.stopDueAt ?? now) - started), undefined);
  const index = ends.findIndex((end) => now < end);
  return STOP_PHASES[index === -1 ? 3 : index];
}

/** Moves stopping tasks through DEACTIVATING, STOPPING and DEPROVISIONING to STOPPED on the virtual clock. */
export function advanceStopping(state: EcsState): void {
  const now = state.now();
  for (const task of [...state.stopping]) {
    const phase = stopPhase(task, now);
    if (phase === task.lastStatus) continue;
    // ECS deregisters the task's service discovery instances while DEACTIVATING, before STOPPING.
    if (task.lastStatus === 'DEACTIVATING' && task.deregisterOnStop) {
      for (const serviceId of task.registeredIn) state.cloudMap.removeInstance(serviceId, task.id);
      task.registeredIn = [];
    }
    task.lastStatus = phase;
    task.version++;
    if (phase === 'STOPPED') {
      task.stoppedAt = task.stopDueAt ?? now;
      state.stopping.delete(task);
      state.stoppedQueue.push(task);
    }
    if (task.service) state.busy.add(task.service);
    emitTaskStateChange(state, task);
  }
}
