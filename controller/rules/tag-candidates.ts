/**
 * Which Cloud Map services' tags a read must fetch: those some enabled rule's finding would act on. Tags only
 * ever block or qualify a finding that exists without them (a protect tag blocks it, AmazonECSManaged turns an
 * orphan into Service Connect's leftover, an ownership tag is evidence for a deletion that is otherwise blocked),
 * never create one, so an evaluation over an inventory whose tags were not read (tagsRead false, which itself
 * blocks every write) finds every service whose tags can matter. Pure.
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { evaluateAll } from './index.js';

/** Ids of the Cloud Map services that a finding of an active policy would change (UpdateService, DeleteService, DeregisterInstance). */
export function cloudMapServicesNeedingTags(
  policies: readonly Policy[],
  inventory: Inventory,
  now: number,
): Set<string> {
  const ids = new Set<string>();
  for (const policy of policies) {
    if (policy.suspend) continue;
    for (const finding of evaluateAll(policy, inventory, now)) {
      const action = finding.action;
      if (action && 'serviceId' in action && action.type.startsWith('cloudmap:')) ids.add(action.serviceId);
    }
  }
  return ids;
}
