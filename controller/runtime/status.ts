/**
 * The /status document: the telemetry contract's ControllerStatus (policies with conditions and drift,
 * last success, recent actions) plus what an operator needs when the controller is not ready: the policy
 * source (revision in force, last error with its problems), the last reconcile error and queue depth.
 */
import type { Plan } from '../plan/types.js';
import type { PolicySet } from '../policy/types.js';
import type { SourceStatus } from '../sources/watcher.js';
import { summarizeDrift } from '../telemetry/state.js';
import type { Readiness } from '../telemetry/server.js';
import type { ControllerStatus, PolicyStatus, RecentAction } from '../telemetry/status.js';

export interface RunStatus extends ControllerStatus {
  ready: boolean;
  notReadyReason?: string;
  dryRun: boolean;
  source: {
    name: string;
    revisionInForce?: string;
    lastFetch?: string;
    lastSuccess?: string;
    lastError?: { at: string; message: string; revision?: string; problems?: readonly { file: string; line: number; column: number; path: string; message: string }[] };
  };
  lastReconcileError?: { at: string; message: string };
  workqueueDepth: number;
}

export interface StatusInput {
  set: PolicySet | undefined;
  source: SourceStatus;
  plan: Plan | undefined;
  recentActions: readonly RecentAction[];
  lastSuccessfulReconcileAt: number | undefined;
  lastReconcileError: { at: number; message: string } | undefined;
  workqueueDepth: number;
  dryRun: boolean;
  readiness: Readiness;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Assembles /status from the controller's current state. */
export function buildStatus(input: StatusInput): RunStatus {
  const { set, source, plan } = input;
  const drift = new Map(summarizeDrift(set?.policies.map((p) => p.name) ?? [], plan?.findings ?? []).map((d) => [d.name, d.driftByRule]));
  const sourceCondition = source.lastError
    ? {
        type: 'SourceCurrent',
        status: 'False' as const,
        reason: source.lastError.problems ? 'InvalidRevision' : 'FetchFailed',
        message: `${source.lastError.message}; revision ${set?.revision ?? '(none)'} stays in force`,
      }
    : { type: 'SourceCurrent', status: 'True' as const, reason: 'Fetched', message: `revision ${set?.revision ?? '(none)'}` };
  const policies: PolicyStatus[] = (set?.policies ?? []).map((policy) => {
    const summary = plan?.summaries.find((s) => s.policy === policy.name);
    const reconciled = plan !== undefined && plan.revision === set!.revision;
    return {
      name: policy.name,
      mode: policy.mode,
      suspended: policy.suspend,
      revision: set!.revision,
      conditions: [
        reconciled
          ? {
              type: 'Ready',
              status: 'True' as const,
              reason: 'Reconciled',
              message: `${summary?.findings ?? 0} finding(s), ${summary?.actionsToExecute ?? 0} action(s) to execute, ${summary?.actionsBlocked ?? 0} blocked`,
            }
          : { type: 'Ready', status: 'Unknown' as const, reason: 'Progressing', message: 'not reconciled at this revision yet' },
        sourceCondition,
      ],
      drift: drift.get(policy.name) ?? {},
    };
  });
  const lastError = source.lastError;
  return {
    ready: input.readiness.ready,
    ...(input.readiness.ready ? {} : { notReadyReason: input.readiness.reason }),
    dryRun: input.dryRun,
    policies,
    ...(input.lastSuccessfulReconcileAt !== undefined ? { lastSuccessfulReconcile: iso(input.lastSuccessfulReconcileAt) } : {}),
    recentActions: input.recentActions,
    source: {
      name: source.source,
      ...(source.revision ? { revisionInForce: source.revision } : {}),
      ...(source.lastFetchAt !== undefined ? { lastFetch: iso(source.lastFetchAt) } : {}),
      ...(source.lastSuccessAt !== undefined ? { lastSuccess: iso(source.lastSuccessAt) } : {}),
      ...(lastError
        ? {
            lastError: {
              at: iso(lastError.at)!,
              message: lastError.message,
              ...(lastError.revision ? { revision: lastError.revision } : {}),
              ...(lastError.problems
                ? { problems: lastError.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, path: p.path, message: p.message })) }
                : {}),
            },
          }
        : {}),
    },
    ...(input.lastReconcileError ? { lastReconcileError: { at: iso(input.lastReconcileError.at)!, message: input.lastReconcileError.message } } : {}),
    workqueueDepth: input.workqueueDepth,
  };
}
