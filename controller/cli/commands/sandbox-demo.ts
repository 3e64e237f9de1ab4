/**
 * The demo `npm start` runs: the controller, in enforce mode with a fast resync, against the sandbox's demo
 * fleet, with events flowing ECS -> EventBridge -> SQS as in AWS. It tells in plain words what drift it
 * found and what it fixed, then keeps running (metrics, /status) until stopped.
 */
import { GetQueueAttributesCommand, CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { Sandbox } from '../../../sandbox/index.js';
import { ensureStateTable } from '../../../sandbox/dynamodb/index.js';
import { createStateStore } from '../../state/resolve.js';
import { createAwsClients } from '../../aws/clients.js';
import { installEvents } from '../../install/install-events.js';
import { countDrift, driftSummaryLine } from '../../plan/states.js';
import type { Finding } from '../../model/findings.js';
import { Controller } from '../../runtime/controller.js';
import { monotonicClock, sleepUnlessAborted, systemTimers, type Timers } from '../../util/clock.js';
import { createPolicySource } from '../../sources/resolve.js';
import { createLogger } from '../../telemetry/logger.js';
import { ControllerMetrics } from '../../telemetry/metrics.js';
import { DRIFT_LABELS } from '../../plan/drift-summary.js';
import { startTelemetryServer } from '../../telemetry/server.js';
import { describeAction, describeFleet, isClean, type DemoTruth } from '../../demo/narrate.js';

export interface DemoOptions {
  sandbox: Sandbox;
  /** Policy directory or URL (the demo policies by default). */
  policies: string;
  metricsAddr: string;
  /** Resync schedule; seconds-field cron so the demo moves fast. */
  resync: string;
  out: NodeJS.WritableStream;
  /** Where the controller's JSON logs go (warnings and errors by default, LOG_LEVEL to see more). */
  logs: NodeJS.WritableStream;
  logLevel: string;
  stop: AbortSignal;
}

const MAX_TTL_SECONDS = 10;
const QUEUE_NAME = 'ecs-discovery-controller-events';
/** The demo keeps its state as production does: a DynamoDB table (the sandbox's), created as Terraform would. */
const STATE_TABLE = 'ecs-discovery-controller-state';

/** Runs the demo until `stop` aborts; returns the exit code. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { sandbox, out } = options;
  // Real elapsed time of the demo (the sandbox's virtual clock runs ahead of it).
  const started = monotonicClock.now();
  const say = (line: string) =>
    out.write(`[demo +${String(Math.round((monotonicClock.now() - started) / 1000)).padStart(3)}s] ${line}\n`);
  const logger = createLogger({ level: options.logLevel, destination: options.logs as never });
  const metrics = new ControllerMetrics({ driftLabels: DRIFT_LABELS });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    onApiCall: metrics.onApiCall,
  });
  // The controller's clock follows the sandbox's virtual clock, as it follows AWS's timestamps in production.
  const timers: Timers = { ...systemTimers, now: () => sandbox.clock.now() };
  let server: Awaited<ReturnType<typeof startTelemetryServer>> | undefined;
  let controller: Controller | undefined;
  const store = createStateStore(`dynamodb://${STATE_TABLE}`, {
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    onApiCall: metrics.onApiCall,
  });
  try {
    await ensureStateTable({ endpoint: sandbox.url, region: sandbox.region, table: STATE_TABLE });
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: QUEUE_NAME }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await installEvents(clients, {
      queueArn: Attributes!.QueueArn!,
      namePrefix: 'ecs-discovery-controller',
      setQueuePolicy: true,
      dryRun: false,
    });

    const names = new Map(sandbox.cloudMap.services().map((s) => [s.id, s.name]));
    say('The demo fleet (sandbox/scenarios/demo.yaml) has this drift:');
    for (const line of describeFleet(sandbox.truth() as DemoTruth, MAX_TTL_SECONDS, names))
      out.write(`           - ${line}\n`);
    say(
      "And things the controller must never touch: a manual EC2 registration (billing-legacy), a protected service (partner-gateway) and Service Connect's own Cloud Map services.",
    );

    controller = new Controller({
      source: createPolicySource(options.policies, { env: process.env }),
      allowed: { clusters: [], namespaces: [], accounts: [] },
      clients,
      logger,
      metrics,
      dryRun: false,
      resync: options.resync,
      queueUrl: QueueUrl,
      policyPollIntervalMs: 10_000,
      debounceMs: 100,
      eventWaitSeconds: 2,
      timers,
      state: { store, replicaId: 'demo', leaseDurationMs: 10_000 },
    });
    try {
      server = await startTelemetryServer({
        address: options.metricsAddr,
        metrics,
        logger,
        readiness: () => controller!.readiness(),
        status: () => controller!.status(),
      });
      say(
        `Controller starting in enforce mode with ${options.policies}. Metrics: ${server.url}/metrics, status: ${server.url}/status`,
      );
    } catch (error) {
      say(
        `Controller starting (no metrics endpoint: ${(error as Error).message}; pass --metrics-addr 127.0.0.1:0 for a free port)`,
      );
    }
    await controller.start();
    await narrate(controller, sandbox, say, options.stop);
    return 0;
  } finally {
    await controller?.stop(5_000);
    await server?.close().catch(() => undefined);
    clients.destroy();
    store.close();
  }
}

/** Prints each action and each wait once, then the outcome, while the controller works. */
async function narrate(
  controller: Controller,
  sandbox: Sandbox,
  say: (line: string) => void,
  stop: AbortSignal,
): Promise<void> {
  const seenActions = new Set<string>();
  const seenWaits = new Set<string>();
  const findings = new Map<string, Finding>();
  let done = false;
  while (!stop.aborted) {
    const plan = controller.plan();
    for (const f of plan?.findings ?? []) findings.set(f.key, f);
    for (const planned of plan?.actions ?? []) {
      if (planned.decision !== 'blocked' || planned.blockedBy !== 'grace-period' || seenWaits.has(planned.finding.key))
        continue;
      seenWaits.add(planned.finding.key);
      say(
        `Waiting out the grace period before touching ${describeTarget(planned.finding)} (${planned.detail ?? 'must stay orphaned a while first'}).`,
      );
    }
    for (const action of [...controller.status().recentActions].reverse()) {
      const id = `${action.at}|${action.findingKey}|${action.action}`;
      if (seenActions.has(id)) continue;
      seenActions.add(id);
      const line = describeAction(action, findings.get(action.findingKey));
      if (line) say(line);
    }
    const truth = sandbox.truth() as DemoTruth;
    // Done when the emulator's truth is clean and the controller agrees (its /status, /metrics and plan
    // count no actionable drift), so the last line never contradicts another signal.
    const drift = countDrift(controller.currentPlan());
    if (!done && isClean(truth, MAX_TTL_SECONDS) && drift.actionable === 0) {
      done = true;
      const wrong = truth.wronglyDeleted.length;
      say(
        `All drift fixed. ${wrong === 0 ? 'Nothing in use was deleted' : `${wrong} resource(s) were deleted wrongly!`}: billing-legacy and its EC2 registration, partner-gateway (protected, TTL left as it is) and the Service Connect services are still there.`,
      );
      say(
        'The controller keeps running (events and resync). Try: curl -s ' +
          sandbox.url +
          '/_sandbox/truth | head -c 600; Ctrl+C to stop.',
      );
      say(
        `Drift now, as /status, /metrics (ecs_discovery_drift_resources{state}) and plan report it: ${driftSummaryLine(drift)}.`,
      );
    }
    await sleepUnlessAborted(500, stop);
  }
}

function describeTarget(finding: Finding): string {
  const r = finding.resource;
  if (r.kind === 'cloudmap-service') return `Cloud Map service ${r.name}`;
  if (r.kind === 'cloudmap-instance') return `instance ${r.instanceId} of ${r.serviceName}`;
  if (r.kind === 'cloudmap-namespace') return `Cloud Map namespace ${r.name}`;
  return `${r.cluster}/${r.name}`;
}
