/**
 * Helpers of the reliability tests (issue #5): the sandbox control API over HTTP, counting the deployments ECS
 * really started, waiting for the fleet to converge while the virtual clock moves, and reading metrics.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../../controller/aws/clients.js';
import type { Sandbox, SandboxTruth } from '../../sandbox/index.js';
import type { ReliabilityHarness } from './reliability-harness.js';
import { waitFor } from '../support/wait.js';

/** Calls the sandbox's /_sandbox/ control API the way an operator (or a CI script) would. */
export async function control(
  sandbox: Sandbox,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<any> {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} /_sandbox/${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

const STARTED_DEPLOYMENT = /has started a new deployment/;

/**
 * How many deployments ECS started per service since `sinceMs`, read from each service's events in
 * DescribeServices (completed deployments leave the deployments list, their "started" event stays).
 * Only UpdateService calls that ECS accepted start one, so this counts successful redeploys.
 */
export async function deploymentStarts(
  clients: AwsClients,
  cluster: string,
  services: readonly string[],
  sinceMs: number,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < services.length; i += 10) {
    const { services: described = [], failures = [] } = await clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: services.slice(i, i + 10) }),
    );
    if (failures.length) throw new Error(`DescribeServices in ${cluster} failed for ${JSON.stringify(failures)}`);
    for (const service of described) {
      counts[service.serviceName!] = (service.events ?? []).filter(
        (e) => STARTED_DEPLOYMENT.test(e.message ?? '') && (e.createdAt?.getTime() ?? 0) >= sinceMs,
      ).length;
    }
  }
  return counts;
}

/** Nothing left that the controller should fix (what "converged" means in these tests). */
export function isClean(truth: SandboxTruth): boolean {
  return (
    truth.brokenPairs.length === 0 &&
    truth.orphanServices.length === 0 &&
    truth.orphanInstances.length === 0 &&
    Object.values(truth.ttlByService).every((ttl) => ttl <= 10)
  );
}

/** The parts of the truth a failure message needs. */
export function truthSummary(truth: SandboxTruth): string {
  return JSON.stringify({
    brokenPairs: truth.brokenPairs.map((p) => `${p.client}->${p.endpoint}`),
    orphanServices: truth.orphanServices.map((s) => s.name),
    orphanInstances: truth.orphanInstances.length,
    ttlByService: truth.ttlByService,
    wronglyDeleted: truth.wronglyDeleted,
  });
}

/**
 * Lets the in-process controller work until `accept(truth)` holds. Every round moves the virtual clock by
 * `stepMs` (grace periods pass, deployments progress); whenever the work queue is idle the resync fires, so
 * there is always one reconcile under way, as with a short resync period. Fails with the last truth after
 * `timeoutMs` of real time instead of hanging.
 */
export async function converge(
  h: ReliabilityHarness,
  accept: (truth: SandboxTruth) => boolean,
  what: string,
  options: { stepMs?: number; timeoutMs?: number } = {},
): Promise<SandboxTruth> {
  let truth = h.sandbox.truth();
  try {
    // Each look that finds the truth not there yet moves time on a step; the controller works between looks.
    return await waitFor(
      () => {
        truth = h.sandbox.truth();
        if (accept(truth)) return truth;
        h.advance(options.stepMs ?? 60_000);
        if (h.controller.queue.active() === 0 && h.controller.queue.depth() === 0) h.tick();
        return undefined;
      },
      { what, timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 200 },
    );
  } catch {
    const status = h.controller.status();
    const controller = {
      ready: status.ready,
      lastReconcileError: status.lastReconcileError,
      active: h.controller.queue.active(),
      depth: h.controller.queue.depth(),
    };
    throw new Error(
      `timed out waiting for ${what}; truth: ${truthSummary(truth)}; controller: ${JSON.stringify(controller)}`,
    );
  }
}

/** Sum of one metric's samples whose labels include every `labels` pair (0 when absent). */
export function metricSum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{([^}]*)\})? ([0-9.e+-]+|NaN)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[4]);
  }
  return sum;
}
