/**
 * The `run` harness of run-harness.ts with the AWS client settings of the real `run` command (5 attempts,
 * adaptive retries): under injected faults the number of attempts decides whether a read fails, so the
 * reliability tests use what production uses rather than the harness's 3 attempts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Controller } from '../../controller/runtime/controller.js';
import { systemTimers, type Timers } from '../../controller/runtime/timers.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import type { AwsClients } from '../../controller/aws/clients.js';
import type { FaultSpec } from '../../sandbox/core/faults.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { FLEET, installEventRouting } from './run-harness.js';

/** What the reliability tests drive: sandbox, controller, and the resync and clock in the test's hands. */
export interface ReliabilityHarness {
  sandbox: Sandbox;
  clients: AwsClients;
  controller: Controller;
  metrics: ControllerMetrics;
  queueUrl: string;
  /** Fires the resync schedule once. */
  tick(): void;
  /** Moves the sandbox's virtual clock (and so the controller's) forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface ReliabilityHarnessOptions {
  policyText: string;
  scenario?: object;
  /** Attempts per AWS call, as the SDK counts them (default 5, what `run` uses). */
  maxAttempts?: number;
  /** Faults injected before the controller starts (the sandbox's FaultSpec). */
  faults?: FaultSpec[];
  start?: boolean;
}

/** Starts sandbox, event routing and an in-process Controller on the sandbox's virtual clock. */
export async function startReliabilityHarness(options: ReliabilityHarnessOptions): Promise<ReliabilityHarness> {
  const sandbox = await startSandbox({ port: 0, scenario: options.scenario ?? FLEET });
  Object.assign(process.env, sandbox.env());
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url, maxAttempts: options.maxAttempts ?? 5, onApiCall: metrics.onApiCall });
  const queueUrl = await installEventRouting(clients);
  for (const fault of options.faults ?? []) sandbox.faults.add(fault);
  const policyDir = mkdtempSync(join(tmpdir(), 'reliability-policies-'));
  writeFileSync(join(policyDir, 'fleet.yaml'), options.policyText);
  const timers: Timers = { ...systemTimers, now: () => sandbox.clock.now() };
  let onTick: (() => void) | undefined;
  const controller = new Controller({
    source: new DirectorySource(policyDir),
    allowed: { clusters: [], namespaces: [], accounts: [] },
    clients,
    logger: silentLogger(),
    metrics,
    dryRun: false,
    resync: '*/10 * * * *',
    queueUrl,
    policyPollIntervalMs: 60 * 60_000,
    debounceMs: 50,
    timers,
    eventWaitSeconds: 1,
    // The test fires the resync (tick()), never wall time.
    scheduler: (_expression, tick) => {
      onTick = tick;
      return { stop: () => (onTick = undefined) };
    },
  });
  if (options.start ?? true) await controller.start();
  return {
    sandbox,
    clients,
    controller,
    metrics,
    queueUrl,
    tick: () => onTick?.(),
    advance: (ms) => sandbox.advance(ms),
    async close() {
      sandbox.faults.clear();
      await controller.stop(5_000);
      clients.destroy();
      await sandbox.close();
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}
