/**
 * Overlap resolution: when several policies cover one resource, the most specific policy owns it and only its
 * findings about that resource stay. Suspended and audit policies own what they cover too, so suspending a
 * narrow policy never hands its resources to a broader one. Ownership is per rule: an ECS service is owned for
 * a Service Connect rule (`ownershipVia`) by the policies that reach its Service Connect namespace, not by the owner of its
 * registry's namespace. A tie (which the policy loader rejects) gives the resource to nobody: the tied policies'
 * findings stay, blocked as an ownership conflict, instead of going to the name that sorts first.
 */
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { ruleNamed } from '../rules/index.js';
import {
  cloudMapServiceSpecificity,
  ecsServiceSpecificity,
  namespaceLevel,
  type DiscoveryVia,
} from '../rules/scope.js';
import type { Finding, ResourceRef, RuleName } from '../model/findings.js';

/** The identity overlaps are resolved on: an ECS service, or a Cloud Map service (with its instances). */
export function ownershipKey(resource: ResourceRef): string {
  switch (resource.kind) {
    case 'ecs-service':
      return `ecs:${resource.arn}`;
    case 'cloudmap-service':
      return `cloudmap:${resource.id}`;
    case 'cloudmap-instance':
      return `cloudmap:${resource.serviceId}`;
    case 'cloudmap-namespace':
      return `cloudmap-namespace:${resource.id}`;
  }
}

/** Through which namespaces a rule's findings about an ECS service are owned (the rule says). */
function viaOf(rule: RuleName): DiscoveryVia {
  return ruleNamed(rule).ownershipVia;
}

function specificity(policy: Policy, inventory: Inventory, resource: ResourceRef, via: DiscoveryVia): number {
  if (resource.kind === 'ecs-service') {
    const ecs = inventory.services.find((s) => s.arn === resource.arn);
    return ecs ? ecsServiceSpecificity(policy, inventory, ecs, via) : 0;
  }
  if (resource.kind === 'cloudmap-namespace') return namespaceLevel(policy, resource) * 10_000;
  const serviceId = resource.kind === 'cloudmap-service' ? resource.id : resource.serviceId;
  const service = inventory.cloudMapServices.find((s) => s.id === serviceId);
  return service ? cloudMapServiceSpecificity(policy, inventory, service) : 0;
}

/** Keeps only the findings of the policies that own each resource for the finding's rule; ties are blocked. */
export function resolveOverlaps(
  policies: readonly Policy[],
  inventory: Inventory,
  findings: readonly Finding[],
): Finding[] {
  const owners = new Map<string, string[]>();
  const ownersOf = (resource: ResourceRef, via: DiscoveryVia): string[] => {
    const key = `${ownershipKey(resource)}|${resource.kind === 'ecs-service' ? via : ''}`;
    let names = owners.get(key);
    if (!names) {
      let best = 0;
      names = [];
      for (const policy of policies) {
        const score = specificity(policy, inventory, resource, via);
        if (score === 0 || score < best) continue;
        if (score > best) {
          best = score;
          names = [];
        }
        names.push(policy.name);
      }
      owners.set(key, names);
    }
    return names;
  };
  // A finding whose resource no policy claims by the scope functions is kept as its rule reported it.
  return findings.flatMap((f): Finding[] => {
    const names = ownersOf(f.resource, viaOf(f.rule));
    if (names.length === 0 || (names.length === 1 && names[0] === f.policy)) return [f];
    if (!names.includes(f.policy)) return [];
    const others = names
      .filter((n) => n !== f.policy)
      .map((n) => `"${n}"`)
      .join(', ');
    return [
      {
        ...f,
        blocked: {
          reason: 'ownership-conflict',
          detail: `policies ${others} claim this resource with the same specificity: make one more specific`,
        },
      },
    ];
  });
}
