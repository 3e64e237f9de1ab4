/**
 * Loading a revision off the event loop. Parsing, schema checks, glob automata and the pairwise overlap check
 * are CPU work a hostile file can make slow (the review stalled /healthz for 21 s with 1.2 KB, and a stalled
 * /healthz means the orchestrator restarts the task in a loop). Here the work runs in a worker thread with a
 * time limit: the event loop keeps answering /healthz, reconciles and events, and a revision that takes longer
 * than POLICY_LOAD_TIMEOUT_MS is refused like any invalid revision (the last good set stays in force).
 * One thread is kept for every load (starting one costs more than a typical load); a load past its time limit
 * takes the thread down with it, and the next load starts a fresh one.
 */
import { Worker } from 'node:worker_threads';
import { DEFAULT_LIMITS } from '../limits/limits.js';
import { systemTimers, type TimerHandle } from '../util/clock.js';
import type { FetchResult } from '../sources/types.js';
import { REVISION_FILE, type LoadOptions } from './load.js';
import type { PolicyProblem, PolicySet } from './types.js';

type Outcome = { set?: PolicySet; problems: PolicyProblem[] };
interface Pending {
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
}

/** Thrown to loads that were waiting on a thread another load's time limit stopped: they are simply retried. */
class LoaderRestarted extends Error {}

interface LoaderThread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves once the thread has loaded its modules (start-up is not charged to a revision's time limit). */
  ready: Promise<void>;
}

/** Longest the thread may take to start (load its modules) before a load gives up on it. */
const STARTUP_LIMIT_MS = 60_000;

let thread: LoaderThread | undefined;
let nextId = 1;

/** Starts the loader thread ahead of the first load (its start-up then overlaps the first fetch). */
export function prewarmPolicyLoader(): void {
  loaderThread();
}

/** Same answer as loadPolicySet, computed in a worker thread and bounded by `limits.policyLoadTimeoutMs`. */
export async function loadPolicySetOffThread(
  result: FetchResult,
  options: LoadOptions,
  signal?: AbortSignal,
): Promise<Outcome> {
  try {
    return await loadOnce(result, options, signal);
  } catch (error) {
    if (error instanceof LoaderRestarted) return loadOnce(result, options, signal);
    throw error;
  }
}

async function loadOnce(result: FetchResult, options: LoadOptions, signal?: AbortSignal): Promise<Outcome> {
  signal?.throwIfAborted();
  const timeoutMs = options.limits?.policyLoadTimeoutMs ?? DEFAULT_LIMITS.policyLoadTimeoutMs;
  const current = loaderThread();
  await waitUntilReady(current, signal);
  const id = nextId++;
  let timer: TimerHandle | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      current.pending.set(id, { resolve, reject });
      // Kept alive: the loader thread is unref'd, and a command waiting for this load must not exit under it.
      timer = systemTimers.setTimeout(
        () => {
          // The thread is busy with this revision and cannot be interrupted otherwise: stop it.
          stopThread(current, new LoaderRestarted('another revision exceeded the load time limit'), id);
          resolve({ problems: [timedOut(timeoutMs)] });
        },
        timeoutMs,
        { keepAlive: true },
      );
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      current.worker.postMessage({ id, result, options });
    });
    // Structured cloning returns plain data: freeze it again, as loadPolicySet does, so no consumer changes it.
    return outcome.set ? { set: deepFreeze(outcome.set), problems: outcome.problems } : outcome;
  } finally {
    if (timer) systemTimers.clearTimeout(timer);
    current.pending.delete(id);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function loaderThread(): LoaderThread {
  if (thread) return thread;
  const worker = new Worker(workerEntry(), workerExecArgv());
  let markReady!: () => void;
  let failStartup!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failStartup = reject;
  });
  ready.catch(() => undefined); // observed by the loads that wait on it
  const created: LoaderThread = { worker, pending: new Map<number, Pending>(), ready };
  worker.on('message', (message: { id: number; ready?: boolean; outcome?: Outcome; error?: string }) => {
    if (message.ready) {
      markReady();
      return;
    }
    const waiting = created.pending.get(message.id);
    if (!waiting) return;
    if (message.outcome) waiting.resolve(message.outcome);
    else waiting.reject(new Error(message.error ?? 'the policy loader failed'));
  });
  worker.on('error', (error) => {
    failStartup(error);
    stopThread(created, error);
  });
  worker.on('exit', (code) => {
    const error = new Error(`the policy loader thread exited (code ${code})`);
    failStartup(error);
    stopThread(created, error);
  });
  // An idle loader never keeps a stopping process alive (after the listeners: attaching one refs it again).
  worker.unref();
  thread = created;
  return created;
}

/** Waits for the thread's start-up, bounded, and abortable by the caller. */
async function waitUntilReady(current: LoaderThread, signal?: AbortSignal): Promise<void> {
  let timer: TimerHandle | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      current.ready,
      new Promise<never>((_resolve, reject) => {
        timer = systemTimers.setTimeout(
          () => {
            const error = new Error(`the policy loader thread did not start within ${STARTUP_LIMIT_MS / 1000} s`);
            stopThread(current, error);
            reject(error);
          },
          STARTUP_LIMIT_MS,
          { keepAlive: true },
        );
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (timer) systemTimers.clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Rejects every load waiting on the thread (except `except`) and stops it; the next load starts a new one. */
function stopThread(stopped: LoaderThread, error: Error, except?: number): void {
  if (thread === stopped) thread = undefined;
  for (const [id, waiting] of stopped.pending) if (id !== except) waiting.reject(error);
  stopped.pending.clear();
  void stopped.worker.terminate();
}

function timedOut(timeoutMs: number): PolicyProblem {
  return {
    file: REVISION_FILE,
    line: 0,
    column: 0,
    path: '',
    severity: 'error',
    message:
      `loading the revision took longer than the operator's limit of ${timeoutMs} ms (POLICY_LOAD_TIMEOUT_MS) and was stopped; ` +
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
