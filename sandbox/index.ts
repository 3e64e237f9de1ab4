/**
 * startSandbox: the embedded AWS emulator (ECS, Cloud Map, SQS, EventBridge, Application Auto Scaling) on one local endpoint, with the
 * /_sandbox/ control API (virtual clock, faults, drift, ground truth, call counters) and an optional scenario.
 */
import { startAwsServer } from './core/server.js';
import { VirtualClock } from './core/clock.js';
import { CallCounter } from './core/calls.js';
import { FaultInjector } from './core/faults.js';
import { QuotaLimiter, type QuotaSpec } from './core/quotas.js';
import type { EventBridgeEvent, SandboxContext } from './core/types.js';
import { createCloudMap, type CloudMapEmulator } from './cloudmap/index.js';
import { createSqs, type SqsEmulator } from './sqs/index.js';
import { createEventBridge, type EventBridgeEmulator } from './eventbridge/index.js';
import { createEcs, type EcsEmulator } from './ecs/index.js';
import { createAutoScaling, type AutoScalingEmulator } from './autoscaling/index.js';
import { createDynamoDb, ensureStateTable } from './dynamodb/index.js';
import { createCloudTrail, type CloudTrailEmulator } from './cloudtrail/index.js';
import { createDeletionAuditor } from './truth/auditor.js';
import { computeTruth, type SandboxTruth } from './truth/truth.js';
import { createControlHandler } from './control/api.js';
import { injectDrift, type DriftRequest } from './control/drift.js';
import { loadScenario, readScenario } from './scenario/load.js';
import type { Scenario } from './scenario/schema.js';

export type { SandboxTruth } from './truth/truth.js';
export type { Scenario } from './scenario/schema.js';
export { ScenarioError } from './scenario/schema.js';

export interface SandboxOptions {
  /** 0 picks a free port; default 4566. */
  port?: number;
  host?: string;
  /** A scenario file path (YAML/JSON) or an already parsed scenario document. */
  scenario?: string | object;
  /** Randomness for ids and fault rates (tests pass a seeded one). */
  random?: () => number;
  account?: string;
  region?: string;
  /** Virtual time a new task stays PENDING (default 1 s; the tick makes it real time too). */
  taskStartDelayMs?: number;
  /** Virtual time a deleted ECS service stays DRAINING before it is INACTIVE (default 2 s). */
  drainMs?: number;
  /** Virtual time a stopping task takes through DEACTIVATING, STOPPING and DEPROVISIONING to STOPPED (default 0). */
  taskStopDelayMs?: number;
  /** Real-time interval of the scheduler tick that moves deployments forward (default 200 ms). */
  tickMs?: number;
  /** Creates this DynamoDB table for the controller's state store (`--state dynamodb://TABLE`). */
  stateTable?: string;
  /** Quota mode from the start: a token bucket per service (also POST /_sandbox/quotas). */
  quotas?: QuotaSpec[];
}

export interface Sandbox {
  url: string;
  port: number;
  region: string;
  account: string;
  clock: VirtualClock;
  calls: CallCounter;
  faults: FaultInjector;
  /** Quota mode: token buckets per service, throttling when empty (sandbox/core/quotas.ts). */
  quotas: QuotaLimiter;
  ecs: EcsEmulator;
  cloudMap: CloudMapEmulator;
  sqs: SqsEmulator;
  eventBridge: EventBridgeEmulator;
  autoScaling: AutoScalingEmulator;
  cloudTrail: CloudTrailEmulator;
  scenario?: Scenario;
  /** The drift that really exists now (what GET /_sandbox/truth returns). */
  truth(): SandboxTruth;
  /** Moves the virtual clock forward and lets deployments progress. */
  advance(ms: number): void;
  drift(request: DriftRequest): Record<string, unknown>;
  /** Environment for SDK clients (and the controller) to use this sandbox. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the sandbox; resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const scenario = options.scenario === undefined ? undefined : readScenario(options.scenario);
  const random = options.random ?? Math.random;
  const clock = new VirtualClock();
  let eventBridge: EventBridgeEmulator | undefined;
  const ctx: SandboxContext = {
    clock,
    account: options.account ?? scenario?.account ?? '123456789012',
    region: options.region ?? scenario?.region ?? 'us-east-1',
    // ECS is built before EventBridge exists in this function; route through the late-bound bus.
    events: { publish: (event: EventBridgeEvent) => eventBridge?.publish(event) },
  };
  let url = '';
  const faults = new FaultInjector(random);
  const quotas = new QuotaLimiter();
  for (const quota of options.quotas ?? []) quotas.set(quota);
  const cloudTrail = createCloudTrail(ctx);
  ctx.trail = cloudTrail;
  const cloudMap = createCloudMap(ctx, {
    operationFailure: (operation, body) => faults.operationFailure(operation, body),
  });
  const sqs = createSqs(ctx, { endpointUrl: () => url });
  eventBridge = createEventBridge(ctx, sqs);
  const ecs = createEcs(ctx, cloudMap, {
    random,
    taskStartDelayMs: options.taskStartDelayMs,
    drainMs: options.drainMs,
    taskStopDelayMs: options.taskStopDelayMs,
  });
  cloudMap.setDeletionAuditor(createDeletionAuditor(ecs.state, cloudMap));
  const autoScaling = createAutoScaling(
    ctx,
    (cluster, service) => ecs.state.findCluster(cluster)?.services.get(service)?.status === 'ACTIVE',
  );
  if (scenario) loadScenario({ ecs: ecs.state, cloudMap, autoScaling }, scenario);
  const resolveGraceMs = scenario?.resolveGraceMs ?? 0;
  const calls = new CallCounter();
  const truth = () => {
    ecs.settle();
    return computeTruth(ecs.state, cloudMap, {
      resolveGraceMs,
      maxCapacity: autoScaling.ecsMaxCapacity,
      ecsUsed: () => cloudTrail.ecsRegisteredServices(),
    });
  };
  const dynamoDb = createDynamoDb();
  const server = await startAwsServer({
    services: [
      ecs.service,
      cloudMap.service,
      sqs.service,
      eventBridge.service,
      autoScaling.service,
      cloudTrail.service,
    ],
    rawServices: [dynamoDb.service],
    calls,
    faults,
    quotas,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 4566,
    now: () => clock.now(),
    control: createControlHandler({
      clock,
      faults,
      quotas,
      calls,
      ecs,
      cloudMap,
      truth,
      info: () => ({ url, region: ctx.region, account: ctx.account, scenario: scenario?.name }),
    }),
  });
  url = server.url;
  if (options.stateTable) await ensureStateTable({ endpoint: url, region: ctx.region, table: options.stateTable });
  // Deployments progress in (virtual) time even when nobody calls ECS, so events reach SQS on their own.
  const tick = setInterval(() => ecs.settle(), options.tickMs ?? 200);
  tick.unref();
  // AWS_DEFAULT_REGION too: the AWS CLI v1 (botocore) reads only that one; the SDKs and CLI v2 read AWS_REGION.
  const env = () => ({
    AWS_ENDPOINT_URL: url,
    AWS_REGION: ctx.region,
    AWS_DEFAULT_REGION: ctx.region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
  return {
    url,
    port: server.port,
    region: ctx.region,
    account: ctx.account,
    clock,
    calls,
    faults,
    quotas,
    ecs,
    cloudMap,
    sqs,
    eventBridge,
    autoScaling,
    cloudTrail,
    scenario,
    truth,
    advance(ms) {
      clock.advance(ms);
      ecs.settle();
    },
    drift: (request) => injectDrift(ecs.state, cloudMap, request),
    env,
    async close() {
      clearInterval(tick);
      // Long polls would otherwise hold their connections (and the process) until they time out.
      sqs.close();
      await server.close();
      await dynamoDb.close();
    },
  };
}
