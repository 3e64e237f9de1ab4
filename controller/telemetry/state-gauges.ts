/**
 * The gauges rebuilt from the controller's MetricsState at each scrape (drift, orphan cost, policy source
 * revisions, event consumer, work-queue depth): each resets first, so a series gone from the state is gone
 * from /metrics.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MetricsState } from './state.js';

/** AWS Cloud Map price per registered resource (instance) per month, USD (AWS price list "CloudMapResource", Resource-Month). */
export const CLOUD_MAP_DOLLARS_PER_RESOURCE_MONTH = 0.1;

const PREFIX = 'ecs_discovery_';

/** Registers the state gauges on a registry; `state` is asked at each scrape and must be cheap. */
export function registerStateGauges(
  registry: Registry,
  state: () => MetricsState,
  driftLabels: { rules: readonly string[]; states: readonly string[] },
): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}drift_resources`,
    help: 'Resources currently in drift, by policy, rule and state: actionable (enforce mode acts on it now; alerts fire on this only), blocked (waiting or stopped by a safety check), accepted (audit, protected, report-only...).',
    labelNames: ['policy', 'rule', 'state'],
    registers,
    collect() {
      this.reset();
      for (const policy of state().policies) {
        for (const rule of union(driftLabels.rules, Object.keys(policy.driftByState))) {
          const counts = policy.driftByState[rule] ?? {};
          for (const driftState of union(driftLabels.states, Object.keys(counts)))
            this.labels(policy.name, rule, driftState).set(counts[driftState] ?? 0);
        }
      }
    },
  });
  new Gauge({
    name: `${PREFIX}orphaned_registrations_monthly_cost_dollars`,
    help: `Monthly Cloud Map cost of orphaned instance registrations (USD ${CLOUD_MAP_DOLLARS_PER_RESOURCE_MONTH} per registered resource-month), by policy.`,
    labelNames: ['policy'],
    registers,
    collect() {
      this.reset();
      for (const policy of state().policies) {
        this.labels(policy.name).set(roundCents(policy.orphanedRegistrations * CLOUD_MAP_DOLLARS_PER_RESOURCE_MONTH));
      }
    },
  });
  new Gauge({
    name: `${PREFIX}policy_source_revision_info`,
    help: 'The revision each policy source is at (value always 1).',
    labelNames: ['source', 'revision'],
    registers,
    collect() {
      this.reset();
      for (const { source, revision } of state().sources) this.labels(source, revision).set(1);
    },
  });
  new Gauge({
    name: `${PREFIX}event_consumer_receiving`,
    help: 'With --queue-url: 1 while the event consumer receives from SQS, 0 while its receives fail (absent without a queue).',
    registers,
    collect() {
      this.reset();
      const receiving = state().eventsReceiving;
      if (receiving !== undefined) this.set(receiving ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}workqueue_depth`,
    help: 'Work-queue keys waiting to be reconciled.',
    registers,
    collect() {
      this.set(state().workqueueDepth);
    },
  });
}

/** The known labels in their order, then any others the state holds. */
function union(known: readonly string[], present: readonly string[]): string[] {
  return [...new Set([...known, ...present])];
}

function roundCents(dollars: number): number {
  return Math.round(dollars * 100) / 100;
}
