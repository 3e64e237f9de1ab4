/**
 * Lease metrics of a replica running with a state store, computed at scrape from the lease coordinator:
 * leases held, lease changes (gained, lost), and the age of the last heartbeat (a successful lease round) so
 * an alert can see a replica that cannot reach the lease table.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { systemClock } from '../util/clock.js';

export interface LeaseMetricsSource {
  heldTargets(): readonly string[];
  readonly changes: { gained: number; lost: number };
  readonly lastHeartbeatAt: number | undefined;
}

/** Registers the lease metrics on the controller's registry (once per registry). */
export function registerLeaseMetrics(
  registry: Registry,
  source: () => LeaseMetricsSource | undefined,
  now: () => number = systemClock.now,
): void {
  if (registry.getSingleMetric('ecs_discovery_leases_held')) return;
  new Gauge({
    name: 'ecs_discovery_leases_held',
    help: 'Target (account and region) leases this replica holds.',
    registers: [registry],
    collect() {
      this.set(source()?.heldTargets().length ?? 0);
    },
  });
  new Counter({
    name: 'ecs_discovery_lease_changes_total',
    help: 'Target leases this replica gained (took when free, expired or uneven) or lost (taken by another replica, released).',
    labelNames: ['change'] as const,
    registers: [registry],
    collect() {
      const changes = source()?.changes ?? { gained: 0, lost: 0 };
      this.reset();
      this.labels('gained').inc(changes.gained);
      this.labels('lost').inc(changes.lost);
    },
  });
  new Gauge({
    name: 'ecs_discovery_lease_heartbeat_age_seconds',
    help: "Seconds since this replica's last successful lease round (scan, renewals, takes; 0 before its first); above the lease duration, its targets are another replica's to take.",
    registers: [registry],
    collect() {
      const at = source()?.lastHeartbeatAt;
      this.set(at === undefined ? 0 : Math.max(0, (now() - at) / 1000));
    },
  });
}
