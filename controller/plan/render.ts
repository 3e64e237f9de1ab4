/**
 * Renders a plan for people (like `terraform plan`) and for machines (JSON).
 *
 * JSON shape (renderPlanJson), schemaVersion 1. Fields are always present; absent values are null.
 * {
 *   "schemaVersion": 1,
 *   "generatedAt": "2026-11-25T06:00:00.000Z",      // ISO 8601, from plan.generatedAt
 *   "revision": "<policy source revision>",
 *   "totals": { "findings": n, "actionsToExecute": n, "actionsBlocked": n, "actionable": n, "blocked": n, "accepted": n },
 *   "summary": "all actionable drift fixed; 2 findings accepted (protected, report-only)",   // plan/states.ts
 *   "policies": [ { "name", "mode": "audit"|"enforce", "suspended", "findings", "actionsToExecute", "actionsBlocked",
 *                   "complete": false when read errors left part of its scope unread, "readErrors": n,
 *                   "drift": { "actionable", "blocked", "accepted" } } ],
 *   "findings": [ { "key", "policy", "rule", "resource": ResourceRef, "namespace"|null, "cluster"|null,
 *                   "observed", "desired", "reason", "action": Action|null,
 *                   "blocked": { "reason", "detail" }|null, "gracePeriodMs"|null,
 *                   "state": "actionable"|"blocked"|"accepted", "stateReason": BlockReason|"report-only"|null } ],
 *   "actions": [ { "order": 1-based position the actuator applies it at, "findingKey", "policy", "rule",
 *                  "action": Action, "decision": "execute"|"blocked", "blockedBy": BlockReason|null, "detail"|null } ]
 * }
 * ResourceRef, Action and BlockReason are the types of controller/model/findings.ts. Additive changes keep
 * schemaVersion 1; removing or renaming a field bumps it.
 */
import { describeAction } from '../model/actions.js';
import type { Finding, ResourceRef } from '../model/findings.js';
import { classifyPlan, countDrift, driftSummaryLine } from './states.js';
import type { Plan, PlannedAction } from './types.js';

/** Per-policy read errors: a policy listed here was not read completely (see plan/read-errors.ts). */
export interface RenderOptions {
  readErrors?: ReadonlyMap<string, number>;
}

/** Version of the JSON document renderPlanJson writes. */
export const PLAN_JSON_SCHEMA_VERSION = 1;

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
} as const;
type Paint = (color: keyof typeof ANSI, text: string) => string;

/** Human name of a resource ("ecs-service prod/checkout"). */
export function describeResource(resource: ResourceRef): string {
  switch (resource.kind) {
    case 'ecs-service':
      return `ecs-service ${resource.cluster}/${resource.name}`;
    case 'cloudmap-service':
      return `cloudmap-service ${resource.name} (${resource.id})`;
    case 'cloudmap-instance':
      return `cloudmap-instance ${resource.instanceId} of ${resource.serviceName} (${resource.serviceId})`;
    case 'cloudmap-namespace':
      return `cloudmap-namespace ${resource.name} (${resource.id})`;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function outcomeLine(finding: Finding, planned: PlannedAction | undefined, paint: Paint): string {
  if (!planned) {
    const blocked = finding.blocked;
    return paint('dim', blocked ? `no action (${blocked.reason}: ${blocked.detail})` : 'no action: report only');
  }
  if (planned.decision === 'execute') return paint('green', `will ${describeAction(planned.action)}`);
  return paint(
    'yellow',
    `would ${describeAction(planned.action)} but ${planned.blockedBy}: ${planned.detail ?? ''}`.trimEnd(),
  );
}

function renderFinding(finding: Finding, planned: PlannedAction | undefined, paint: Paint): string[] {
  const marker = finding.action ? paint('yellow', '~') : paint('cyan', '!');
  const where = [finding.namespace && `namespace ${finding.namespace}`].filter(Boolean).join(' ');
  return [
    `  ${marker} ${paint('bold', finding.rule)}  ${describeResource(finding.resource)}${where ? paint('dim', `  [${where}]`) : ''}`,
    `      ${paint('red', finding.observed)} -> ${paint('green', finding.desired)}`,
    `      reason: ${finding.reason}`,
    `      ${outcomeLine(finding, planned, paint)}`,
  ];
}

/** The plan as text, grouped by policy, with a summary per policy and a final totals line. */
export function renderPlanText(plan: Plan, options: { color: boolean } & RenderOptions): string {
  const paint: Paint = options.color ? (color, text) => `${ANSI[color]}${text}${ANSI.reset}` : (_color, text) => text;
  const byFinding = new Map<Finding, PlannedAction>(plan.actions.map((a) => [a.finding, a]));
  const lines = [`Plan for policy revision ${plan.revision} at ${new Date(plan.generatedAt).toISOString()}`, ''];
  for (const summary of plan.summaries) {
    const state = summary.suspended ? `${summary.mode}, suspended` : summary.mode;
    lines.push(paint('bold', `policy ${summary.policy} (${state})`));
    const findings = plan.findings.filter((f) => f.policy === summary.policy);
    const readErrors = options.readErrors?.get(summary.policy) ?? 0;
    // Never "no drift" for a policy whose scope was not read completely: the drift may be in the unread part.
    if (readErrors > 0)
      lines.push(
        paint('red', `  incomplete: ${plural(readErrors, 'read error')} (listed on stderr); pruning is blocked there`),
      );
    else if (findings.length === 0) lines.push(paint('dim', '  no drift'));
    for (const finding of findings) lines.push(...renderFinding(finding, byFinding.get(finding), paint));
    lines.push(
      `  ${summary.policy}: ${plural(summary.findings, 'finding')}, ${summary.actionsToExecute} to execute, ${summary.actionsBlocked} blocked`,
    );
    if (findings.length > 0) lines.push(`  ${summary.policy}: ${driftSummaryLine(countDrift(plan, summary.policy))}`);
    lines.push('');
  }
  const execute = plan.actions.filter((a) => a.decision === 'execute').length;
  const blocked = plan.actions.length - execute;
  const incomplete = [...(options.readErrors?.entries() ?? [])].filter(([, n]) => n > 0).map(([policy]) => policy);
  const verdict = driftSummaryLine(countDrift(plan));
  lines.push(paint('bold', `${plan.findings.length} findings, ${execute} actions to execute, ${blocked} blocked`));
  lines.push(
    paint(
      'bold',
      incomplete.length === 0
        ? verdict
        : `incomplete (read errors in ${plural(incomplete.length, 'policy').replace(/policys$/, 'policies')}): ${verdict === 'no drift' ? 'no drift found in what could be read' : verdict}`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** The plan as a JSON document of the shape described at the top of this file. */
export function renderPlanJson(plan: Plan, options: RenderOptions = {}): string {
  const execute = plan.actions.filter((a) => a.decision === 'execute').length;
  const counts = countDrift(plan);
  const states = new Map(classifyPlan(plan).map(({ finding, state }) => [finding, state]));
  const document = {
    schemaVersion: PLAN_JSON_SCHEMA_VERSION,
    generatedAt: new Date(plan.generatedAt).toISOString(),
    revision: plan.revision,
    totals: {
      findings: plan.findings.length,
      actionsToExecute: execute,
      actionsBlocked: plan.actions.length - execute,
      actionable: counts.actionable,
      blocked: counts.blocked,
      accepted: counts.accepted,
    },
    summary: driftSummaryLine(counts),
    policies: plan.summaries.map((s) => {
      const drift = countDrift(plan, s.policy);
      const readErrors = options.readErrors?.get(s.policy) ?? 0;
      return {
        name: s.policy,
        mode: s.mode,
        suspended: s.suspended,
        findings: s.findings,
        actionsToExecute: s.actionsToExecute,
        actionsBlocked: s.actionsBlocked,
        complete: readErrors === 0,
        readErrors,
        drift: { actionable: drift.actionable, blocked: drift.blocked, accepted: drift.accepted },
      };
    }),
    findings: plan.findings.map((f) => ({
      key: f.key,
      policy: f.policy,
      rule: f.rule,
      resource: f.resource,
      namespace: f.namespace ?? null,
      cluster: f.cluster ?? null,
      observed: f.observed,
      desired: f.desired,
      reason: f.reason,
      action: f.action ?? null,
      blocked: f.blocked ?? null,
      gracePeriodMs: f.gracePeriodMs ?? null,
      state: states.get(f)!.state,
      stateReason: states.get(f)!.reason ?? null,
    })),
    actions: plan.actions.map((a, index) => ({
      order: index + 1,
      findingKey: a.finding.key,
      policy: a.finding.policy,
      rule: a.finding.rule,
      action: a.action,
      decision: a.decision,
      blockedBy: a.blockedBy ?? null,
      detail: a.detail ?? null,
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
