/**
 * Two sandboxes, one controller: sandbox A is the controller's own account and region (us-east-1, its SQS
 * queue fed by A's EventBridge rule), sandbox B stands for another account in eu-west-1 that one policy
 * names with target.region and target.roleArn. The injected clientsForTarget factory points that target's
 * clients at sandbox B (in production it would assume the role through STS). Each fleet holds resources
 * named like the other's, so a policy evaluated against the wrong account would find drift there and act.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import type { ReadTarget } from '../../controller/aws/targets.js';
import { Controller } from '../../controller/runtime/controller.js';
import { systemTimers, type Timers } from '../../controller/util/clock.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { DRIFT_LABELS } from '../../controller/plan/drift-summary.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { installEventRouting } from './run-harness.js';
import { manualSchedule, settleController } from './controller-drive.js';
import { policyYaml } from '../fixtures/policy.js';

export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';
export const ROLE_B = `arn:aws:iam::${ACCOUNT_B}:role/discovery-controller`;
/** The ReadTarget key of B (controller/aws/targets.ts targetOf). */
export const TARGET_B = `eu-west-1|${ROLE_B}`;

/**
 * A's drift is orphans only (a Cloud Map service its deleted ECS service left behind, a stale instance):
 * fleet-a deletes and deregisters. A also has beta.local with a TTL of 300 s on a service registered by
 * something else: only fleet-b's scope names beta.local, so A must never see an UpdateService.
 */
export const FLEET_A = {
  name: 'targets-a',
  account: ACCOUNT_A,
  region: 'us-east-1',
  namespaces: [
    { name: 'alpha.local', type: 'DNS_PRIVATE', created: '-90d' },
    { name: 'beta.local', type: 'DNS_PRIVATE', created: '-90d' },
  ],
  clusters: [
    {
      name: 'alpha',
      services: [
        {
          name: 'a-api',
          desiredCount: 2,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'alpha.local', ttl: 10 },
        },
        {
          name: 'a-gone',
          desiredCount: 1,
          created: '-60d',
          registry: { namespace: 'alpha.local', ttl: 10 },
          deleted: true,
        },
      ],
    },
  ],
  cloudMap: {
    services: [
      {
        namespace: 'beta.local',
        name: 'b-lookalike',
        ttl: 300,
        created: '-300d',
        instances: [
          { id: 'i-0aaaaaaaaaaaaaaa1', registeredBy: 'other', attributes: { AWS_INSTANCE_IPV4: '10.1.0.7' } },
        ],
      },
    ],
  },
  drift: [{ kind: 'stale-instance', cluster: 'alpha', ecsService: 'a-api' }],
};

/**
 * B's drift is TTLs only (fleet-b lowers them). B also has alpha.local with an orphaned Cloud Map service:
 * only fleet-a's scope names alpha.local, and fleet-a is A's, so it must survive.
 */
export const FLEET_B = {
  name: 'targets-b',
  account: ACCOUNT_B,
  region: 'eu-west-1',
  namespaces: [
    { name: 'beta.local', type: 'DNS_PRIVATE', created: '-90d' },
    { name: 'alpha.local', type: 'DNS_PRIVATE', created: '-90d' },
  ],
  clusters: [
    {
      name: 'beta',
      services: [
        {
          name: 'b-api',
          desiredCount: 2,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'beta.local', ttl: 60 },
        },
        {
          name: 'b-web',
          desiredCount: 1,
          created: '-20d',
          deployed: '-2d',
          registry: { namespace: 'beta.local', ttl: 120 },
        },
      ],
    },
  ],
  cloudMap: { services: [{ namespace: 'alpha.local', name: 'stray', ttl: 10, created: '-100d' }] },
};

/** An enforcing policy over one target's cluster and namespace; `gracePeriod` of its orphan rule. */
function targetPolicy(name: string, target: Record<string, unknown>, gracePeriod = '15m'): string {
  return policyYaml({
    name,
    mode: 'enforce',
    target,
    rules: { cloudMapOrphans: { gracePeriod }, dnsTtl: { max: '10s', set: '10s' } },
  });
}

const SCOPE_A = { clusters: ['alpha'], namespaces: ['alpha.local'] };
const SCOPE_B = { region: 'eu-west-1', roleArn: ROLE_B, clusters: ['beta'], namespaces: ['beta.local'] };
/** fleet-a: the controller's own account and region. */
export const POLICY_A = targetPolicy('fleet-a', SCOPE_A);
/** fleet-a without a grace period. */
export const POLICY_A_NO_GRACE = targetPolicy('fleet-a', SCOPE_A, '0s');
/** fleet-b: the other account, in eu-west-1. */
export const POLICY_B = targetPolicy('fleet-b', SCOPE_B);

export interface TwoTargetHarness {
  a: Sandbox;
  b: Sandbox;
  clients: AwsClients;
  controller: Controller;
  metrics: ControllerMetrics;
  policyDir: string;
  /** Targets the factory was asked for, how many of its clients were destroyed, how many more times it throws. */
  factory: { targets: ReadTarget[]; destroyed: number; failuresLeft: number };
  tick(): void;
  /** Moves both sandboxes' virtual clocks (and so the controller's) forward together. */
  advance(ms: number): void;
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts both sandboxes and the controller with fleet-a and fleet-b (or `policies`: file name -> text). */
export async function startTwoTargets(
  options: {
    policies?: Record<string, string>;
    policyPollIntervalMs?: number;
    /** Runs before the controller starts (e.g. to inject faults). */
    prepare?: (sandboxes: { a: Sandbox; b: Sandbox }) => void;
    /** The clients factory throws this many times first (as a broken credential setup would). */
    factoryFailures?: number;
    /** --allowed-accounts (default both accounts). */
    allowedAccounts?: string[];
  } = {},
): Promise<TwoTargetHarness> {
  const a = await startSandbox({ port: 0, scenario: FLEET_A });
  const b = await startSandbox({ port: 0, scenario: FLEET_B });
  options.prepare?.({ a, b });
  Object.assign(process.env, a.env());
  const metrics = new ControllerMetrics({ defaultMetrics: false, driftLabels: DRIFT_LABELS });
  const clients = createAwsClients({ region: a.region, endpoint: a.url, maxAttempts: 3, onApiCall: metrics.onApiCall });
  const queueUrl = await installEventRouting(clients);
  const policyDir = mkdtempSync(join(tmpdir(), 'run-targets-'));
  for (const [file, text] of Object.entries(options.policies ?? { 'a.yaml': POLICY_A, 'b.yaml': POLICY_B }))
    writeFileSync(join(policyDir, file), text);
  const factory = { targets: [] as ReadTarget[], destroyed: 0, failuresLeft: options.factoryFailures ?? 0 };
  const timers: Timers = { ...systemTimers, now: () => a.clock.now() };
  const schedule = manualSchedule();
  const controller = new Controller({
    source: new DirectorySource(policyDir),
    allowed: { clusters: [], namespaces: [], accounts: options.allowedAccounts ?? [ACCOUNT_A, ACCOUNT_B] },
    clients,
    clientsForTarget: (target) => {
      factory.targets.push(target);
      if (factory.failuresLeft > 0) {
        factory.failuresLeft -= 1;
        throw new Error('no credentials configured for this role (injected)');
      }
      if (target.key !== TARGET_B) throw new Error(`the test has no sandbox for target ${target.key}`);
      const made = createAwsClients({
        region: target.region,
        endpoint: b.url,
        maxAttempts: 3,
        onApiCall: metrics.onApiCall,
      });
      const destroy = made.destroy.bind(made);
      made.destroy = () => {
        factory.destroyed += 1;
        destroy();
      };
      return made;
    },
    logger: silentLogger(),
    metrics,
    dryRun: false,
    resync: '*/10 * * * *',
    queueUrl,
    policyPollIntervalMs: options.policyPollIntervalMs ?? 60 * 60_000,
    debounceMs: 50,
    retry: { baseMs: 200, maxMs: 1_000 },
    timers,
    eventWaitSeconds: 1,
    scheduler: schedule.scheduler,
  });
  await controller.start();
  return {
    a,
    b,
    clients,
    controller,
    metrics,
    policyDir,
    factory,
    tick: schedule.tick,
    advance(ms) {
      a.advance(ms);
      b.advance(ms);
    },
    settle: () => settleController(controller),
    async close() {
      await controller.stop(5_000);
      clients.destroy();
      await Promise.all([a.close(), b.close()]);
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}

/** Highest TTL of the named Cloud Map service in a sandbox's ground truth (undefined once it is gone). */
export function ttlOf(sandbox: Sandbox, name: string): number | undefined {
  const service = sandbox.cloudMap.services().find((s) => s.name === name);
  return service ? sandbox.truth().ttlByService[service.id] : undefined;
}

/** Names of a sandbox's Cloud Map services, sorted. */
export function cloudMapNames(sandbox: Sandbox): string[] {
  return sandbox.cloudMap
    .services()
    .map((s) => s.name)
    .sort();
}
