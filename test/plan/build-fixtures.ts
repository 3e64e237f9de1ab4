/** Fleets and a plan shorthand shared by the buildPlan tests. */
import type { CloudMapService, EcsService, EcsTask, Inventory, Namespace } from '../../controller/inventory/model.js';
import { buildPlan } from '../../controller/plan/build.js';
import type { Plan } from '../../controller/plan/types.js';
import type { Policy } from '../../controller/policy/types.js';
import {
  cmService,
  ecsService,
  HOUR,
  inventory,
  namespace,
  policySet,
  scService,
  T0,
  task,
} from '../rules/fixtures.js';

export const NS = namespace('internal.local');
export const SC_NS = namespace('sc.local', 'HTTP');

/** `orphans` unreferenced Cloud Map services plus `used` ones an ECS service refers to, in `ns`. */
export function cloudMapFleet(
  ns: Namespace,
  orphans: number,
  used: number,
  prefix = ns.name.split('.')[0],
): Pick<Inventory, 'cloudMapServices' | 'services'> {
  const cloudMapServices: CloudMapService[] = [];
  const services: EcsService[] = [];
  for (let i = 0; i < orphans; i += 1) cloudMapServices.push(cmService(`${prefix}-orphan${i}`, ns));
  for (let i = 0; i < used; i += 1) {
    const svc = cmService(`${prefix}-used${i}`, ns);
    cloudMapServices.push(svc);
    services.push(ecsService(`${prefix}-used${i}`, { serviceRegistries: [{ registryArn: svc.arn }] }));
  }
  return { cloudMapServices, services };
}

/** A stale Service Connect client `name` (task from T0+1h) and a server whose endpoint appeared at T0+4h. */
export function staleClients(names: string[], extra: { services?: EcsService[]; tasks?: EcsTask[] } = {}): Inventory {
  return inventory({
    namespaces: [SC_NS],
    services: [
      scService('orders', 'sc.local', ['orders'], { deployedAt: T0 + 4 * HOUR }),
      ...names.map((n) => scService(n, 'sc.local', [], { deployedAt: T0 })),
      ...(extra.services ?? []),
    ],
    tasks: [...names.map((n) => task(n, T0 + HOUR)), ...(extra.tasks ?? [])],
  });
}

/** Each planned action as "type key decision". */
export function decisions(plan: Plan): string[] {
  return plan.actions.map(
    (a) => `${a.action.type} ${a.finding.key} ${a.decision === 'execute' ? 'execute' : a.blockedBy}`,
  );
}

/** buildPlan over the given policies and inventory. */
export function plan(
  policies: Policy[],
  inv: Inventory,
  now: number,
  options: { firstSeen?: Map<string, number>; dryRun?: boolean } = {},
) {
  return buildPlan({
    policies: policySet(...policies),
    inventory: inv,
    now,
    firstSeen: options.firstSeen ?? new Map(),
    dryRun: options.dryRun,
  });
}
