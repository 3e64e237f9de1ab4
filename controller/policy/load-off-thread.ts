/**
 * Loading a revision off the event loop. Parsing, schema checks, glob automata and the pairwise overlap check
 * are CPU work a hostile file can make slow (the review stalled /healthz for 21 s with 1.2 KB, and a stalled
 * /healthz means the orchestrator restarts the task in a loop). Here the work runs in a worker thread with a
 * time limit: the event loop keeps answering /healthz, reconciles and events, and a revision that takes longer
 * than POLICY_LOAD_TIMEOUT_MS is refused like any invalid revision (the last good set stays in force).
 */
import { Worker } from 'node:worker_threads';
import { DEFAULT_LIMITS } from '../limits/limits.js';
import type { FetchResult } from '../sources/types.js';
import { REVISION_FILE, type LoadOptions } from './load.js';
import type { PolicyProblem, PolicySet } from './types.js';

/** Same answer as loadPolicySet, computed in a worker thread and bounded by `limits.policyLoadTimeoutMs`. */
export async function loadPolicySetOffThread(result: FetchResult, options: LoadOptions): Promise<{ set?: PolicySet; problems: PolicyProblem[] }> {
  const timeoutMs = options.limits?.policyLoadTimeoutMs ?? DEFAULT_LIMITS.policyLoadTimeoutMs;
  const worker = new Worker(workerEntry(), { workerData: { result, options }, ...workerExecArgv() });
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await new Promise<{ set?: PolicySet; problems: PolicyProblem[] }>((resolve, reject) => {
      timer = setTimeout(() => resolve({ problems: [timedOut(timeoutMs)] }), timeoutMs);
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the policy loader thread exited (code ${code}) without an answer`)));
    });
    // Structured cloning returns plain data: freeze it again, as loadPolicySet does, so no consumer changes it.
    return outcome.set ? { set: deepFreeze(outcome.set), problems: outcome.problems } : outcome;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

function timedOut(timeoutMs: number): PolicyProblem {
  return {
    file: REVISION_FILE, line: 0, column: 0, path: '', severity: 'error',
    message: `loading the revision took longer than the operator's limit of ${timeoutMs} ms (POLICY_LOAD_TIMEOUT_MS) and was stopped; ` +
      'simplify the target patterns (fewer {a,b} groups and wildcards) or split the policies',
  };
}

/** The worker's module: the compiled .js beside this file, or the .ts source when running under tsx. */
function workerEntry(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './load-worker.ts' : './load-worker.js', import.meta.url);
}

/**
 * A TypeScript worker needs the tsx loader even when the parent registered it programmatically (bin/); only that
 * flag is passed (a parent's own flags may be ones a worker refuses). Compiled code inherits the defaults.
 */
function workerExecArgv(): { execArgv?: string[] } {
  return import.meta.url.endsWith('.ts') ? { execArgv: ['--import', import.meta.resolve('tsx')] } : {};
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
