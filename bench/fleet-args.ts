/**
 * The fleet size every benchmark takes the same way, so `npm run bench -- --small` (bench/run.ts passes its
 * arguments to each benchmark) works for all of them:
 *   --small                                  4 clusters x 100 services x 5 tasks, 200 Cloud Map services
 *   [clusters servicesPerCluster tasksPerService cloudMapServices]   positional sizes (defaults below)
 * Flags only one benchmark knows (bench/events.ts's --workers, --isolated...) are left to it and ignored here.
 */
export interface FleetSize {
  clusters: number;
  servicesPerCluster: number;
  tasksPerService: number;
  cloudMapServices: number;
}

export const FULL_FLEET: FleetSize = {
  clusters: 20,
  servicesPerCluster: 500,
  tasksPerService: 10,
  cloudMapServices: 2000,
};
export const SMALL_FLEET: FleetSize = {
  clusters: 4,
  servicesPerCluster: 100,
  tasksPerService: 5,
  cloudMapServices: 200,
};

/** The fleet size from a benchmark's arguments; throws on a positional that is not a positive whole number. */
export function parseFleetArgs(argv: readonly string[]): FleetSize {
  let small = false;
  const sizes: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i];
    if (token === '--small') small = true;
    // Another benchmark's flag: skip its value too (--workers 4), unless written --workers=4.
    else if (token.startsWith('--')) i += token.includes('=') ? 0 : 1;
    else sizes.push(token);
  }
  const keys: (keyof FleetSize)[] = ['clusters', 'servicesPerCluster', 'tasksPerService', 'cloudMapServices'];
  const fleet = { ...(small ? SMALL_FLEET : FULL_FLEET) };
  sizes.slice(0, keys.length).forEach((raw, i) => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`bench: "${raw}" is not a positive whole number (${keys[i]})`);
    fleet[keys[i]] = n;
  });
  return fleet;
}

/** The namespace the generated bench fleet registers into. */
export const BENCH_NAMESPACE = 'bench.local';

/** The policy the fleet benchmarks plan with: every rule on, over the whole generated fleet. */
export const BENCH_POLICY = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: bench
spec:
  target:
    clusters: ["bench-*"]
    namespaces: [${BENCH_NAMESPACE}]
  rules:
    serviceConnectRefresh: { enabled: true }
    cloudMapOrphans: { enabled: true }
    dnsTtl: { enabled: true, max: 10s }
    taskLimit: { enabled: true }
`;
