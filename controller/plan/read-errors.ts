/**
 * Which read errors make a policy's plan incomplete: `plan` prints "incomplete: N read errors" in the
 * policy's section and `complete: false` in JSON, so a policy is never reported as "no drift" when part of
 * what it covers could not be read. Pure.
 */
import type { Inventory, ReadError } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { enabledRules } from '../rules/index.js';
import { coversCluster, coversNamespace } from '../rules/scope.js';

function lastSegment(arnOrName: string): string {
  return arnOrName.slice(arnOrName.lastIndexOf('/') + 1);
}

function coversNamespaceId(policy: Policy, inventory: Inventory, namespaceId: string): boolean {
  const namespace = inventory.namespaces.find((n) => n.id === namespaceId);
  // A namespace the read never described may be one of the policy's: count it.
  return namespace === undefined || coversNamespace(policy, namespace);
}

/**
 * Does this read error leave a hole in what the policy covers? Errors in its account, clusters, namespaces and
 * Cloud Map services do, whatever its rules; each enabled rule may add errors beyond that (`affectedBy`).
 */
export function affectsPolicy(policy: Policy, inventory: Inventory, error: ReadError): boolean {
  return (
    inOwnScope(policy, inventory, error) ||
    enabledRules(policy).some((rule) => rule.affectedBy?.(error, policy, inventory) ?? false)
  );
}

function inOwnScope(policy: Policy, inventory: Inventory, error: ReadError): boolean {
  const scope = error.scope;
  switch (scope.kind) {
    case 'account':
      return true;
    case 'cluster':
      return coversCluster(policy, { name: lastSegment(scope.cluster), arn: scope.cluster });
    case 'namespace':
      return coversNamespaceId(policy, inventory, scope.namespaceId);
    case 'cloudmap-service': {
      const service = inventory.cloudMapServices.find((s) => s.id === scope.serviceId);
      return service === undefined || coversNamespaceId(policy, inventory, service.namespaceId);
    }
    case 'scaling-targets':
    case 'service-history':
    case 'task-definitions':
      // Read for particular rules only: they say when these count.
      return false;
  }
}

/** Policy name -> the read errors that make its plan incomplete (policies without any are left out). */
export function readErrorsByPolicy(
  targets: readonly { policies: readonly Policy[]; inventory: Inventory }[],
): Map<string, ReadError[]> {
  const byPolicy = new Map<string, ReadError[]>();
  for (const { policies, inventory } of targets) {
    for (const policy of policies) {
      const errors = inventory.readErrors.filter((e) => affectsPolicy(policy, inventory, e));
      if (errors.length > 0) byPolicy.set(policy.name, errors);
    }
  }
  return byPolicy;
}
