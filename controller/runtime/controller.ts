/**
 * The controller, composed the way controller-runtime composes a manager: a policy watcher (last known good
 * set), per-target state (target-runtimes.ts: an inventory cache, actuator and progress for each account and
 * region the policies name), a work queue fed by the SQS event consumer and a jittered cron resync, and the
 * reconciler (reconcile.ts), the one layer between the queue and the actuator: the queue's process(key) is its
 * reconcile(key), which returns { requeueAfter } or throws to back the key off.
 */
import { SqsEventConsumer, type EventMeta } from '../events/consumer.js';
import { queueAccount, routeEvent } from '../events/route.js';
import type { Plan } from '../plan/types.js';
import type { PolicySet } from '../policy/types.js';
import { PolicyWatcher } from './policy-watcher.js';
import type { LeaseCoordinator, LeaseView } from '../state/leases.js';
import type { MetricsState } from '../telemetry/metrics.js';
import { summarizeDrift } from '../plan/drift-summary.js';
import { reconcileReadiness, type Readiness } from '../telemetry/server.js';
import { keyString, type WorkKey } from '../inventory/work-key.js';
import { nodeCronScheduler, resyncPeriodMs, type ResyncSchedule } from './resync.js';
import { errorText } from './plan-and-apply.js';
import { Reconciler } from './reconcile.js';
import { eventsCondition, eventsReadiness } from './event-health.js';
import { buildStatus, type RunStatus } from './status.js';
import { Replica } from './replica.js';
import { defaultTargetClients, TargetRuntimes } from './target-runtimes.js';
import { systemTimers, withinTime, type Timers } from '../util/clock.js';
import { WorkQueue, type ShutdownResult } from './workqueue.js';
import type { ActionOutcome } from '../actuator/actuator.js';

import type { ControllerOptions } from './controller-options.js';

export type { ControllerOptions } from './controller-options.js';
/** What `run --once` reconciled: every target's plan, merged, and the outcomes of the actions taken. */
export interface RunOnceResult {
  plan: Plan;
  outcomes: ActionOutcome[];
}

/** Runs the reconcile loop until stopped. */
export class Controller {
  readonly queue: WorkQueue;
  private readonly watcher: PolicyWatcher;
  private readonly targets: TargetRuntimes;
  private readonly reconciler: Reconciler;
  private readonly timers: Timers;
  private readonly stopSignal = new AbortController();
  private readonly periodMs: number;
  private groupedSet: PolicySet | undefined;
  private consumer: SqsEventConsumer | undefined;
  private schedule: ResyncSchedule | undefined;
  /** This replica's target leases, with a state store. */
  readonly leases: LeaseCoordinator | undefined;
  private readonly replica: Replica | undefined;
  /** Set by start(): only a running controller queues work on a new policy revision (runOnce reconciles itself). */
  private running = false;

  constructor(private readonly options: ControllerOptions) {
    this.timers = options.timers ?? systemTimers;
    if (options.state) {
      this.replica = new Replica({
        ...options.state,
        logger: options.logger,
        metrics: options.metrics,
        targets: () => this.targets,
        queue: () => this.queue,
        clock: this.timers,
        stopped: () => this.stopSignal.signal.aborted,
      });
      this.leases = this.replica.leases;
    }
    this.periodMs = resyncPeriodMs(options.resync, new Date(this.timers.now()));
    this.watcher = new PolicyWatcher({
      source: options.source,
      allowed: options.allowed,
      maxDocumentBytes: options.limits?.maxPolicyBytes,
      limits: options.limits,
      logger: options.logger,
      pollIntervalMs: options.policyPollIntervalMs,
      clock: this.timers,
      random: options.random,
      onUpdate: (set) => this.onPolicies(set),
      onFailure: () => options.metrics.recordPolicyLoadError(options.source.name),
    });
    this.targets = new TargetRuntimes({
      defaults: options.clients,
      clientsFor:
        options.clientsForTarget ??
        defaultTargetClients(options.clients, { onApiCall: options.metrics.onApiCall, ...options.clientOptions }),
      logger: options.logger,
      metrics: options.metrics,
      timers: this.timers,
      dryRun: options.dryRun,
      ...(options.readConcurrency ? { readConcurrency: options.readConcurrency } : {}),
      ...(options.fullResyncMs !== undefined ? { fullResyncMs: options.fullResyncMs } : {}),
      stopSignal: this.stopSignal.signal,
      ...(this.replica ? { state: { store: this.replica.store, leases: this.replica.leases } } : {}),
    });
    const leases = this.leases;
    this.reconciler = new Reconciler({
      targets: this.targets,
      env: {
        metrics: options.metrics,
        logger: options.logger,
        timers: this.timers,
        dryRun: options.dryRun,
        stopSignal: this.stopSignal.signal,
        recentActions: this.targets.recentActions,
        ...(options.announcer ? { announcer: options.announcer } : {}),
      },
      ...(leases ? { holds: (key: string) => leases.holds(key) } : {}),
      queue: () => this.queue,
    });
    this.queue = new WorkQueue({
      process: async (key, context) => {
        const set = this.watcher.current();
        if (!set) return {}; // nothing in force: the next valid revision queues a full reconcile
        this.regroup(set);
        return this.reconciler.reconcile(key, context);
      },
      workers: options.workers ?? 2,
      debounceMs: options.debounceMs ?? 200,
      baseRetryMs: options.retry?.baseMs,
      maxRetryMs: options.retry?.maxMs,
      timers: this.timers,
      random: options.random,
      onRetry: (key, error, delayMs, failures) =>
        options.logger.warn(
          { key: keyString(key), err: errorText(error), retryInMs: delayMs, failures },
          'reconcile failed; retrying with backoff',
        ),
      onDropped: (key, error) => {
        options.metrics.recordTerminalError(key.kind);
        options.logger.error(
          { key: keyString(key), err: errorText(error) },
          'reconcile failed with an error retrying cannot fix; key dropped',
        );
      },
      onOverflow: (dropped) => {
        options.metrics.recordWorkqueueOverflow();
        options.logger.warn({ dropped }, 'work queue full: waiting keys collapsed into one full reconcile');
      },
    });
    options.metrics.setStateProvider(() => this.metricsState());
  }

  /** Loads policies (waiting for the first poll), queues a full reconcile, and starts events and resync. */
  async start(): Promise<void> {
    this.running = true;
    this.watcher.start();
    await this.watcher.poll();
    // Stopped while the first fetch was in flight (a slow git clone): start nothing more.
    if (this.stopSignal.signal.aborted) return;
    if (!this.watcher.current()) {
      this.options.logger.error(
        { source: this.options.source.name },
        'no valid policy set yet: nothing is reconciled until the source serves a valid revision (see /status)',
      );
    }
    await this.leases?.start();
    this.queue.add({ kind: 'full' }, { priority: 'event' });
    this.schedule = (this.options.scheduler ?? nodeCronScheduler)(this.options.resync, () => this.onResyncTick());
    if (this.options.queueUrl) {
      this.consumer = new SqsEventConsumer({
        sqs: this.options.clients.sqs,
        queueUrl: this.options.queueUrl,
        logger: this.options.logger,
        waitTimeSeconds: this.options.eventWaitSeconds,
        enqueue: (keys, meta) => this.enqueueEvent(keys, meta),
        // Events come from the controller's own account and region: the default target's fleet.
        known: {
          clustersOfService: (arn) => this.targets.find(this.targets.defaultKey)?.cache.clustersOfService(arn) ?? [],
        },
        hooks: {
          onEvent: (detailType) => this.options.metrics.recordEventReceived(detailType),
          onMalformed: (reason) => this.options.metrics.recordEventMalformed(reason),
          onReceiveError: (code) => this.options.metrics.recordEventReceiveError(code),
        },
        random: this.options.random,
        now: () => this.timers.now(),
      });
      this.consumer.start();
    }
  }

  /** One reconcile of everything, without events or schedule (`run --once`, `plan`-like jobs). */
  async runOnce(): Promise<RunOnceResult> {
    const outcome = await this.watcher.poll();
    const set = this.watcher.current();
    if (!set) {
      const why =
        outcome.kind === 'fetch-failed'
          ? outcome.message
          : outcome.kind === 'invalid'
            ? `revision ${outcome.revision} is invalid`
            : 'no policies';
      throw new Error(`cannot reconcile: no valid policy set from ${this.options.source.name} (${why})`);
    }
    this.regroup(set);
    await this.leases?.tick();
    // No later pass will check the Cloud Map operations this run submitted: reconcileAll follows them here.
    return this.reconciler.reconcileAll();
  }

  /**
   * Stops events and resync, lets in-flight work finish for up to `timeoutMs`, then abandons it. No new AWS
   * write starts after this is called (the actuator finishes the write it is in and skips the rest).
   */
  async stop(timeoutMs: number): Promise<ShutdownResult> {
    this.stopSignal.abort(new Error('controller stopping'));
    this.schedule?.stop();
    const stopping = Promise.allSettled([this.consumer?.stop(), this.watcher.stop()]);
    const deadline = this.timers.now() + timeoutMs;
    const result = await this.queue.shutdown(timeoutMs);
    // An apply an event asked for may still run after its key finished: give it what is left of the time.
    await withinTime(this.timers, deadline - this.timers.now(), this.reconciler.idle());
    // The consumer's last delete and the source's close get the same bound as in-flight work.
    await withinTime(this.timers, Math.max(timeoutMs, 1_000), stopping);
    // Leases go back once no write is in flight, so successors start at once instead of after an expiry.
    await this.leases?.stop(result.completed);
    // Clients of other targets go once nothing holds them (abandoned work keeps them until it ends).
    this.targets.close();
    if (!result.completed)
      this.options.logger.warn({ abandoned: result.abandoned }, 'shutdown timeout: abandoned in-flight reconciles');
    return result;
  }

  /**
   * Resolves once no key is queued or in flight, no apply is running and no Cloud Map operation is still
   * followed (requeued passes check those; tests and the demo wait on it).
   */
  async whenIdle(): Promise<void> {
    do {
      await this.queue.whenIdle();
      await this.reconciler.idle();
      if (this.stopSignal.signal.aborted) return;
      await this.reconciler.status.operationsDone();
    } while (this.queue.depth() > 0 || this.queue.active() > 0 || this.reconciler.status.pendingOperations() > 0);
  }

  /**
   * Ready when policies are loaded and every target's last successful reconcile is not older than three
   * resync periods; the reason names the target that holds readiness back when it is not the default.
   */
  readiness(): Readiness {
    const events = eventsReadiness(this.consumer?.health(), this.timers.now());
    if (events) return events;
    // A replica that holds no lease has nothing to reconcile: it is a ready standby.
    if (this.leases && this.watcher.current() && this.leases.heldTargets().length === 0) return { ready: true };
    const { at, target } = this.reconciler.status.lastSuccess();
    const readiness = reconcileReadiness({
      policiesLoaded: this.watcher.current() !== undefined,
      lastSuccessfulReconcileAt: at,
      resyncPeriodMs: this.periodMs,
      now: this.timers.now(),
    });
    if (readiness.ready || !target || target.isDefault || !this.watcher.current()) return readiness;
    return {
      ready: false,
      reason: `${readiness.reason} (target ${target.region}${target.roleArn ? ` as ${target.roleArn}` : ''})`,
    };
  }

  /** Body of /status; with a state store, also which replica owns which target. */
  status(): RunStatus & { state?: { store: string; replica: string; leases: LeaseView[] } } {
    const status = this.baseStatus();
    return this.replica ? { ...status, state: this.replica.status() } : status;
  }

  private baseStatus(): RunStatus {
    return buildStatus({
      set: this.watcher.current(),
      source: this.watcher.status(),
      plan: this.reconciler.status.currentPlan(),
      targets: [
        ...this.targets.list().map((r) => ({
          target: r.target,
          policies: r.set.policies.map((p) => p.name),
          ...(r.progress.lastPlan ? { plan: r.progress.currentPlan() } : {}),
          ...(r.progress.lastSuccessAt !== undefined ? { lastSuccessAt: r.progress.lastSuccessAt } : {}),
          ...(r.progress.lastError ? { lastError: r.progress.lastError } : {}),
        })),
        ...this.targets
          .unavailableTargets()
          .map((u) => ({ target: u.target, policies: u.set.policies.map((p) => p.name), lastError: u.error })),
      ],
      recentActions: this.targets.recentActions.list(),
      lastSuccessfulReconcileAt: this.reconciler.status.lastSuccess().at,
      lastReconcileError: this.reconciler.status.lastError(),
      workqueueDepth: this.queue.depth(),
      dryRun: this.options.dryRun,
      readiness: this.readiness(),
      events: eventsCondition(this.consumer?.health(), this.timers.now()),
    });
  }

  /** The policy set in force, if any. */
  policies(): PolicySet | undefined {
    return this.watcher.current();
  }

  /** The last plan built, every target's merged, if any. */
  plan(): Plan | undefined {
    return this.reconciler.status.lastPlan();
  }

  /** The drift as it stands: the last plan without what its apply fixed (what /status and /metrics report). */
  currentPlan(): Plan | undefined {
    return this.reconciler.status.currentPlan();
  }

  private metricsState(): MetricsState {
    const set = this.watcher.current();
    const source = this.watcher.status();
    return {
      policies: summarizeDrift(set?.policies.map((p) => p.name) ?? [], this.reconciler.status.currentPlan()),
      sources: source.revision ? [{ source: source.source, revision: source.revision }] : [],
      workqueueDepth: this.queue.depth(),
      ...(this.consumer ? { eventsReceiving: this.consumer.health().failingSince === undefined } : {}),
    };
  }

  private onPolicies(set: PolicySet): void {
    // The same words as plan's warning: an empty set is valid (exit 0) but almost always a wrong path.
    if (set.policies.length === 0)
      this.options.logger.warn(
        { source: this.options.source.name },
        `no policies found at ${this.options.source.name}; nothing to reconcile`,
      );
    this.regroup(set);
    if (!this.running) return;
    // A new revision may widen or narrow the scope: look at everything again, ahead of resync work.
    this.queue.add({ kind: 'full' }, { priority: 'event' });
  }

  /** Groups the set's policies by target (once per set): new targets get clients, gone ones release theirs. */
  private regroup(set: PolicySet): void {
    if (this.groupedSet === set) return;
    this.groupedSet = set;
    this.targets.update(set);
    this.leases?.setTargets([
      ...this.targets.list().map((r) => r.target.key),
      ...this.targets.unavailableTargets().map((u) => u.target.key),
    ]);
  }

  private onResyncTick(): void {
    this.options.logger.debug('resync: queueing a full reconcile');
    this.queue.add({ kind: 'full' }, { priority: 'resync' });
  }

  /**
   * Queues an event's keys in the target its account and region belong to. With leases, keys of a target
   * another replica holds are left for it in the state table (it collects them after its next lease round):
   * this replica never acts on them, and the message can be deleted. A write failure keeps the message.
   */
  private async enqueueEvent(keys: WorkKey[], meta: EventMeta): Promise<void> {
    const route = routeEvent(
      meta.source,
      this.targets.list().map((r) => r.target),
      { region: this.options.clients.region, account: queueAccount(this.options.queueUrl) },
    );
    if (route === 'elsewhere') {
      this.options.logger.debug(
        { source: meta.source, detailType: meta.detailType },
        'event from an account or region no policy targets; ignored',
      );
      return;
    }
    const routed = keys.map((key) => (key.kind === 'full' || !route.target ? key : { ...key, target: route.target }));
    const targetKey = route.target ?? this.targets.defaultKey;
    if (this.replica && !this.replica.leases.holds(targetKey)) {
      await this.replica.leaveKeys(targetKey, routed, this.timers.now());
      return;
    }
    for (const key of routed) {
      if (!this.queue.add(key, { priority: 'event', eventTime: meta.eventTime })) {
        throw new Error('the work queue is shutting down');
      }
    }
  }
}
