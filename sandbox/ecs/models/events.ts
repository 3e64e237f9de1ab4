/** EventBridge events ECS emits, in the envelope and with the detail fields AWS documents. */
import type { EventBridgeEvent } from '../../core/types.js';
import { isStarting, type Deployment, type Service, type Task } from './model.js';
import { taskArn } from './model.js';
import type { EcsState } from './state.js';

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function envelope(
  state: EcsState,
  detailType: string,
  resources: string[],
  detail: Record<string, unknown>,
): EventBridgeEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': detailType,
    source: 'aws.ecs',
    account: state.account,
    // EventBridge envelopes carry second precision.
    time: new Date(Math.floor(state.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: state.region,
    resources,
    detail,
  };
}

function publish(state: EcsState, event: EventBridgeEvent): void {
  if (state.quiet) return;
  state.ctx.events.publish(event);
}

/** "ECS Task State Change": detail mirrors DescribeTasks with ISO timestamps and the task's version. */
export function emitTaskStateChange(state: EcsState, task: Task): void {
  const arn = taskArn(state.region, state.account, task.cluster.name, task.id);
  const detail: Record<string, unknown> = {
    attachments: [],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.cluster.arn,
    connectivity: isStarting(task) ? 'CONNECTING' : 'CONNECTED',
    containers: task.taskDefinition.containerDefinitions.map((c) => ({
      containerArn: `arn:aws:ecs:${state.region}:${state.account}:container/${task.cluster.name}/${task.id}/${String(c.name)}`,
      lastStatus: task.lastStatus,
      name: c.name,
      image: c.image,
      taskArn: arn,
      networkInterfaces: [{ privateIpv4Address: task.ip }],
    })),
    createdAt: iso(task.createdAt),
    cpu: task.taskDefinition.cpu ?? '256',
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    group: task.group,
    launchType: task.launchType,
    lastStatus: task.lastStatus,
    memory: task.taskDefinition.memory ?? '512',
    overrides: { containerOverrides: task.taskDefinition.containerDefinitions.map((c) => ({ name: c.name })) },
    platformVersion: task.launchType === 'FARGATE' ? '1.4.0' : undefined,
    startedAt: iso(task.startedAt),
    startedBy: task.startedBy,
    stoppingAt: iso(task.stoppingAt),
    stoppedAt: iso(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    taskArn: arn,
    taskDefinitionArn: task.taskDefinition.arn,
    updatedAt: iso(state.now()),
    version: task.version,
  };
  for (const key of Object.keys(detail)) if (detail[key] === undefined) delete detail[key];
  publish(state, envelope(state, 'ECS Task State Change', [arn], detail));
}

/** "ECS Service Action" (no detail.version; the service ARN is resources[0]). */
export function emitServiceAction(
  state: EcsState,
  service: Service,
  eventType: 'INFO' | 'WARN' | 'ERROR',
  eventName: string,
  reason?: string,
): void {
  const detail: Record<string, unknown> = {
    eventType,
    eventName,
    clusterArn: service.cluster.arn,
    createdAt: iso(state.now()),
  };
  if (reason) detail.reason = reason;
  publish(state, envelope(state, 'ECS Service Action', [service.arn], detail));
}

/** "ECS Deployment State Change" for SERVICE_DEPLOYMENT_IN_PROGRESS / _COMPLETED / _FAILED. */
export function emitDeploymentStateChange(
  state: EcsState,
  service: Service,
  deployment: Deployment,
  eventName: string,
  reason: string,
): void {
  publish(
    state,
    envelope(state, 'ECS Deployment State Change', [service.arn], {
      eventType: eventName.endsWith('FAILED') ? 'ERROR' : 'INFO',
      eventName,
      deploymentId: deployment.id,
      updatedAt: iso(state.now()),
      reason,
    }),
  );
}

/** Adds a line to the service's events (newest first, capped at 100 as DescribeServices shows). */
export function recordServiceEvent(state: EcsState, service: Service, message: string): void {
  if (state.quiet) return;
  service.events.unshift({
    id: crypto.randomUUID(),
    createdAt: state.now(),
    message: `(service ${service.name}) ${message}`,
  });
  if (service.events.length > 100) service.events.length = 100;
}

/** "AWS API Call via CloudTrail" for a write call (CloudTrail records no List/Describe calls; resources is empty). */
export function emitApiCall(
  state: EcsState,
  eventName: string,
  requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown>,
): void {
  const time = new Date(Math.floor(state.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  publish(
    state,
    envelope(state, 'AWS API Call via CloudTrail', [], {
      eventVersion: '1.08',
      userIdentity: {
        type: 'AssumedRole',
        accountId: state.account,
        arn: `arn:aws:sts::${state.account}:assumed-role/sandbox-deployer/session`,
      },
      eventTime: time,
      eventSource: 'ecs.amazonaws.com',
      eventName,
      awsRegion: state.region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'aws-sdk-js',
      requestParameters,
      responseElements,
      requestID: crypto.randomUUID(),
      eventID: crypto.randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: state.account,
      eventCategory: 'Management',
    }),
  );
}
