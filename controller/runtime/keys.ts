/**
 * Work-queue keys: what an event or a resync asks the controller to look at again. Keys carry no state,
 * only identity (level-triggered, like controller-runtime's reconcile.Request); a reconcile reads the
 * current state of what the key names.
 */
export type WorkKey =
  | { kind: 'ecs-service'; cluster: string; service: string }
  | { kind: 'cloudmap-service'; serviceId: string }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'cluster'; cluster: string }
  | { kind: 'full' };

/** Stable string form of a key, used for dedup in the work queue and in logs. */
export function keyString(key: WorkKey): string {
  switch (key.kind) {
    case 'ecs-service':
      return `ecs-service/${key.cluster}/${key.service}`;
    case 'cloudmap-service':
      return `cloudmap-service/${key.serviceId}`;
    case 'namespace':
      return `namespace/${key.namespace}`;
    case 'cluster':
      return `cluster/${key.cluster}`;
    case 'full':
      return 'full';
  }
}
