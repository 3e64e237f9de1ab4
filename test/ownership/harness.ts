/** Reads, plans and applies once against a sandbox, as one enforce-mode reconcile would (grace clocks from `firstSeen`). */
import { Actuator, type ActionOutcome } from '../../controller/actuator/actuator.js';
import type { AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import type { Inventory } from '../../controller/inventory/model.js';
import type { OwnershipSources } from '../../controller/aws/ownership-reader.js';
import { buildPlan } from '../../controller/plan/build.js';
import type { Plan } from '../../controller/plan/types.js';
import type { Policy } from '../../controller/policy/types.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import type { Sandbox } from '../../sandbox/index.js';

export interface Reconciled {
  inventory: Inventory;
  plan: Plan;
  outcomes: ActionOutcome[];
}

const actuators = new WeakMap<AwsClients, Actuator>();

/** One actuator per set of clients, so operations submitted by one reconcile are settled by the next. */
export function actuatorOf(sandbox: Sandbox, clients: AwsClients): Actuator {
  let actuator = actuators.get(clients);
  if (!actuator) {
    actuator = new Actuator({
      clients,
      logger: silentLogger(),
      clock: { now: () => sandbox.clock.now() },
      dryRun: false,
      operationPollMs: 5,
    });
    actuators.set(clients, actuator);
  }
  return actuator;
}

/** One reconcile in enforce mode on the sandbox's virtual clock. */
export async function reconcileOnce(
  sandbox: Sandbox,
  clients: AwsClients,
  policies: Policy[],
  options: { ownership?: OwnershipSources } = {},
): Promise<Reconciled> {
  const enforced = policies.map((p) => ({ ...p, mode: 'enforce' as const }));
  const inventory = await readInventory(clients, enforced, {
    now: () => sandbox.clock.now(),
    ...(options.ownership ? { ownership: options.ownership } : {}),
  });
  const { plan } = buildPlan({
    policies: { revision: 'test', policies: enforced },
    inventory,
    now: sandbox.clock.now(),
    firstSeen: new Map(),
  });
  const outcomes = await actuatorOf(sandbox, clients).apply(plan);
  return { inventory, plan, outcomes };
}

/** "kind name: decision[ blockedBy]" of the plan's actions, for readable assertions. */
export function decisions(plan: Plan): string[] {
  return plan.actions.map((a) => {
    const r = a.finding.resource;
    const name = r.kind === 'cloudmap-instance' ? `${r.serviceName}/${r.instanceId}` : r.name;
    return `${a.action.type} ${name}: ${a.decision}${a.blockedBy ? ` ${a.blockedBy}` : ''}`;
  });
}

/** A seeded random source, so ids are stable per test. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
