/**
 * Plain-words lines for the demo (`npm start`): what drift the fleet holds and what the controller did about
 * it. Pure formatting over the sandbox's truth and the controller's plan and actions.
 */
import type { RecentAction } from '../telemetry/status.js';
import { actionSpecByName } from '../model/actions.js';
import type { Finding } from '../model/findings.js';

/** The part of the sandbox's ground truth the demo talks about. */
export interface DemoTruth {
  brokenPairs: { client: string; endpoint: string }[];
  orphanServices: { name: string }[];
  orphanInstances: { serviceId: string; instanceId: string }[];
  ttlByService: Record<string, number>;
  wronglyDeleted: unknown[];
  nearTaskLimit: { service: string; desiredCount: number; maxCount?: number }[];
  /** Unused but tagged to be left alone: their TTLs stay as they are too. */
  protectedServices: { id: string; name: string }[];
  /** DNS namespaces caching "no such name" longer than the demo policy's namespaceSoa max. */
  namespaceSoaTtl?: { name: string; soaTtl: number }[];
  /** Cloud Map services whose TTL outlives their tasks' stopTimeout minus 5 s (the demo policy enforces that bound). */
  ttlExceedsDrain?: {
    name: string;
    ttl: number;
    boundSeconds: number;
    stopTimeoutSeconds: number;
    taskDefinition: string;
    container: string;
  }[];
}

/** TTLs above the maximum on services the controller may change (protected ones are left alone). */
function longTtls(truth: DemoTruth, maxTtl: number): [string, number][] {
  const protectedIds = new Set(truth.protectedServices.map((s) => s.id));
  return Object.entries(truth.ttlByService).filter(([id, ttl]) => ttl > maxTtl && !protectedIds.has(id));
}

/** Drift the controller can fix, counted: zero everywhere means the demo is done. */
export function remainingDrift(
  truth: DemoTruth,
  maxTtl: number,
): {
  pairs: number;
  orphanServices: number;
  orphanInstances: number;
  longTtls: number;
  drainTtls: number;
  longSoaTtls: number;
} {
  return {
    pairs: truth.brokenPairs.length,
    orphanServices: truth.orphanServices.length,
    orphanInstances: truth.orphanInstances.length,
    longTtls: longTtls(truth, maxTtl).length,
    drainTtls: truth.ttlExceedsDrain?.length ?? 0,
    longSoaTtls: truth.namespaceSoaTtl?.length ?? 0,
  };
}

/** True when nothing fixable is left. */
export function isClean(truth: DemoTruth, maxTtl: number): boolean {
  return Object.values(remainingDrift(truth, maxTtl)).every((n) => n === 0);
}

/** The opening summary: each kind of drift in the fleet, in words. */
export function describeFleet(truth: DemoTruth, maxTtl: number, serviceNames: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const clients = [...new Set(truth.brokenPairs.map((p) => p.client))];
  const endpoints = [...new Set(truth.brokenPairs.map((p) => p.endpoint))];
  if (clients.length) {
    lines.push(
      `Service Connect: ${clients.join(', ')} started before ${endpoints.join(', ')} joined the namespace, so their tasks cannot reach it (the "five-hour" bug).`,
    );
  }
  if (truth.orphanServices.length) {
    lines.push(
      `Cloud Map: ${truth.orphanServices.map((s) => s.name).join(', ')} ${truth.orphanServices.length === 1 ? 'is' : 'are'} left behind with no ECS service using ${truth.orphanServices.length === 1 ? 'it' : 'them'}.`,
    );
  }
  if (truth.orphanInstances.length) {
    const where = [...new Set(truth.orphanInstances.map((i) => serviceNames.get(i.serviceId) ?? i.serviceId))];
    lines.push(
      `Cloud Map: ${truth.orphanInstances.length} instance(s) in ${where.join(', ')} belong to tasks that are gone.`,
    );
  }
  const tooLong = longTtls(truth, maxTtl);
  if (tooLong.length) {
    lines.push(
      `DNS: ${tooLong.map(([id, ttl]) => `${serviceNames.get(id) ?? id} (${ttl}s)`).join(', ')} keep${tooLong.length === 1 ? 's' : ''} callers on dead task IPs longer than ${maxTtl}s.`,
    );
  }
  // Within the maximum but not within the drain (a TTL above the maximum is named above already).
  for (const drain of (truth.ttlExceedsDrain ?? []).filter((d) => d.ttl <= maxTtl)) {
    lines.push(
      `DNS: ${drain.name}'s tasks are killed ${drain.stopTimeoutSeconds}s after they begin to stop (stopTimeout of ${drain.taskDefinition.slice(drain.taskDefinition.lastIndexOf('/') + 1)}, container ${drain.container}), yet callers cache its records for ${drain.ttl}s: over its ${drain.boundSeconds}s drain bound, every scale-in fails calls.`,
    );
  }
  for (const ns of truth.namespaceSoaTtl ?? []) {
    lines.push(
      `DNS: namespace ${ns.name} lets resolvers cache "no such name" for ${ns.soaTtl}s, so a service registered after a client's first lookup stays unreachable from it that long.`,
    );
  }
  for (const near of truth.nearTaskLimit) {
    const count =
      near.maxCount !== undefined && near.maxCount > near.desiredCount
        ? `may scale to ${near.maxCount}`
        : `runs ${near.desiredCount}`;
    lines.push(
      `Task limit: ${near.service} ${count} tasks; Cloud Map stops at 1,000 per service (reported, not changed).`,
    );
  }
  return lines;
}

function resourceName(finding: Finding | undefined, fallback: string): string {
  if (!finding) return fallback;
  const r = finding.resource;
  if (r.kind === 'ecs-service') return `ECS service ${r.cluster}/${r.name}`;
  if (r.kind === 'cloudmap-service') return `Cloud Map service ${r.name}`;
  if (r.kind === 'cloudmap-namespace') return `Cloud Map namespace ${r.name}`;
  return `instance ${r.instanceId} of ${r.serviceName}`;
}

/**
 * One action as a sentence: what was done to what, and why; undefined for a wait that needs no line (an
 * operation still running). A submitted Cloud Map write is only "asked": it is done when its operation succeeds.
 */
export function describeAction(action: RecentAction, finding: Finding | undefined): string | undefined {
  const what = resourceName(finding, action.findingKey);
  const verbs = actionSpecByName(action.action)?.verbs ?? { done: action.action, do: action.action };
  if (action.result === 'pending') {
    if (action.reason === 'operation-pending') return undefined;
    return `Asked Cloud Map to ${verbs.do} ${what}; following its operation until it succeeds or fails`;
  }
  if (action.result === 'success') {
    const why = finding ? `: ${finding.reason}` : '';
    return `${verbs.done} ${what}${why}`;
  }
  return `Did not ${verbs.do} ${what} (${action.result}${action.reason ? `: ${action.reason}` : ''}${action.errorCode ? `, ${action.errorCode}` : ''})`;
}
