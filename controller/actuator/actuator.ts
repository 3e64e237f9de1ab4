import { awsErrorCode, type AwsClients } from '../aws/clients.js';
import type { Plan, PlannedAction } from '../plan/types.js';
import type { Action, Finding } from '../rules/types.js';
import type { ControllerMetrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import { deleteService, deregisterInstance, updateDnsTtl } from './cloudmap.js';
import type { ExecutorContext } from './context.js';
import { forceNewDeployment } from './ecs.js';
import { WriteRateLimiter, type Pacer } from './rate-limit.js';
import { ActionFailure, type ActionOutcome, type ExecutorResult } from './types.js';
import { FenceLostError } from '../state/types.js';

export type { ActionOutcome, ActionResult } from './types.js';

/** What the actuator is built from; everything but clients, logger, clock and dryRun has a default. */
export interface ActuatorDeps {
  clients: AwsClients;
  logger: Logger;
  clock: Clock;
  /** Log and count what would be done, send nothing. */
  dryRun: boolean;
  metrics?: ControllerMetrics;
  /** Resources worked on at once (actions on one resource always run one after another). Default 4. */
  concurrency?: number;
  /** Longest wait for one asynchronous Cloud Map operation. Default 120 s. */
  operationTimeoutMs?: number;
  /** First GetOperation poll delay (doubles up to 5 s). Default 500 ms. */
  operationPollMs?: number;
  /** Writes per second per AWS write API (token bucket, burst of the same size). Default 5. */
  writesPerSecond?: number;
  /** Time source for rate-limit pacing; real monotonic time by default. */
  pacer?: Pacer;
  /** The target's action journal (controller/state/target-state.ts): intent before each write, outcome after. */
  journal?: ActionJournal;
}

/** Where the actuator journals its writes; intent and outcome throw FenceLostError once the target's lease is lost. */
export interface ActionJournal {
  intent(write: { action: string; resource: string; findingKey: string; policy: string }): Promise<string>;
  outcome(id: string, result: 'success' | 'failed' | 'skipped' | 'submitted', reason?: string, operationId?: string): Promise<void>;
  /** When a redeploy of this ECS service resource was last journaled, by this or a previous owner. */
  lastRedeployIntent(resource: string): number | undefined;
}

/** The resource an action writes to: actions on one resource form a chain that runs in plan order. */
function resourceOf(action: Action): string {
  switch (action.type) {
    case 'ecs:ForceNewDeployment':
      return `ecs-service/${action.serviceArn}`;
    case 'cloudmap:DeregisterInstance':
    case 'cloudmap:DeleteService':
    case 'cloudmap:UpdateDnsTtl':
      return `cloudmap-service/${action.serviceId}`;
  }
}

/** The resource named in logs: instance-level for deregistrations. */
function logResource(action: Action): string {
  return action.type === 'cloudmap:DeregisterInstance' ? `${resourceOf(action)}/${action.instanceId}` : resourceOf(action);
}

function namespaceOf(finding: Finding): string {
  const resource = finding.resource;
  return finding.namespace ?? ('namespaceId' in resource ? resource.namespaceId : 'unknown');
}

/**
 * The only code that writes to AWS. Applies a plan's "execute" actions in plan order, re-checking the current
 * state before each write so that applying the same plan twice, or after a restart, changes nothing more.
 *
 * Metrics: the actuator counts every decision it sees, including the plan's blocked ones
 * (actions_blocked_total, once per blocked action per apply; sanity_guard_trips_total once per policy and
 * namespace per apply), so callers must not count blocked actions themselves.
 */
export class Actuator {
  private readonly limiter: WriteRateLimiter;
  private readonly concurrency: number;
  /** Finding key -> the block reason last logged at info, so a wait is announced once, not at every resync. */
  private readonly announcedBlocks = new Map<string, string>();

  constructor(private readonly deps: ActuatorDeps) {
    this.limiter = new WriteRateLimiter(deps.writesPerSecond ?? 5, deps.pacer);
    this.concurrency = Math.max(1, deps.concurrency ?? 4);
  }

  /**
   * Executes the plan's actions with decision "execute" and returns one outcome per such action, in plan order.
   * When `signal` aborts, no new action starts (the rest end as skipped, reason "aborted"); in-flight writes finish.
   */
  async apply(plan: Plan, signal?: AbortSignal): Promise<ActionOutcome[]> {
    this.recordBlocked(plan);
    const toExecute = plan.actions.filter((a) => a.decision === 'execute');
    const outcomes = new Map<PlannedAction, ActionOutcome>();
    const chains = new Map<string, PlannedAction[]>();
    for (const planned of toExecute) {
      const key = resourceOf(planned.action);
      const chain = chains.get(key) ?? [];
      chain.push(planned);
      chains.set(key, chain);
    }
    const pending = [...chains.values()];
    const worker = async () => {
      for (let chain = pending.shift(); chain; chain = pending.shift()) {
        await this.runChain(chain, plan, outcomes, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pending.length) }, worker));
    return toExecute.map((planned) => outcomes.get(planned)!);
  }

  /** Runs one resource's actions in order; a failed deregistration stops the deletion of its service. */
  private async runChain(chain: PlannedAction[], plan: Plan, outcomes: Map<PlannedAction, ActionOutcome>, signal?: AbortSignal) {
    let deregistrationFailed = false;
    for (const planned of chain) {
      let outcome: ActionOutcome;
      const startedAt = this.deps.clock.now();
      if (signal?.aborted) {
        outcome = this.outcome(planned, startedAt, { result: 'skipped', reason: 'aborted' });
      } else if (this.deps.dryRun) {
        outcome = { ...this.outcome(planned, startedAt, { result: 'skipped', reason: 'dry-run' }), result: 'dry-run' };
      } else if (planned.action.type === 'cloudmap:DeleteService' && deregistrationFailed) {
        outcome = this.outcome(planned, startedAt, { result: 'skipped', reason: 'deregistration-failed' });
      } else {
        const deletionFollows = chain.some((p) => p.action.type === 'cloudmap:DeleteService' && p.decision === 'execute');
        outcome = this.outcome(planned, startedAt, await this.journaled(planned, () => this.execute(planned, plan, signal, deletionFollows)));
      }
      if (planned.action.type === 'cloudmap:DeregisterInstance' && outcome.result !== 'success') deregistrationFailed = true;
      outcomes.set(planned, outcome);
      this.report(outcome);
    }
  }

  /**
   * Runs a write between its journal intent and outcome. No intent, no write: a replica whose lease was taken
   * (a paused process that woke up) skips with reason "lease-lost". An outcome that cannot be journaled is left
   * pending for the successor, which follows it up (state/target-state.ts settlePending).
   */
  private async journaled(planned: PlannedAction, run: () => Promise<ExecutorResult>): Promise<ExecutorResult> {
    const journal = this.deps.journal;
    if (!journal) return run();
    const write = { action: planned.action.type, resource: logResource(planned.action), findingKey: planned.finding.key, policy: planned.finding.policy };
    let id: string;
    try {
      id = await journal.intent(write);
    } catch (error) {
      if (error instanceof FenceLostError) return { result: 'skipped', reason: 'lease-lost' };
      return { result: 'failed', error: { code: awsErrorCode(error), message: `journaling the intent of ${write.action} on ${write.resource} failed: ${(error as Error).message}` } };
    }
    const result = await run();
    const submitted = result.result === 'success' && result.operationId !== undefined && result.reason === 'operation-submitted';
    try {
      await journal.outcome(id, submitted ? 'submitted' : result.result, result.reason, result.operationId);
    } catch (error) {
      this.deps.logger.warn({ resource: write.resource, action: write.action, err: (error as Error).message }, 'the outcome of a write could not be journaled; the target\'s next owner settles it');
    }
    return result;
  }

  /** Runs the executor for one action and turns any error into a failed result with a code. */
  private async execute(planned: PlannedAction, plan: Plan, signal?: AbortSignal, deletionFollows = false): Promise<ExecutorResult> {
    const ctx: ExecutorContext = {
      clients: this.deps.clients,
      limiter: this.limiter,
      operationTimeoutMs: this.deps.operationTimeoutMs ?? 120_000,
      operationPollMs: this.deps.operationPollMs ?? 500,
      signal,
    };
    const action = planned.action;
    try {
      switch (action.type) {
        case 'ecs:ForceNewDeployment':
          return await forceNewDeployment(ctx, action, plan.generatedAt, this.deps.journal?.lastRedeployIntent(logResource(action)));
        case 'cloudmap:DeregisterInstance':
          return await deregisterInstance(ctx, action, deletionFollows);
        case 'cloudmap:DeleteService':
          return await deleteService(ctx, action);
        case 'cloudmap:UpdateDnsTtl':
          return await updateDnsTtl(ctx, action);
      }
    } catch (error) {
      if (error instanceof ActionFailure) return { result: 'failed', error: { code: error.code, message: error.message } };
      const message = error instanceof Error ? error.message : String(error);
      return {
        result: 'failed',
        error: { code: awsErrorCode(error), message: `${action.type} on ${logResource(action)} failed: ${message}` },
      };
    }
  }

  private outcome(planned: PlannedAction, startedAt: number, result: ExecutorResult): ActionOutcome {
    return {
      action: planned.action,
      findingKey: planned.finding.key,
      policy: planned.finding.policy,
      rule: planned.finding.rule,
      ...result,
      startedAt,
      finishedAt: this.deps.clock.now(),
    };
  }

  /** One log event and one metric increment per decision. */
  private report(outcome: ActionOutcome): void {
    const fields = {
      policy: outcome.policy,
      rule: outcome.rule,
      resource: logResource(outcome.action),
      action: outcome.action.type,
      result: outcome.result,
      reason: outcome.reason,
      findingKey: outcome.findingKey,
      ...(outcome.error ? { errorCode: outcome.error.code, error: outcome.error.message } : {}),
    };
    if (outcome.result === 'failed') this.deps.logger.warn(fields, 'action failed');
    else if (outcome.result === 'dry-run') this.deps.logger.info(fields, 'action not sent (dry run)');
    else this.deps.logger.info(fields, outcome.result === 'success' ? 'action applied' : 'action skipped');
    const metricResult = outcome.result === 'dry-run' ? 'skipped' : outcome.result;
    this.deps.metrics?.recordAction({ policy: outcome.policy, rule: outcome.rule, action: outcome.action.type }, metricResult);
  }

  /** Logs and counts the plan's blocked decisions, and one sanity-guard trip per policy and namespace. */
  private recordBlocked(plan: Plan): void {
    const trips = new Set<string>();
    const stillBlocked = new Set<string>();
    for (const planned of plan.actions) {
      if (planned.decision !== 'blocked') continue;
      const { finding } = planned;
      const reason = planned.blockedBy ?? 'report-only';
      this.deps.metrics?.recordBlocked({ policy: finding.policy, rule: finding.rule }, reason);
      stillBlocked.add(finding.key);
      const firstTime = this.announcedBlocks.get(finding.key) !== reason;
      this.announcedBlocks.set(finding.key, reason);
      this.deps.logger[firstTime ? 'info' : 'debug'](
        {
          policy: finding.policy,
          rule: finding.rule,
          resource: logResource(planned.action),
          action: planned.action.type,
          result: 'blocked',
          reason,
          detail: planned.detail,
        },
        'action blocked',
      );
      if (reason === 'sanity-guard') {
        const namespace = namespaceOf(finding);
        const tripKey = JSON.stringify([finding.policy, namespace]);
        if (!trips.has(tripKey)) {
          trips.add(tripKey);
          this.deps.metrics?.recordSanityGuardTrip(finding.policy, namespace);
        }
      }
    }
    for (const key of this.announcedBlocks.keys()) if (!stillBlocked.has(key)) this.announcedBlocks.delete(key);
    if (trips.size > 0) this.deps.logger.warn({ trips: [...trips].map((t) => JSON.parse(t)) }, 'sanity guard stopped pruning');
  }
}
