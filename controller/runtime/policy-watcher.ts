import type { Logger } from '../telemetry/logger.js';
import { systemTimers, type TimerHandle, type Timers } from '../util/clock.js';
import type { Limits } from '../limits/limits.js';
import { loadPolicySetOffThread, prewarmPolicyLoader } from '../policy/load-off-thread.js';
import type { AllowedScopes, PolicyProblem, PolicySet } from '../policy/types.js';
import type { PolicySource } from '../sources/types.js';

/** What a source reports: the revision in force, the last fetch, and the last failure. */
export interface SourceStatus {
  source: string;
  /** Revision of the policy set in force; undefined until one loaded. */
  revision?: string;
  policies: number;
  lastFetchAt?: number;
  lastSuccessAt?: number;
  /** Set while the newest fetch or revision fails; cleared by the next good one. */
  lastError?: { at: number; message: string; revision?: string; problems?: readonly PolicyProblem[] };
}

export type PollOutcome =
  | { kind: 'unchanged'; revision: string }
  | { kind: 'updated'; set: PolicySet }
  | { kind: 'fetch-failed'; message: string }
  | { kind: 'invalid'; revision: string; problems: readonly PolicyProblem[] };

export interface PolicyWatcherOptions {
  source: PolicySource;
  allowed: AllowedScopes;
  logger: Logger;
  /** How often to poll; each wait is jittered so many controllers do not poll a git host in step. */
  pollIntervalMs: number;
  /** Fraction of the interval added at random (0.1 = up to 10 % longer). */
  jitter?: number;
  maxDocumentBytes?: number;
  /** Per-revision limits and the load time limit (controller/limits); loading runs off the event loop. */
  limits?: Partial<Limits>;
  clock?: Timers;
  random?: () => number;
  /** Called with each new valid policy set. */
  onUpdate?: (set: PolicySet) => void;
  /** Called on each failed poll (fetch error or invalid revision), for the policy_load_errors_total metric. */
  onFailure?: (outcome: Exclude<PollOutcome, { kind: 'unchanged' | 'updated' }>) => void;
}

/**
 * Keeps the last good policy set of one source: polls it, validates each new revision, and replaces the set
 * only with a valid one. A failed fetch, a partial listing or an invalid revision leaves the set in force.
 */
export class PolicyWatcher {
  private set: PolicySet | undefined;
  private state: SourceStatus;
  private failedRevision: string | undefined;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<PollOutcome> | undefined;
  private readonly abort = new AbortController();
  private readonly clock: Timers;

  constructor(private readonly options: PolicyWatcherOptions) {
    this.clock = options.clock ?? systemTimers;
    this.state = { source: options.source.name, policies: 0 };
    prewarmPolicyLoader();
  }

  /** The policy set in force, or undefined before the first valid load. */
  current(): PolicySet | undefined {
    return this.set;
  }

  status(): SourceStatus {
    return { ...this.state };
  }

  /** Fetches once and loads the revision when it changed; concurrent calls share one poll. */
  poll(): Promise<PollOutcome> {
    this.inFlight ??= this.pollOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async pollOnce(): Promise<PollOutcome> {
    const { source, logger } = this.options;
    const at = this.clock.now();
    this.state.lastFetchAt = at;
    let result;
    try {
      result = await source.fetch(this.abort.signal);
    } catch (error) {
      if (this.abort.signal.aborted) return { kind: 'fetch-failed', message: 'stopped' };
      const message = error instanceof Error ? error.message : String(error);
      this.state.lastError = { at, message };
      logger.warn(
        { source: source.name, err: message, revisionInForce: this.set?.revision },
        'policy source fetch failed; the last good policy set stays in force',
      );
      const outcome = { kind: 'fetch-failed' as const, message };
      this.options.onFailure?.(outcome);
      return outcome;
    }
    if (result.revision === this.set?.revision) {
      this.markSuccess(at);
      return { kind: 'unchanged', revision: result.revision };
    }
    if (result.revision === this.failedRevision && this.state.lastError?.problems) {
      // Same broken revision as last time: report it again without parsing it again.
      const outcome = { kind: 'invalid' as const, revision: result.revision, problems: this.state.lastError.problems };
      this.options.onFailure?.(outcome);
      return outcome;
    }
    let loaded: Awaited<ReturnType<typeof loadPolicySetOffThread>>;
    try {
      loaded = await loadPolicySetOffThread(
        result,
        { allowed: this.options.allowed, maxDocumentBytes: this.options.maxDocumentBytes, limits: this.options.limits },
        this.abort.signal,
      );
    } catch (error) {
      if (this.abort.signal.aborted) return { kind: 'fetch-failed', message: 'stopped' };
      // The loader thread itself failed (not the revision): refuse the revision, keep the last good set, say why.
      const message = `the policy loader failed: ${error instanceof Error ? error.message : String(error)}`;
      loaded = { problems: [{ file: '(revision)', line: 0, column: 0, path: '', message, severity: 'error' }] };
    }
    const { set, problems } = loaded;
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      logger.warn(
        { source: source.name, file: warning.file, line: warning.line, field: warning.path },
        warning.message,
      );
    }
    if (!set) {
      const errors = problems.filter((p) => p.severity === 'error');
      this.failedRevision = result.revision;
      this.state.lastError = {
        at,
        revision: result.revision,
        problems: errors,
        message: `${errors.length} invalid field(s) in revision ${result.revision}`,
      };
      for (const problem of errors) {
        logger.error(
          {
            source: source.name,
            revision: result.revision,
            file: problem.file,
            line: problem.line,
            column: problem.column,
            field: problem.path,
          },
          `invalid policy: ${problem.message}; the last good policy set stays in force`,
        );
      }
      const outcome = { kind: 'invalid' as const, revision: result.revision, problems: errors };
      this.options.onFailure?.(outcome);
      return outcome;
    }
    this.set = set;
    this.failedRevision = undefined;
    this.state.revision = set.revision;
    this.state.policies = set.policies.length;
    this.markSuccess(at);
    logger.info(
      { source: source.name, revision: set.revision, policies: set.policies.map((p) => p.name) },
      'policy set loaded',
    );
    this.options.onUpdate?.(set);
    return { kind: 'updated', set };
  }

  private markSuccess(at: number): void {
    this.state.lastSuccessAt = at;
    this.state.lastError = undefined;
  }

  /** Polls now and then every interval (jittered) until stop(). */
  start(): void {
    const schedule = () => {
      const jitter = (this.options.jitter ?? 0.1) * (this.options.random ?? Math.random)();
      // Unref'd (the timers' default): a pending poll must not keep a stopping process alive.
      this.timer = this.clock.setTimeout(
        async () => {
          await this.poll();
          if (!this.abort.signal.aborted) schedule();
        },
        Math.round(this.options.pollIntervalMs * (1 + jitter)),
      );
    };
    void this.poll().then(() => {
      if (!this.abort.signal.aborted) schedule();
    });
  }

  /** Stops polling and aborts a fetch in flight. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('policy watcher stopped'));
    if (this.timer) this.clock.clearTimeout(this.timer);
    await this.inFlight?.catch(() => undefined);
    await this.options.source.close?.();
  }
}
