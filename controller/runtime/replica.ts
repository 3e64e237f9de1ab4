/**
 * What a controller needs to run as one of several replicas (with `--state dynamodb://TABLE`): the lease
 * coordinator over the policy targets, the keys other replicas left for the targets this one holds, the lease
 * section of /status and the lease metrics. Without a state store the controller has no Replica and acts on
 * every target, as a single task always did.
 */
import { LeaseCoordinator, type LeaseView } from '../state/leases.js';
import type { StateStore } from '../state/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import { registerLeaseMetrics } from '../telemetry/lease-metrics.js';
import type { WorkKey } from '../inventory/work-key.js';
import type { TargetRuntimes } from './target-runtimes.js';
import type { Clock } from '../util/clock.js';
import { systemTimers } from '../util/clock.js';
import type { WorkQueue } from './workqueue.js';

export interface ReplicaOptions {
  store: StateStore;
  replicaId: string;
  leaseDurationMs: number;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Late-bound: the controller builds its targets and queue after its replica. */
  targets: () => TargetRuntimes;
  queue: () => WorkQueue;
  /** The controller's time, for the metrics' timestamps (leases keep the wall clock: other replicas share it). */
  clock: Clock;
  stopped: () => boolean;
}

/** This replica's leases and the hand-over of event keys between replicas. */
export class Replica {
  readonly leases: LeaseCoordinator;

  constructor(private readonly options: ReplicaOptions) {
    this.leases = new LeaseCoordinator({
      store: options.store,
      replicaId: options.replicaId,
      durationMs: options.leaseDurationMs,
      clock: systemTimers,
      logger: options.logger,
      // A target gained: reconcile it now (its state is loaded first); a target lost: what it loaded is stale
      // (grace clocks, journal, the deletion budget's last hour) and is read again on the next gain.
      onGained: () => options.queue().add({ kind: 'full' }, { priority: 'event' }),
      onLost: (target) => {
        const runtime = options.targets().find(target);
        runtime?.state?.reset();
        runtime?.ledger?.reset();
        runtime?.evidence?.reset();
      },
      busy: (target) => (options.targets().find(target)?.state?.inFlight() ?? 0) > 0,
      afterRound: (held) => this.collectKeys(held),
    });
    registerLeaseMetrics(options.metrics.registry, () => this.leases);
  }

  get store(): StateStore {
    return this.options.store;
  }

  /** Leaves keys for the replica holding the target (it collects them after its next lease round). */
  async leaveKeys(target: string, keys: readonly WorkKey[], now: number): Promise<void> {
    await this.options.store.postKeys(
      target,
      keys.map((k) => JSON.stringify(k)),
      now,
    );
  }

  /** The /status section: the store, this replica and every target's owner. */
  status(): { store: string; replica: string; leases: LeaseView[] } {
    return { store: this.options.store.description, replica: this.leases.replicaId, leases: this.leases.leases() };
  }

  /** Queues the keys other replicas left for the targets this replica holds (a standby is up to date). */
  private async collectKeys(held: readonly string[]): Promise<void> {
    if (this.options.stopped()) return;
    if (held.length === 0) this.options.metrics.recordNothingToReconcile(this.options.clock.now());
    for (const target of held) {
      for (const text of await this.options.store.takeKeys(target)) {
        try {
          this.options.queue().add(JSON.parse(text) as WorkKey, { priority: 'event' });
        } catch {
          this.options.logger.warn(
            { target },
            'a key left in the state table could not be read; the next resync covers it',
          );
        }
      }
    }
  }
}
