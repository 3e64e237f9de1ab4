/**
 * Work-queue keys: what an event or a resync asks the controller to look at again. Keys carry no state,
 * only identity (level-triggered, like controller-runtime's reconcile.Request); a reconcile reads the
 * current state of what the key names. `target` is the ReadTarget key (controller/aws/targets.ts) of the
 * account and region a key lives in; absent means the controller's own (every SQS event key: the queue is
 * the controller's own account's). `full` means every target.
 */
export type WorkKey =
  | { kind: 'ecs-service'; cluster: string; service: string; target?: string }
  /** A task of an ECS service that stopped: made only from its STOPPED event, which the refresh takes as proof of it. */
  | { kind: 'ecs-task'; cluster: string; service: string; task: string; target?: string }
  | { kind: 'cloudmap-service'; serviceId: string; target?: string }
  /** Only the instances of a Cloud Map service (after a deregistration: its settings and tags did not change). */
  | { kind: 'cloudmap-instances'; serviceId: string; target?: string }
  | { kind: 'namespace'; namespace: string; target?: string }
  | { kind: 'cluster'; cluster: string; target?: string }
  /** The target's Cloud Map operations due for a check: a plan-and-apply that reads nothing first. */
  | { kind: 'operations'; target?: string }
  | { kind: 'full' };

/** Stable string form of a key, used for dedup in the work queue and in logs. */
export function keyString(key: WorkKey): string {
  const at = key.kind !== 'full' && key.target ? `@${key.target}` : '';
  switch (key.kind) {
    case 'ecs-service':
      return `ecs-service/${key.cluster}/${key.service}${at}`;
    case 'ecs-task':
      return `ecs-task/${key.cluster}/${key.service}/${key.task}${at}`;
    case 'cloudmap-service':
      return `cloudmap-service/${key.serviceId}${at}`;
    case 'cloudmap-instances':
      return `cloudmap-instances/${key.serviceId}${at}`;
    case 'namespace':
      return `namespace/${key.namespace}${at}`;
    case 'cluster':
      return `cluster/${key.cluster}${at}`;
    case 'operations':
      return `operations${at}`;
    case 'full':
      return 'full';
  }
}
