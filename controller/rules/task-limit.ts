/**
 * taskLimit: a service that uses service discovery (a Cloud Map registry or Service Connect endpoints) cannot
 * run more than 1,000 tasks, Cloud Map's fixed instances-per-service quota. Report only.
 */
import type { EcsService } from '../inventory/model.js';
import { serviceConnectOf } from './facts.js';
import { coversEcsService } from './scope.js';
import type { Finding, RuleEvaluator } from './types.js';

/** The Cloud Map instances-per-service quota (not adjustable). */
export const CLOUD_MAP_INSTANCES_PER_SERVICE = 1000;

function usesServiceDiscovery(ecs: EcsService): boolean {
  return ecs.serviceRegistries.length > 0 || (serviceConnectOf(ecs)?.services.length ?? 0) > 0;
}

/** Reports covered service-discovery services whose desired or maximum task count reaches `warnAt`. */
export const evaluate: RuleEvaluator = (policy, inventory) => {
  const warnAt = policy.rules.taskLimit.warnAt;
  const findings: Finding[] = [];
  for (const ecs of inventory.services) {
    if (ecs.status !== 'ACTIVE' || !usesServiceDiscovery(ecs) || !coversEcsService(policy, inventory, ecs)) continue;
    const peak = Math.max(ecs.desiredCount, ecs.maxCount ?? 0);
    if (peak < warnAt) continue;
    const counts = `desired ${ecs.desiredCount}` + (ecs.maxCount !== undefined ? `, max ${ecs.maxCount}` : '');
    findings.push({
      policy: policy.name,
      rule: 'taskLimit',
      resource: { kind: 'ecs-service', arn: ecs.arn, cluster: ecs.clusterName, name: ecs.name },
      cluster: ecs.clusterName,
      observed: counts,
      desired: `below ${warnAt} tasks (hard cap ${CLOUD_MAP_INSTANCES_PER_SERVICE})`,
      reason: `a service using service discovery cannot run more than ${CLOUD_MAP_INSTANCES_PER_SERVICE} tasks (Cloud Map instances per service); scale-outs past it fail`,
      blocked: { reason: 'report-only', detail: 'raise capacity per task or split the service; the controller does not change task counts' },
      key: `taskLimit/${ecs.clusterName}/${ecs.name}`,
    });
  }
  return findings;
};
