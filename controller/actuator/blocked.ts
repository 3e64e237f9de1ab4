import type { Plan } from '../plan/types.js';
import type { Finding } from '../model/findings.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import { logResource } from '../model/actions.js';

function namespaceOf(finding: Finding): string {
  const resource = finding.resource;
  return finding.namespace ?? ('namespaceId' in resource ? resource.namespaceId : 'unknown');
}

/**
 * Logs and counts the plan's blocked decisions, and one sanity-guard trip per policy and namespace. A wait is
 * logged at info the first time (`announcedBlocks`: finding key -> reason), then at debug.
 */
export function recordBlocked(
  plan: Plan,
  announcedBlocks: Map<string, string>,
  deps: { logger: Logger; metrics?: ControllerMetrics },
): void {
  const trips = new Set<string>();
  const stillBlocked = new Set<string>();
  for (const planned of plan.actions) {
    if (planned.decision !== 'blocked') continue;
    const { finding } = planned;
    const reason = planned.blockedBy ?? 'report-only';
    deps.metrics?.recordBlocked({ policy: finding.policy, rule: finding.rule }, reason);
    stillBlocked.add(finding.key);
    const firstTime = announcedBlocks.get(finding.key) !== reason;
    announcedBlocks.set(finding.key, reason);
    deps.logger[firstTime ? 'info' : 'debug'](
      {
        policy: finding.policy,
        rule: finding.rule,
        resource: logResource(planned.action),
        action: planned.action.type,
        result: 'blocked',
        reason,
        detail: planned.detail,
      },
      'action blocked',
    );
    if (reason === 'sanity-guard') {
      const namespace = namespaceOf(finding);
      const tripKey = JSON.stringify([finding.policy, namespace]);
      if (!trips.has(tripKey)) {
        trips.add(tripKey);
        deps.metrics?.recordSanityGuardTrip(finding.policy, namespace);
      }
    }
  }
  for (const key of announcedBlocks.keys()) if (!stillBlocked.has(key)) announcedBlocks.delete(key);
  if (trips.size > 0) deps.logger.warn({ trips: [...trips].map((t) => JSON.parse(t)) }, 'sanity guard stopped pruning');
}
