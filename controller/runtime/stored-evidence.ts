/** Evidence kept by the state store (issue 16's DynamoDB or memory store) joins the evidence of the last read. */
import type { Inventory } from '../inventory/model.js';
import { withOwnership } from '../inventory/patch.js';
import type { OwnershipEvidence as StoredEvidence } from '../state/types.js';

/** The inventory with the store's sightings of ECS-registered instances added where the read found no evidence. */
export function withStoredEvidence(inventory: Inventory, stored: ReadonlyMap<string, StoredEvidence>): Inventory {
  if (stored.size === 0) return inventory;
  const ownership = { ...(inventory.ownership ?? {}) };
  let added = false;
  for (const [serviceId, seen] of stored) {
    if (ownership[serviceId]) continue;
    ownership[serviceId] = { serviceId, source: 'instances-seen', at: seen.lastSeenAt, ecsServices: [] };
    added = true;
  }
  // The plan runs on the result: it keeps the snapshot's indexes (rebuilding the task index costs seconds at 100,000 tasks).
  return added ? withOwnership(inventory, ownership) : inventory;
}
