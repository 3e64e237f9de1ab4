/**
 * The /status document: the telemetry contract's ControllerStatus (policies with conditions and drift,
 * last success, recent actions) plus what an operator needs when the controller is not ready: the policy
 * source (revision in force, last error with its problems), the last reconcile error and queue depth, and
 * each target (account and region) with its policies, last success and last error.
 */
import type { ReadTarget } from '../aws/targets.js';
import { countDrift, driftSummaryLine, type DriftCounts } from '../plan/states.js';
import type { Plan } from '../plan/types.js';
import type { Condition } from './event-health.js';
import type { PolicySet } from '../policy/types.js';
import type { SourceStatus } from './policy-watcher.js';
import { summarizeDrift } from '../plan/drift-summary.js';
import type { Readiness } from '../telemetry/server.js';
import type { ControllerStatus, PolicyStatus, RecentAction } from '../telemetry/status.js';

/** A policy in /status, with where it acts: a region, and a role when the account is not the controller's. */
export interface RunPolicyStatus extends PolicyStatus {
  target: { region: string; roleArn?: string };
  /** Findings by state (plan/states.ts), as the drift metric's `state` label counts them. */
  driftStates: { actionable: number; blocked: number; accepted: number };
}

/** One target in /status. */
export interface TargetStatus {
  region: string;
  roleArn?: string;
  /** True for the controller's own region and credentials. */
  default: boolean;
  policies: readonly string[];
  lastSuccessfulReconcile?: string;
  lastError?: { at: string; message: string };
}

export interface RunStatus extends ControllerStatus {
  policies: readonly RunPolicyStatus[];
  targets: readonly TargetStatus[];
  ready: boolean;
  notReadyReason?: string;
  /** Controller-wide conditions: EventsReceiving with --queue-url. */
  conditions: readonly Condition[];
  /** Every policy's findings by state, and the one-line verdict ("all actionable drift fixed; …"). */
  drift: { summary: string; actionable: number; blocked: number; accepted: number };
  dryRun: boolean;
  source: {
    name: string;
    revisionInForce?: string;
    lastFetch?: string;
    lastSuccess?: string;
    lastError?: {
      at: string;
      message: string;
      revision?: string;
      problems?: readonly { file: string; line: number; column: number; path: string; message: string }[];
    };
  };
  lastReconcileError?: { at: string; message: string };
  workqueueDepth: number;
}

export interface StatusInput {
  set: PolicySet | undefined;
  source: SourceStatus;
  plan: Plan | undefined;
  /** Every target with its policies, last plan, last success and last error. */
  targets: readonly StatusTarget[];
  recentActions: readonly RecentAction[];
  lastSuccessfulReconcileAt: number | undefined;
  lastReconcileError: { at: number; message: string } | undefined;
  workqueueDepth: number;
  dryRun: boolean;
  readiness: Readiness;
  /** The EventsReceiving condition (runtime/event-health.ts); undefined without --queue-url. */
  events?: Condition;
}

export interface StatusTarget {
  target: ReadTarget;
  policies: readonly string[];
  plan?: Plan;
  lastSuccessAt?: number;
  lastError?: { at: number; message: string };
}

function stateCounts(counts: DriftCounts): { actionable: number; blocked: number; accepted: number } {
  return { actionable: counts.actionable, blocked: counts.blocked, accepted: counts.accepted };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Assembles /status from the controller's current state. */
export function buildStatus(input: StatusInput): RunStatus {
  const { set, source, plan } = input;
  const drift = new Map(
    summarizeDrift(set?.policies.map((p) => p.name) ?? [], plan).map((d) => [d.name, d.driftByRule]),
  );
  const total = countDrift(plan);
  const sourceCondition = source.lastError
    ? {
        type: 'SourceCurrent',
        status: 'False' as const,
        reason: source.lastError.problems ? 'InvalidRevision' : 'FetchFailed',
        message: `${source.lastError.message}; revision ${set?.revision ?? '(none)'} stays in force`,
      }
    : {
        type: 'SourceCurrent',
        status: 'True' as const,
        reason: 'Fetched',
        message: `revision ${set?.revision ?? '(none)'}`,
      };
  const policies: RunPolicyStatus[] = (set?.policies ?? []).map((policy) => {
    const where = input.targets.find((t) => t.policies.includes(policy.name));
    const targetPlan = where ? where.plan : plan;
    const summary = targetPlan?.summaries.find((s) => s.policy === policy.name);
    const counts = countDrift(targetPlan, policy.name);
    const reconciled = targetPlan !== undefined && targetPlan.revision === set!.revision;
    const failing =
      where?.lastError !== undefined &&
      (where.lastSuccessAt === undefined || where.lastError.at >= where.lastSuccessAt);
    return {
      name: policy.name,
      mode: policy.mode,
      suspended: policy.suspend,
      revision: set!.revision,
      target: {
        region: where?.target.region ?? policy.target.region ?? '',
        ...(policy.target.roleArn ? { roleArn: policy.target.roleArn } : {}),
      },
      conditions: [
        failing
          ? { type: 'Ready', status: 'False' as const, reason: 'ReconcileFailed', message: where!.lastError!.message }
          : reconciled
            ? {
                type: 'Ready',
                status: 'True' as const,
                reason: 'Reconciled',
                message: `${driftSummaryLine(counts)} (${summary?.findings ?? 0} finding(s), ${summary?.actionsToExecute ?? 0} action(s) to execute, ${summary?.actionsBlocked ?? 0} blocked)`,
              }
            : {
                type: 'Ready',
                status: 'Unknown' as const,
                reason: 'Progressing',
                message: 'not reconciled at this revision yet',
              },
        sourceCondition,
      ],
      drift: drift.get(policy.name) ?? {},
      driftStates: stateCounts(counts),
    };
  });
  const lastError = source.lastError;
  return {
    ready: input.readiness.ready,
    ...(input.readiness.ready ? {} : { notReadyReason: input.readiness.reason }),
    dryRun: input.dryRun,
    conditions: input.events ? [input.events] : [],
    // The same verdict and counts as the drift metric's `state` label, plan and the demo (plan/states.ts).
    drift: { summary: driftSummaryLine(total), ...stateCounts(total) },
    policies,
    ...(input.lastSuccessfulReconcileAt !== undefined
      ? { lastSuccessfulReconcile: iso(input.lastSuccessfulReconcileAt) }
      : {}),
    recentActions: input.recentActions,
    targets: input.targets.map((t) => ({
      region: t.target.region,
      ...(t.target.roleArn ? { roleArn: t.target.roleArn } : {}),
      default: t.target.isDefault,
      policies: t.policies,
      ...(t.lastSuccessAt !== undefined ? { lastSuccessfulReconcile: iso(t.lastSuccessAt) } : {}),
      ...(t.lastError ? { lastError: { at: iso(t.lastError.at)!, message: t.lastError.message } } : {}),
    })),
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
                ? {
                    problems: lastError.problems.map((p) => ({
                      file: p.file,
                      line: p.line,
                      column: p.column,
                      path: p.path,
                      message: p.message,
                    })),
                  }
                : {}),
            },
          }
        : {}),
    },
    ...(input.lastReconcileError
      ? { lastReconcileError: { at: iso(input.lastReconcileError.at)!, message: input.lastReconcileError.message } }
      : {}),
    workqueueDepth: input.workqueueDepth,
  };
}
