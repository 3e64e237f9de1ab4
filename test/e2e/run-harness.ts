/**
 * Shared set-up of the `run` end-to-end tests: a sandbox with a small fleet holding every kind of drift, an
 * EventBridge rule routing ECS events to an SQS queue (as install-events would set it up), a policy
 * directory, and a Controller in this process whose clock is the sandbox's virtual clock, so grace periods
 * pass by advancing it. The resync schedule is driven by the test (`tick()`), never by wall time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import type { AllowedScopes } from '../../controller/policy/types.js';
import { Controller } from '../../controller/runtime/controller.js';
import type { Timers } from '../../controller/util/clock.js';
import { systemTimers } from '../../controller/util/clock.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { DRIFT_LABELS } from '../../controller/plan/drift-summary.js';
import type { FaultSpec } from '../../sandbox/core/faults.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { policyYaml as policyDocument, type PolicyYamlOptions } from '../fixtures/policy.js';
import { waitFor } from '../support/wait.js';
import { DiscoveryAnnouncer } from '../../controller/publish/announcer.js';
import { EventPublisher } from '../../controller/publish/publisher.js';
import { registerPublishMetrics } from '../../controller/telemetry/publish-metrics.js';
import { manualSchedule, settleController } from './controller-drive.js';

/** A fleet with each drift kind and the resources that must survive. */
export const FLEET = {
  name: 'run-e2e',
  account: '123456789012',
  region: 'us-east-1',
  resolveGrace: '0s',
  namespaces: [
    { name: 'shop.local', type: 'HTTP', created: '-30d' },
    { name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' },
  ],
  clusters: [
    {
      name: 'prod',
      services: [
        // Service Connect: web started before recommendations joined (a broken pair).
        { name: 'web', desiredCount: 2, created: '-9h', serviceConnect: { namespace: 'shop.local' } },
        {
          name: 'orders',
          desiredCount: 1,
          created: '-9h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['orders'] },
        },
        {
          name: 'recommendations',
          desiredCount: 1,
          created: '-2h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['recommendations'] },
        },
        // Classic service discovery.
        {
          name: 'payments-api',
          desiredCount: 2,
          created: '-20d',
          deployed: '-3d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
        },
        {
          name: 'search',
          desiredCount: 2,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'internal.example.com', ttl: 300 },
        },
        {
          name: 'ledger',
          desiredCount: 2,
          created: '-10d',
          deployed: '-1d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
        },
        {
          name: 'reports',
          desiredCount: 1,
          created: '-60d',
          registry: { namespace: 'internal.example.com', ttl: 10 },
          deleted: true,
        },
      ],
    },
  ],
  cloudMap: {
    services: [
      {
        namespace: 'internal.example.com',
        name: 'billing-legacy',
        ttl: 10,
        created: '-400d',
        instances: [
          { id: 'i-0a1b2c3d4e5f60718', registeredBy: 'other', attributes: { AWS_INSTANCE_IPV4: '10.20.4.17' } },
        ],
      },
      {
        namespace: 'internal.example.com',
        name: 'partner-gateway',
        ttl: 10,
        created: '-200d',
        tags: { 'discovery-controller/protect': 'true' },
      },
      { namespace: 'internal.example.com', name: 'old-batch', ttl: 10, created: '-120d' },
    ],
  },
  drift: [{ kind: 'stale-instance', cluster: 'prod', ecsService: 'ledger' }],
};

/**
 * The policy over the whole fleet (cluster prod, both namespaces, every rule); `overrides` replaces document
 * fields, and each rule it names replaces that rule's block.
 */
export function policyYaml(mode: 'audit' | 'enforce', gracePeriod = '15m', overrides: PolicyYamlOptions = {}): string {
  return policyDocument({
    name: 'fleet',
    mode,
    target: { clusters: ['prod'], namespaces: ['shop.local', 'internal.example.com'] },
    ...overrides,
    rules: {
      serviceConnectRefresh: { staleAfter: '0s', maxConcurrent: 5, cooldown: '6h' },
      cloudMapOrphans: { gracePeriod },
      dnsTtl: { max: '10s', set: '10s' },
      taskLimit: { warnAt: 900 },
      ...overrides.rules,
    },
  });
}

export interface Harness {
  sandbox: Sandbox;
  clients: AwsClients;
  controller: Controller;
  metrics: ControllerMetrics;
  queueUrl: string;
  policyDir: string;
  /** With `eventsBus`: the controller's event announcer (flush() waits for the events sent so far). */
  announcer?: DiscoveryAnnouncer;
  /** Fires the resync schedule once. */
  tick(): void;
  /** Moves the sandbox's virtual clock (and so the controller's) forward. */
  advance(ms: number): void;
  /** Waits until the work queue is idle; fails (instead of hanging the file) after 20 s. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the queue and the rule that sends every ECS event to it. */
export async function installEventRouting(clients: AwsClients, queueName = 'discovery-events'): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.eventBridge.send(
    new PutRuleCommand({
      Name: 'ecs-discovery-controller',
      EventPattern: JSON.stringify({ source: ['aws.ecs'] }),
      State: 'ENABLED',
    }),
  );
  await clients.eventBridge.send(
    new PutTargetsCommand({ Rule: 'ecs-discovery-controller', Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }),
  );
  return QueueUrl!;
}

/** Starts sandbox and controller; the controller is started (first reconcile queued) unless `start` is false. */
export async function startHarness(options: {
  mode: 'audit' | 'enforce';
  gracePeriod?: string;
  dryRun?: boolean;
  resync?: string;
  start?: boolean;
  scenario?: object;
  policyPollIntervalMs?: number;
  /** Policy file content instead of the generated policy. */
  policyText?: string;
  /** Attempts per AWS call as the SDK counts them (default 3; `run` uses 5). */
  maxAttempts?: number;
  /** Faults injected before the controller starts (cleared on close). */
  faults?: FaultSpec[];
  /** How far the controller's own clock is ahead of the sandbox's (negative: behind); AWS's time is the sandbox's. */
  clockSkewMs?: number;
  /** The operator's allowed scopes and bounds (default: none). */
  allowed?: AllowedScopes;
  /** Publish the controller's own events to this EventBridge bus (--events-bus). */
  eventsBus?: string;
}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, scenario: options.scenario ?? FLEET });
  Object.assign(process.env, sandbox.env());
  const metrics = new ControllerMetrics({ defaultMetrics: false, driftLabels: DRIFT_LABELS });
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: options.maxAttempts ?? 3,
    onApiCall: metrics.onApiCall,
  });
  const queueUrl = await installEventRouting(clients);
  for (const fault of options.faults ?? []) sandbox.faults.add(fault);
  const policyDir = mkdtempSync(join(tmpdir(), 'run-e2e-policies-'));
  writeFileSync(join(policyDir, 'fleet.yaml'), options.policyText ?? policyYaml(options.mode, options.gracePeriod));
  const skew = options.clockSkewMs ?? 0;
  const timers: Timers = { ...systemTimers, now: () => sandbox.clock.now() + skew };
  const schedule = manualSchedule();
  const announcer = options.eventsBus
    ? new DiscoveryAnnouncer(
        new EventPublisher(clients.eventBridge, {
          busName: options.eventsBus,
          logger: silentLogger(),
          counters: registerPublishMetrics(metrics.registry),
        }),
        silentLogger(),
      )
    : undefined;
  const controller = new Controller({
    source: new DirectorySource(policyDir),
    allowed: options.allowed ?? { clusters: [], namespaces: [], accounts: [] },
    clients,
    logger: silentLogger(),
    metrics,
    dryRun: options.dryRun ?? false,
    resync: options.resync ?? '*/10 * * * *',
    queueUrl,
    policyPollIntervalMs: options.policyPollIntervalMs ?? 60 * 60_000,
    debounceMs: 50,
    timers,
    eventWaitSeconds: 1,
    scheduler: schedule.scheduler,
    ...(announcer ? { announcer } : {}),
  });
  if (options.start ?? true) await controller.start();
  return {
    sandbox,
    clients,
    controller,
    metrics,
    queueUrl,
    policyDir,
    ...(announcer ? { announcer } : {}),
    tick: schedule.tick,
    advance: (ms) => sandbox.advance(ms),
    settle: () => settleController(controller),
    async close() {
      sandbox.faults.clear();
      await controller.stop(5_000);
      clients.destroy();
      await sandbox.close();
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}

/** Polls a condition the system makes true asynchronously; fails with `what` instead of hanging. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  attempts = 200,
): Promise<T> {
  let last: T | undefined;
  try {
    // `attempts` looks 50 ms apart; the time limit leaves room for slow probes, as the attempt count did.
    await waitFor(async () => accept((last = await probe())), { what, timeoutMs: attempts * 100, intervalMs: 50 });
  } catch {
    throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
  }
  return last as T;
}

/** Counts of AWS write calls the sandbox received. */
export function writeCalls(sandbox: Sandbox): Record<string, number> {
  const snapshot = sandbox.calls.snapshot() as Record<string, number>;
  const writes = [
    'ecs:UpdateService',
    'servicediscovery:DeleteService',
    'servicediscovery:DeregisterInstance',
    'servicediscovery:UpdateService',
  ];
  return Object.fromEntries(writes.map((w) => [w, snapshot[w] ?? 0]));
}
