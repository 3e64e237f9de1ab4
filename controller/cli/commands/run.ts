/**
 * `ecs-discovery-controller run`: the long-running controller. Reconciles at start, on every relevant ECS
 * event and on the resync schedule until SIGTERM/SIGINT; then stops polling, lets in-flight work finish
 * (or abandons it at --shutdown-timeout) and exits 0. `--once` reconciles one time and exits.
 */
import { createAwsClients } from '../../aws/clients.js';
import { checkQueueUrl } from '../../events/queue-check.js';
import { Controller } from '../../runtime/controller.js';
import { parseRunConfig, type RunConfig } from '../run-config.js';
import { runUsage } from '../run-settings.js';
import { checkPolicyPath, createPolicySource } from '../../sources/resolve.js';
import { createStateStore } from '../../state/resolve.js';
import { parseLimits } from '../../limits/limits.js';
import { countDrift, driftSummaryLine } from '../../plan/states.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { ControllerMetrics } from '../../telemetry/metrics.js';
import { DRIFT_LABELS } from '../../plan/drift-summary.js';
import { startTelemetryServer } from '../../telemetry/server.js';
import { releaseEarlyStop } from '../early-stop.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { systemTimers } from '../../util/clock.js';
import { DiscoveryAnnouncer } from '../../publish/announcer.js';
import { EventPublisher } from '../../publish/publisher.js';
import { registerPublishMetrics } from '../../telemetry/publish-metrics.js';

/** Extra seconds past --shutdown-timeout before giving up on a clean stop (closing servers and clients). */
const SHUTDOWN_SLACK_MS = 2_000;
/** How long a stopping controller waits for its last events to reach EventBridge. */
const EVENTS_FLUSH_TIMEOUT_MS = 3_000;

export interface RunHooks {
  /** Aborting it stops the controller as SIGTERM would (in-process tests). */
  stopSignal?: AbortSignal;
  /** Called once the controller is running, with the telemetry URL. */
  onStarted?(info: { metricsUrl: string; controller: Controller }): void;
}

/** Parses flags/environment and runs the controller until a stop signal. */
export async function run(argv: string[], io: CliIo, hooks: RunHooks = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(runUsage());
    return EXIT.ok;
  }
  const config = parseRunConfig(argv, io.env);
  const limits = parseLimits(io.env);
  // A mistyped local path is an error at start (exit 1), as in plan and validate; a remote source that cannot
  // be fetched yet is retried on every poll instead (it may be a transient outage).
  await checkPolicyPath(config.policies);
  const logger = createLogger({ level: config.logLevel, destination: io.stderr });
  const metrics = new ControllerMetrics({ driftLabels: DRIFT_LABELS });
  // The replica id rides in every request's user-agent, so AWS logs (CloudTrail userAgent, the sandbox's call
  // log) show which replica made each call.
  const appId = config.state === 'memory' ? undefined : config.replicaId;
  const clients = createAwsClients({
    region: config.region,
    endpoint: config.endpoint,
    onApiCall: metrics.onApiCall,
    pacing: config.pacing,
    ...(appId ? { appId } : {}),
  });
  const store =
    config.state === 'memory'
      ? undefined
      : createStateStore(config.state, {
          region: clients.region,
          endpoint: config.endpoint,
          onApiCall: metrics.onApiCall,
          ...(appId ? { appId } : {}),
        });
  let announcer: DiscoveryAnnouncer | undefined;
  try {
    if (config.queueUrl) {
      // A wrong queue is an error at start, not a consumer that retries for ever behind a healthy /readyz.
      try {
        await checkQueueUrl(clients.sqs, config.queueUrl, {
          customEndpoint: Boolean(config.endpoint ?? io.env.AWS_ENDPOINT_URL_SQS),
        });
      } catch (error) {
        logger.error({ queueUrl: config.queueUrl, err: (error as Error).message }, 'the event queue cannot be used');
        io.stderr.write(`error: ${(error as Error).message}\n`);
        return EXIT.failure;
      }
    }
    const source = createPolicySource(config.policies, { s3: clients.s3, env: io.env, limits });
    announcer = config.eventsBus
      ? new DiscoveryAnnouncer(
          new EventPublisher(clients.eventBridge, {
            busName: config.eventsBus,
            logger,
            counters: registerPublishMetrics(metrics.registry),
          }),
          logger,
        )
      : undefined;
    const controller = new Controller({
      source,
      allowed: { ...config.allowed, bounds: config.bounds },
      limits,
      clients,
      // Clients of other targets (target.region / target.roleArn) use the same endpoint override.
      // Each other target gets token buckets of its own at the same rates (its account and region have their own quotas).
      clientOptions: {
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        onApiCall: metrics.onApiCall,
        pacing: config.pacing,
        ...(appId ? { appId } : {}),
      },
      ...(store ? { state: { store, replicaId: config.replicaId, leaseDurationMs: config.leaseDurationMs } } : {}),
      logger,
      metrics,
      dryRun: config.dryRun,
      resync: config.resync,
      fullResyncMs: config.fullResyncMs,
      queueUrl: config.queueUrl,
      policyPollIntervalMs: config.pollIntervalMs,
      workers: config.workers,
      readConcurrency: config.readConcurrency,
      debounceMs: config.debounceMs,
      retry: { baseMs: config.minRetryDelayMs, maxMs: config.maxRetryDelayMs },
      ...(announcer ? { announcer } : {}),
    });
    logger.info(
      {
        policies: source.name,
        queueUrl: config.queueUrl,
        resync: config.resync,
        dryRun: config.dryRun,
        region: clients.region,
        once: config.once,
        state: config.state,
        ...(store ? { replica: config.replicaId } : {}),
      },
      'starting ecs-discovery-controller',
    );
    return config.once
      ? await runOnce(controller, config, logger, io, hooks)
      : await runUntilStopped(controller, config, metrics, logger, hooks);
  } finally {
    // Events of the last reconciles go out before the clients close, but never hold up the stop for long.
    if (announcer)
      await Promise.race([
        announcer.flush(),
        new Promise<void>((resolve) => systemTimers.setTimeout(resolve, EVENTS_FLUSH_TIMEOUT_MS)),
      ]);
    clients.destroy();
    store?.close();
  }
}

async function runOnce(
  controller: Controller,
  config: RunConfig,
  logger: Logger,
  io: CliIo,
  hooks: RunHooks,
): Promise<number> {
  const stopRequested = waitForStop(hooks.stopSignal, logger);
  let stopped = false;
  try {
    const result = await Promise.race([controller.runOnce(), stopRequested.promise]);
    if (typeof result === 'string') {
      // Stopped before the reconcile finished: in-flight writes get --shutdown-timeout, then a clean exit.
      logger.info({ reason: result, timeoutMs: config.shutdownTimeoutMs }, 'stopping before the reconcile finished');
      stopped = true;
      await controller.stop(config.shutdownTimeoutMs);
      logger.info('stopped');
      // The abandoned reconcile's AWS reads cannot be cancelled and would keep a real process alive.
      if (!hooks.stopSignal) systemTimers.setTimeout(() => process.exit(EXIT.ok), 500);
      return EXIT.ok;
    }
    const { plan, outcomes } = result;
    const failed = outcomes.filter((o) => o.result === 'failed');
    io.stdout.write(
      `reconciled revision ${plan.revision}: ${plan.findings.length} finding(s), ` +
        `${outcomes.filter((o) => o.result === 'success').length} action(s) executed, ${failed.length} failed, ` +
        `${plan.actions.filter((a) => a.decision === 'blocked').length} blocked; ${driftSummaryLine(countDrift(controller.currentPlan()))}\n`,
    );
    return failed.length > 0 ? EXIT.failure : EXIT.ok;
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'reconcile failed');
    io.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.failure;
  } finally {
    stopRequested.dispose();
    // Nothing is in flight after runOnce returned: stopping has nothing to wait for or abandon.
    if (!stopped) await controller.stop(0);
  }
}

async function runUntilStopped(
  controller: Controller,
  config: RunConfig,
  metrics: ControllerMetrics,
  logger: Logger,
  hooks: RunHooks,
): Promise<number> {
  const server = await startTelemetryServer({
    address: config.metricsAddr,
    metrics,
    logger,
    readiness: () => controller.readiness(),
    status: () => controller.status(),
    redactStatus: config.statusRedact,
  });
  const stopRequested = waitForStop(hooks.stopSignal, logger);
  let startError: unknown;
  try {
    // Not awaited before listening for signals: a first policy fetch can hang (git, S3) and SIGTERM must still work.
    controller.start().then(
      () => hooks.onStarted?.({ metricsUrl: server.url, controller }),
      (error: unknown) => {
        startError = error;
        logger.error({ err: (error as Error)?.message ?? String(error) }, 'controller failed to start');
        stopRequested.request('start failed');
      },
    );
    const reason = await stopRequested.promise;
    logger.info(
      { reason, timeoutMs: config.shutdownTimeoutMs },
      'stopping: no new events or resyncs; finishing in-flight work',
    );
    const deadline = new Promise<'deadline'>((resolve) => {
      systemTimers.setTimeout(() => resolve('deadline'), config.shutdownTimeoutMs + SHUTDOWN_SLACK_MS);
    });
    const outcome = await Promise.race([controller.stop(config.shutdownTimeoutMs), deadline]);
    const abandoned = outcome === 'deadline' || !outcome.completed;
    if (outcome === 'deadline') logger.warn('shutdown did not finish in time; exiting anyway');
    else if (!outcome.completed)
      logger.warn(
        { abandoned: outcome.abandoned },
        'abandoned in-flight reconciles; the next start reconciles them again',
      );
    logger.info('stopped');
    const code = startError === undefined ? EXIT.ok : EXIT.failure;
    // Abandoned AWS reads, or a first policy fetch still running (a git clone of an unresponsive host),
    // cannot be cancelled and would keep the process alive: once everything else has closed, a real process
    // (not an in-process caller with its own stop signal) exits anyway; the timer does not hold it open.
    if (!hooks.stopSignal) systemTimers.setTimeout(() => process.exit(code), abandoned ? 500 : 1_000);
    return code;
  } finally {
    stopRequested.dispose();
    await server.close().catch(() => undefined);
  }
}

/** Resolves on SIGTERM, SIGINT or the injected signal. */
function waitForStop(
  signal: AbortSignal | undefined,
  logger: Logger,
): { promise: Promise<string>; request(reason: string): void; dispose(): void } {
  let resolveStop: (reason: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => (resolveStop = resolve));
  const onSignal = (name: NodeJS.Signals) => {
    logger.info({ signal: name }, 'received signal');
    resolveStop(name);
  };
  const onAbort = () => resolveStop('stop requested');
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  releaseEarlyStop();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    promise,
    request: (reason) => resolveStop(reason),
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
