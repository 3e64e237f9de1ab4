/**
 * What guards a Cloud Map service from change (protect tags) and what proves ECS owns it (evidence for a
 * deletion). Shared by the rules that write to Cloud Map services. Pure.
 */
import type { CloudMapService, Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';

/** The protect tag a service carries: the operator's key with any value but "false", or a policy's exact tag. */
function protectingTag(policy: Policy, service: CloudMapService): { key: string; value: string } | undefined {
  // Written under cloudMapOrphans in the CRD, the protect tags guard every write to a Cloud Map service, any rule's.
  for (const tag of policy.rules.cloudMapOrphans.protectTags) {
    const value = service.tags[tag.key];
    if (value === undefined) continue;
    if (tag.value === undefined ? value.trim().toLowerCase() !== 'false' : value === tag.value)
      return { key: tag.key, value };
  }
  return undefined;
}

/** Does the service carry a protect tag? Protected Cloud Map services are never changed. */
export function isProtected(policy: Policy, service: CloudMapService): boolean {
  return protectingTag(policy, service) !== undefined;
}

/** The block a protected service's findings carry. */
export function protectedBlock(policy: Policy, service: CloudMapService): { reason: 'protected'; detail: string } {
  const tag = protectingTag(policy, service);
  return { reason: 'protected', detail: tag ? `tagged ${tag.key}=${tag.value}` : 'protected' };
}

/** Why the controller may treat an unreferenced Cloud Map service as ECS's, or undefined without evidence. */
export function ownershipEvidence(policy: Policy, inventory: Inventory, service: CloudMapService): string | undefined {
  const rule = policy.rules.cloudMapOrphans;
  const evidence = inventory.ownership?.[service.id];
  if (evidence?.source === 'instances-seen')
    return `the controller saw ECS-registered instances of live tasks in it (${new Date(evidence.at).toISOString()})`;
  if (evidence?.source === 'cloudtrail')
    return `CloudTrail shows ECS registering instances into it (${new Date(evidence.at).toISOString()})`;
  const tag = rule.ownershipTag;
  if (tag && service.tags[tag.key] === tag.value) return `tagged ${tag.key}=${tag.value}`;
  if (rule.emptyServices === 'delete')
    return `policy ${policy.name} declares its namespaces ECS-only (emptyServices: delete)`;
  return undefined;
}
