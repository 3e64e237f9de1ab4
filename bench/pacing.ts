/**
 * Pacing benchmark: one full read (`plan`, in process, through the real SDK) of a sandbox fleet whose ECS API
 * has a quota (the sandbox's quota mode: a token bucket, ThrottlingException when empty), as an account's
 * quota would. Reports the read's wall time against ECS calls ÷ quota rate, and the throttled attempts.
 * Targets (issue 17): wall time <= 1.15 × ECS calls ÷ quota rate, throttled attempts < 1% of ECS calls;
 * exits 1 when one is missed. The time target assumes ECS is what bounds the read: when another service's
 * calls ÷ the controller's bucket rate for it take longer (Cloud Map on fleets with few tasks per service, as
 * --small is), the output says so and judges the wall time against that pace instead.
 *
 * The quota defaults to 20 req/s with a burst of 50 (the smallest burst of the ECS read categories in the ECS
 * API Reference's throttling table); the controller's buckets keep their defaults (ECS 18/s, burst 40) unless
 * set. The time target counts ECS calls only: the other services have no quota here and are read meanwhile.
 *
 * Run: node_modules/.bin/tsx bench/pacing.ts [--small] [clusters servicesPerCluster tasksPerService cloudMapServices]
 *        [--quota 20] [--quota-burst 50] [--ecs-rate N] [--ecs-burst N] [--cloudmap-rate N] [--concurrency 8] [--baseline unpaced]
 *   --small           4 clusters x 100 services x 5 tasks, 200 Cloud Map services (a few seconds; bench/fleet-args.ts)
 *   --quota N         the sandbox's ECS quota, requests per second
 *   --quota-burst N   the sandbox's ECS bucket size
 *   --ecs-rate N, --ecs-burst N, --cloudmap-rate N   the controller's buckets (plan's flags of the same names)
 *   --concurrency N   plan's --concurrency (API calls in flight at once)
 *   --baseline unpaced   first, the same read unpaced (--ecs-rate 0) under the same quota, for comparison
 * Every flag takes a value, so `npm run bench -- --quota 20` leaves the other benchmarks' arguments intact.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { main } from '../controller/cli/main.js';
import { DEFAULT_PACING } from '../controller/aws/pacing.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, BENCH_POLICY, parseFleetArgs } from './fleet-args.js';

const NAMESPACE = BENCH_NAMESPACE;
const MAX_TIME_RATIO = 1.15;
const MAX_THROTTLED_SHARE = 0.01;
const POLICY = BENCH_POLICY;

interface Options {
  quota: number;
  quotaBurst: number;
  ecsRate?: string;
  ecsBurst?: string;
  cloudmapRate?: string;
  concurrency?: string;
  baseline: boolean;
}

/** This benchmark's own flags (each with a value); others are bench/fleet-args.ts's or another benchmark's. */
function parseOptions(argv: readonly string[]): Options {
  const values = new Map<string, string>();
  const known = [
    '--quota',
    '--quota-burst',
    '--ecs-rate',
    '--ecs-burst',
    '--cloudmap-rate',
    '--concurrency',
    '--baseline',
  ];
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split('=', 2);
    if (!known.includes(flag)) continue;
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value.startsWith('--')) throw new Error(`bench/pacing.ts: ${flag} needs a value`);
    values.set(flag, value);
  }
  const positive = (flag: string, fallback: number) => {
    const n = Number(values.get(flag) ?? fallback);
    if (!(n > 0 && Number.isFinite(n)))
      throw new Error(`bench/pacing.ts: ${flag} must be a positive number, not "${values.get(flag)}"`);
    return n;
  };
  const baseline = values.get('--baseline') ?? 'none';
  if (baseline !== 'none' && baseline !== 'unpaced')
    throw new Error(`bench/pacing.ts: --baseline is unpaced or none, not "${baseline}"`);
  return {
    quota: positive('--quota', 20),
    quotaBurst: Math.round(positive('--quota-burst', 50)),
    ...(values.has('--ecs-rate') ? { ecsRate: values.get('--ecs-rate')! } : {}),
    ...(values.has('--ecs-burst') ? { ecsBurst: values.get('--ecs-burst')! } : {}),
    ...(values.has('--cloudmap-rate') ? { cloudmapRate: values.get('--cloudmap-rate')! } : {}),
    ...(values.has('--concurrency') ? { concurrency: values.get('--concurrency')! } : {}),
    baseline: baseline === 'unpaced',
  };
}

const argv = process.argv.slice(2);
const { clusters, servicesPerCluster, tasksPerService, cloudMapServices } = parseFleetArgs(process.argv.slice(2));
const options = parseOptions(argv);
const fmt = (n: number) => n.toLocaleString('en-US');
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

interface ReadResult {
  code: number;
  wallMs: number;
  ecsCalls: number;
  ecsThrottled: number;
  calls: Record<string, number>;
  stderr: string;
}

/** One `plan` in this process against the sandbox, under a fresh ECS quota; counts come from the sandbox. */
async function fullRead(sandbox: Sandbox, policies: string, planFlags: string[]): Promise<ReadResult> {
  sandbox.quotas.set({ service: 'ecs', rate: options.quota, burst: options.quotaBurst });
  sandbox.calls.reset();
  let stderr = '';
  const started = performance.now();
  const code = await main(['plan', '--policies', policies, '--output', 'json', ...planFlags], {
    stdout: sink(),
    stderr: new Writable({ write: (chunk, _encoding, done) => ((stderr += chunk), done()) }),
    env: process.env,
  });
  const wallMs = performance.now() - started;
  const quota = sandbox.quotas.list().ecs;
  return {
    code,
    wallMs,
    ecsCalls: quota.allowed,
    ecsThrottled: quota.throttled,
    calls: sandbox.calls.snapshot(),
    stderr,
  };
}

/** Seconds each paced service's calls take at least: ECS at the quota, the others at the controller's rate for them. */
function paces(r: ReadResult): [string, number][] {
  const rates: Record<string, number> = {
    servicediscovery: Number(options.cloudmapRate ?? DEFAULT_PACING.servicediscovery.rate),
    'application-autoscaling': DEFAULT_PACING['application-autoscaling'].rate,
    cloudtrail: DEFAULT_PACING.cloudtrail.rate,
  };
  const out: [string, number][] = [['ecs', r.ecsCalls / options.quota]];
  for (const [service, rate] of Object.entries(rates)) {
    const calls = Object.entries(r.calls)
      .filter(([op]) => op.startsWith(`${service}:`))
      .reduce((n, [, c]) => n + c, 0);
    if (calls > 0 && rate > 0) out.push([service, calls / rate]);
  }
  return out;
}

function report(label: string, r: ReadResult): { timeOk: boolean; throttleOk: boolean } {
  const wall = r.wallMs / 1000;
  const ecsPace = r.ecsCalls / options.quota;
  const ratio = wall / ecsPace;
  const share = r.ecsThrottled / Math.max(1, r.ecsCalls);
  // What the quota allowed during the read (its burst plus the refill), and the share of it the read used.
  const allowance = options.quotaBurst + options.quota * wall;
  const [binding, bindingPace] = paces(r).sort((a, b) => b[1] - a[1])[0];
  const judged = binding === 'ecs' ? ratio : wall / bindingPace;
  const timeOk = judged <= MAX_TIME_RATIO;
  const throttleOk = share < MAX_THROTTLED_SHARE;
  const others = Object.entries(r.calls)
    .filter(([op]) => !op.startsWith('ecs:'))
    .reduce((n, [, c]) => n + c, 0);
  console.log(
    `\n${label}: plan exit ${r.code}, ${fmt(r.ecsCalls)} ECS calls (+ ${fmt(others)} other calls, under no quota here)`,
  );
  console.log(
    `  wall time ${wall.toFixed(1)} s vs ECS calls ÷ ${options.quota} = ${ecsPace.toFixed(1)} s: ${ratio.toFixed(3)} (target <= ${MAX_TIME_RATIO})${binding === 'ecs' ? ` ${timeOk ? 'OK' : 'MISSED'}` : ''}`,
  );
  if (binding !== 'ecs') {
    console.log(
      `  bound by ${binding}, not ECS: its calls ÷ the controller's rate for it = ${bindingPace.toFixed(1)} s; wall time vs that: ${judged.toFixed(3)} (target <= ${MAX_TIME_RATIO}) ${timeOk ? 'OK' : 'MISSED'}`,
    );
  }
  console.log(
    `  throttled attempts ${fmt(r.ecsThrottled)} = ${(share * 100).toFixed(2)}% of ECS calls (target < ${MAX_THROTTLED_SHARE * 100}%) ${throttleOk ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `  quota used: ${((r.ecsCalls / allowance) * 100).toFixed(0)}% of what ${options.quota} req/s with a burst of ${options.quotaBurst} allowed during the read`,
  );
  return { timeOk, throttleOk };
}

console.log(
  `pacing benchmark: ${clusters} clusters x ${servicesPerCluster} services x ${tasksPerService} tasks, ${cloudMapServices} Cloud Map services`,
);
console.log(
  `sandbox ECS quota ${options.quota} req/s, burst ${options.quotaBurst}; controller ECS bucket ${options.ecsRate ?? DEFAULT_PACING.ecs.rate}/s, burst ${options.ecsBurst ?? DEFAULT_PACING.ecs.burst}; machine load ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const sandbox = await startSandbox({
  port: 0,
  scenario: {
    name: 'bench',
    generate: { clusters, servicesPerCluster, tasksPerService, cloudMapServices, namespace: NAMESPACE },
  },
});
const work = await mkdtemp(join(tmpdir(), 'bench-pacing-'));
// plan's clients find the sandbox through the standard variables, as a user's would.
Object.assign(process.env, sandbox.env());
let failed = false;
try {
  await writeFile(join(work, 'bench.yaml'), POLICY);
  const common = options.concurrency ? ['--concurrency', options.concurrency] : [];
  if (options.baseline) {
    const unpaced = await fullRead(sandbox, work, [...common, '--ecs-rate', '0']);
    report('baseline, unpaced (--ecs-rate 0)', unpaced);
  }
  const paced = await fullRead(sandbox, work, [
    ...common,
    ...(options.ecsRate ? ['--ecs-rate', options.ecsRate] : []),
    ...(options.ecsBurst ? ['--ecs-burst', options.ecsBurst] : []),
    ...(options.cloudmapRate ? ['--cloudmap-rate', options.cloudmapRate] : []),
  ]);
  if (paced.code !== 0 && paced.code !== 2) {
    console.log(`plan failed with exit code ${paced.code}:\n${paced.stderr}`);
    failed = true;
  }
  const { timeOk, throttleOk } = report("paced (the controller's buckets)", paced);
  failed ||= !timeOk || !throttleOk;
} finally {
  await rm(work, { recursive: true, force: true });
  await sandbox.close();
}
process.exitCode = failed ? 1 : 0;
