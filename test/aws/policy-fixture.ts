/** Builds valid Policy objects for tests, with every rule on and overrides where a test needs them. */
import type { Policy, PolicyRules, PolicyTarget } from '../../controller/policy/types.js';

export function makePolicy(overrides: { name?: string; target?: Partial<PolicyTarget>; rules?: Partial<{ [K in keyof PolicyRules]: Partial<PolicyRules[K]> }>; suspend?: boolean } = {}): Policy {
  const rules: PolicyRules = {
    serviceConnectRefresh: { enabled: true, staleAfterMs: 0, maxConcurrent: 2, cooldownMs: 6 * 3600_000, windows: [], ...overrides.rules?.serviceConnectRefresh },
    cloudMapOrphans: {
      enabled: true, services: true, instances: true, gracePeriodMs: 15 * 60_000, maxDeletionsPerRun: 20,
      protectTags: [{ key: 'discovery-controller/protect' }], emptyServices: 'report', ...overrides.rules?.cloudMapOrphans,
    },
    dnsTtl: { enabled: true, maxSeconds: 10, setSeconds: 10, ...overrides.rules?.dnsTtl },
    taskLimit: { enabled: true, warnAt: 900, namespaceWarnAt: 1800, ...overrides.rules?.taskLimit },
  };
  return {
    name: overrides.name ?? 'test-policy',
    labels: {},
    origin: { file: 'test.yaml', line: 1 },
    mode: 'audit',
    suspend: overrides.suspend ?? false,
    target: { clusters: ['*'], namespaces: ['*'], services: { include: [], exclude: [], tags: {} }, ...overrides.target },
    rules,
  };
}

/** A policy that only checks DNS TTLs and task limits (no orphan scan, so no account-wide reads). */
export function ttlOnlyPolicy(target: Partial<PolicyTarget>): Policy {
  return makePolicy({ target, rules: { serviceConnectRefresh: { enabled: false }, cloudMapOrphans: { enabled: false } } });
}
