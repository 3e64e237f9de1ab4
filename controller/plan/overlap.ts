/**
 * Overlap resolution: when several policies cover one resource, the most specific policy owns it and only its
 * findings about that resource stay. Suspended and audit policies own what they cover too, so suspending a
 * narrow policy never hands its resources to a broader one. Ties go to the policy whose name sorts first
 * (the policy loader reports ties as errors; this only keeps the plan deterministic).
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { cloudMapServiceSpecificity, ecsServiceSpecificity } from '../rules/scope.js';
import type { Finding, ResourceRef } from '../rules/types.js';

/** The identity overlaps are resolved on: an ECS service, or a Cloud Map service (with its instances). */
export function ownershipKey(resource: ResourceRef): string {
  switch (resource.kind) {
    case 'ecs-service': return `ecs:${resource.arn}`;
    case 'cloudmap-service': return `cloudmap:${resource.id}`;
    case 'cloudmap-instance': return `cloudmap:${resource.serviceId}`;
  }
}

function specificity(policy: Policy, inventory: Inventory, resource: ResourceRef): number {
  if (resource.kind === 'ecs-service') {
    const ecs = inventory.services.find((s) => s.arn === resource.arn);
    return ecs ? ecsServiceSpecificity(policy, inventory, ecs) : 0;
  }
  const serviceId = resource.kind === 'cloudmap-service' ? resource.id : resource.serviceId;
  const service = inventory.cloudMapServices.find((s) => s.id === serviceId);
  return service ? cloudMapServiceSpecificity(policy, inventory, service) : 0;
}

/** Keeps only the findings of the policy that owns each resource. */
export function resolveOverlaps(policies: readonly Policy[], inventory: Inventory, findings: readonly Finding[]): Finding[] {
  const owners = new Map<string, string | undefined>();
  const ownerOf = (resource: ResourceRef): string | undefined => {
    const key = ownershipKey(resource);
    if (!owners.has(key)) {
      let best: { name: string; score: number } | undefined;
      for (const policy of policies) {
        const score = specificity(policy, inventory, resource);
        if (score === 0) continue;
        if (!best || score > best.score || (score === best.score && policy.name < best.name)) best = { name: policy.name, score };
      }
      owners.set(key, best?.name);
    }
    return owners.get(key);
  };
  // A finding whose resource no policy claims by the scope functions is kept as its rule reported it.
  return findings.filter((f) => {
    const owner = ownerOf(f.resource);
    return owner === undefined || owner === f.policy;
  });
}
