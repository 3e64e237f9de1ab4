/**
 * The `run` harness of run-harness.ts with the AWS client settings of the real `run` command (5 attempts,
 * adaptive retries): under injected faults the number of attempts decides whether a read fails, so the
 * reliability tests use what production uses rather than the harness's 3 attempts.
 */
import type { FaultSpec } from '../../sandbox/core/faults.js';
import { startHarness, type Harness } from './run-harness.js';

/** What the reliability tests drive: sandbox, controller, and the resync and clock in the test's hands. */
export type ReliabilityHarness = Harness;

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
export function startReliabilityHarness(options: ReliabilityHarnessOptions): Promise<ReliabilityHarness> {
  return startHarness({ mode: 'enforce', ...options, maxAttempts: options.maxAttempts ?? 5 });
}
