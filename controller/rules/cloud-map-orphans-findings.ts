/** The findings cloudMapOrphans reports (cloud-map-orphans.ts decides which, and what blocks them). */
import { ECS_ATTRIBUTES, type CloudMapInstance, type CloudMapService, type Inventory } from '../inventory/model.js';
import { findTask, sharedServiceRef } from '../inventory/facts.js';
import type { Finding, ResourceRef } from '../model/findings.js';
import type { Policy } from '../policy/types.js';
import { formatDuration } from '../util/duration.js';
import { namedReferrers } from './cloud-map-orphans-instances.js';
import { namespaceById } from './scope.js';

function serviceRef(service: CloudMapService): ResourceRef {
  return {
    kind: 'cloudmap-service',
    id: service.id,
    arn: service.arn,
    name: service.name,
    namespaceId: service.namespaceId,
  };
}

/**
 * The finding for an orphaned Cloud Map service: a DeleteService after the grace period, or (withAction false) a
 * report of one left to ECS; `blocked` says what keeps it from being acted on.
 */
export function serviceFinding(
  policy: Policy,
  inventory: Inventory,
  service: CloudMapService,
  observed: string,
  blocked?: Finding['blocked'],
  withAction = true,
): Finding {
  const rule = policy.rules.cloudMapOrphans;
  return {
    policy: policy.name,
    rule: 'cloudMapOrphans',
    resource: serviceRef(service),
    namespace: namespaceById(inventory, service.namespaceId).name,
    observed,
    desired: withAction ? `deleted once orphaned for ${formatDuration(rule.gracePeriodMs)}` : 'left to ECS',
    reason:
      'no ACTIVE or DRAINING ECS service refers to this Cloud Map service; ECS never deletes it, and it is billed per registered resource',
    ...(withAction
      ? {
          action: {
            type: 'cloudmap:DeleteService' as const,
            serviceId: service.id,
            ...namedReferrers(inventory, service),
            ...sharedServiceRef(inventory, service),
          },
          gracePeriodMs: rule.gracePeriodMs,
        }
      : {}),
    ...(blocked ? { blocked } : {}),
    key: `cloudMapOrphans/service/${service.id}`,
  };
}

/** The finding for an instance ECS registered whose task is gone (`why`): a DeregisterInstance after the grace period. */
export function instanceFinding(
  policy: Policy,
  inventory: Inventory,
  service: CloudMapService,
  instance: CloudMapInstance,
  why: string,
  blocked?: Finding['blocked'],
): Finding {
  const rule = policy.rules.cloudMapOrphans;
  const cluster = instance.attributes[ECS_ATTRIBUTES.cluster];
  const ecsService = instance.attributes[ECS_ATTRIBUTES.service];
  const taskStopped = cluster !== undefined && findTask(inventory, instance.id, cluster)?.lastStatus === 'STOPPED';
  return {
    policy: policy.name,
    rule: 'cloudMapOrphans',
    resource: {
      kind: 'cloudmap-instance',
      serviceId: service.id,
      serviceName: service.name,
      namespaceId: service.namespaceId,
      instanceId: instance.id,
    },
    namespace: namespaceById(inventory, service.namespaceId).name,
    cluster,
    observed: `registered by ECS for ${cluster}/${ecsService}, but ${why}`,
    desired: 'deregistered',
    reason: 'its task is not running, so callers that resolve this instance are sent to a dead address',
    action: {
      type: 'cloudmap:DeregisterInstance',
      serviceId: service.id,
      instanceId: instance.id,
      ...(cluster ? { cluster } : {}),
      ...(taskStopped ? { taskStopped: true as const } : {}),
      ...sharedServiceRef(inventory, service),
    },
    gracePeriodMs: rule.gracePeriodMs,
    ...(blocked ? { blocked } : {}),
    key: `cloudMapOrphans/instance/${service.id}/${instance.id}`,
  };
}
