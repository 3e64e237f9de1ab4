/**
 * Plan benchmark: a sandbox fleet of 20 clusters, 10,000 ECS services, 100,000 tasks and 2,000 Cloud Map
 * services (each backing one ECS service's registry, so 20,000 instances), then one full `plan` in a child
 * process, as a user would run it. Reports API calls against the lower bound, the plan process's peak RSS
 * and wall time. Targets: calls <= 1.10 x lower bound, peak RSS <= 300 MiB; exits 1 when one is missed.
 *
 * Lower bound (computed here from the emulator's own state, not from what the reader saw), with the APIs'
 * largest page and batch sizes; C clusters; per cluster S_c ACTIVE services, U_c non-ACTIVE services still
 * named by a task or an ECS-registered instance (found only by name), R_c running and X_c stopped tasks;
 * N namespaces; T Cloud Map services in the account (Cloud Map pages first, then filters by namespace);
 * I_s instances of Cloud Map service s in a namespace the policy covers:
 *   ecs:ListClusters = max(1, ceil(C/100))                 ecs:ListServices = Σ_c max(1, ceil(S_c/100))
 *   ecs:DescribeServices = Σ_c ceil(S_c/10) + ceil(U_c/10)  ecs:ListTasks = Σ_c max(1, ceil(R_c/100)) + max(1, ceil(X_c/100))
 *   ecs:DescribeTasks = Σ_c ceil((R_c+X_c)/100)            servicediscovery:ListNamespaces = max(1, ceil(N/100))
 *   servicediscovery:ListServices = Σ_namespaces max(1, ceil(T/100))
 *   servicediscovery:ListInstances = Σ_s max(1, ceil(I_s/100))   servicediscovery:ListTagsForResource = Σ_s 1
 *   application-autoscaling:DescribeScalableTargets = min(ceil(A/50), max(1, ceil(E/50))) when A > 0, A = ACTIVE
 *     services using service discovery (taskLimit needs their maximum task count), E = the account's ECS scalable
 *     targets in the region: batches of 50 ResourceIds, or one listing of the ecs namespace (what the reader does)
 *
 * The plan runs as the built CLI would: bench/plan-entry.ts compiled to JavaScript with esbuild and run by
 * plain Node 24 (tsx alone adds ~40 MiB of RSS). BENCH_PLAN_RUNNER=tsx runs the TypeScript directly. It runs
 * twice: with Node's default heap sizing and with the bounds the container image should set (TUNED_FLAGS);
 * the RSS target is judged on the second, both are printed.
 *
 * Run: node_modules/.bin/tsx bench/plan.ts [--small] [clusters servicesPerCluster tasksPerService cloudMapServices]
 *   (bench/fleet-args.ts: --small is 4 clusters x 100 services x 5 tasks, 200 Cloud Map services)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, BENCH_POLICY, parseFleetArgs } from './fleet-args.js';

const { clusters, servicesPerCluster, tasksPerService, cloudMapServices } = parseFleetArgs(process.argv.slice(2));
const MAX_RATIO = 1.1;
const MAX_RSS_MIB = 300;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NAMESPACE = BENCH_NAMESPACE;
const POLICY = BENCH_POLICY;

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
const batches = (n: number, size: number) => Math.ceil(n / size);

/** The formula above, evaluated on the emulator's state (the policy covers every cluster and the one namespace). */
function lowerBound(sandbox: Sandbox): Record<string, number> {
  const state = sandbox.ecs.state;
  const bound: Record<string, number> = {};
  const add = (op: string, n: number) => (bound[op] = (bound[op] ?? 0) + n);
  add('ecs:ListClusters', pages(state.clusters.size, 100));
  const namedByName = new Map<string, Set<string>>();
  const name = (cluster: string, service: string) => {
    const set = namedByName.get(cluster) ?? new Set<string>();
    set.add(service);
    namedByName.set(cluster, set);
  };
  for (const task of state.tasks.values()) if (task.service && task.service.status !== 'ACTIVE') name(task.cluster.name, task.service.name);
  const cloudMap = sandbox.cloudMap;
  const namespace = cloudMap.namespaceByRef(NAMESPACE);
  const inScope = cloudMap.services().filter((s) => s.namespaceId === namespace?.id);
  for (const service of inScope) {
    for (const instance of cloudMap.instances(service.id)) {
      const [cluster, ecsService] = [instance.attributes.ECS_CLUSTER_NAME, instance.attributes.ECS_SERVICE_NAME];
      const found = cluster && ecsService ? state.clusters.get(cluster)?.services.get(ecsService) : undefined;
      if (found && found.status !== 'ACTIVE') name(cluster, ecsService);
    }
  }
  let discoveryServices = 0;
  for (const cluster of state.clusters.values()) {
    for (const service of cluster.services.values()) {
      const serviceConnect = service.deployments.some((d) => d.serviceConnect?.enabled && (d.serviceConnect.services?.length ?? 0) > 0);
      if (service.status === 'ACTIVE' && (service.serviceRegistries.length > 0 || serviceConnect)) discoveryServices++;
    }
    const active = cluster.activeServiceNames.size;
    const [running, stopped] = [cluster.runningTaskIds.size, cluster.stoppedTaskIds.size];
    add('ecs:ListServices', pages(active, 100));
    add('ecs:DescribeServices', batches(active, 10) + batches(namedByName.get(cluster.name)?.size ?? 0, 10));
    add('ecs:ListTasks', pages(running, 100) + pages(stopped, 100));
    add('ecs:DescribeTasks', batches(running + stopped, 100));
  }
  if (discoveryServices > 0) add('application-autoscaling:DescribeScalableTargets', Math.min(batches(discoveryServices, 50), pages(ecsScalableTargets(sandbox), 50)));
  add('servicediscovery:ListNamespaces', pages(cloudMap.namespaces().length, 100));
  if (namespace) add('servicediscovery:ListServices', pages(cloudMap.services().length, 100));
  for (const service of inScope) {
    add('servicediscovery:ListInstances', pages(cloudMap.instanceCount(service.id), 100));
    add('servicediscovery:ListTagsForResource', 1);
  }
  return bound;
}

/** E in the formula: the ECS scalable targets the emulator holds, counted through its own operation in process. */
function ecsScalableTargets(sandbox: Sandbox): number {
  const describe = sandbox.autoScaling.service.operations.DescribeScalableTargets;
  let count = 0;
  let NextToken: string | undefined;
  do {
    const page = describe({ ServiceNamespace: 'ecs', MaxResults: 50, ...(NextToken ? { NextToken } : {}) }) as { ScalableTargets: unknown[]; NextToken?: string };
    count += page.ScalableTargets.length;
    NextToken = page.NextToken;
  } while (NextToken);
  return count;
}

/**
 * Compiles the CLI to plain JavaScript inside the repository (so its bare imports resolve to node_modules),
 * split per command like the tsc build, so `plan` loads only its own dependencies.
 */
async function compileCli(): Promise<string> {
  const outdir = join(ROOT, 'node_modules/.cache/bench-plan');
  await build({
    entryPoints: [join(ROOT, 'bench/plan-entry.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', outdir, outExtension: { '.js': '.mjs' }, logLevel: 'error',
  });
  return join(outdir, 'plan-entry.mjs');
}

function runPlan(policies: string, env: Record<string, string>, rssFile: string, nodeFlags: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = RUNNER === 'tsx'
    ? ['--import', 'tsx', '--import', join(ROOT, 'bench/rss-probe.ts'), join(ROOT, 'controller/cli/main.ts')]
    : ['--import', PROBE_JS, CLI_JS];
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/node'), [...nodeFlags, ...args, 'plan', '--policies', policies, '--output', 'json'], {
      cwd: ROOT,
      // Unpaced (rate 0): this sandbox has no quota, and calls and memory are measured here (bench/pacing.ts measures pacing).
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ECS_RATE: '0', CLOUDMAP_RATE: '0', AUTOSCALING_RATE: '0', CLOUDTRAIL_RATE: '0', BENCH_RSS_FILE: rssFile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const fmt = (n: number) => n.toLocaleString('en-US');
const RUNNER = process.env.BENCH_PLAN_RUNNER === 'tsx' ? 'tsx' : 'compiled';
const CLI_JS = RUNNER === 'compiled' ? await compileCli() : '';
const PROBE_JS = join(ROOT, 'node_modules/.cache/bench-plan-probe/rss-probe.mjs');
if (RUNNER === 'compiled') await build({ entryPoints: [join(ROOT, 'bench/rss-probe.ts')], platform: 'node', format: 'esm', outfile: PROBE_JS, logLevel: 'error' });

/**
 * V8 sizes its heap from the host (on a large host: a 128 MiB young generation and an old generation that
 * grows to twice what is live before collecting). These bounds are what the container image should set
 * (NODE_OPTIONS); they keep 4x headroom over what a read of this fleet retains (about 60 MiB).
 */
const TUNED_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=256'];

interface RunResult {
  code: number | null;
  findings: number;
  wallMs: number;
  rssMiB: number;
  calls: Record<string, number>;
  stderr: string;
}

async function measuredRun(sandbox: Sandbox, policies: string, flags: readonly string[]): Promise<RunResult> {
  sandbox.calls.reset();
  const rssFile = join(policies, `rss-${Date.now()}`);
  const started = performance.now();
  const result = await runPlan(policies, sandbox.env(), rssFile, flags);
  const wallMs = performance.now() - started;
  const rssMiB = Number(await readFile(rssFile, 'utf8').catch(() => '0')) / 1024 / 1024;
  await rm(rssFile, { force: true });
  let findings = 0;
  try {
    findings = (JSON.parse(result.stdout) as { findings: unknown[] }).findings.length;
  } catch {
    findings = -1;
  }
  return { code: result.code, findings, wallMs, rssMiB, calls: sandbox.calls.snapshot(), stderr: result.stderr };
}

console.log(`plan benchmark (${RUNNER} CLI): ${clusters} clusters x ${servicesPerCluster} services x ${tasksPerService} tasks, ${cloudMapServices} Cloud Map services`);
const loadStart = performance.now();
const sandbox = await startSandbox({ port: 0, scenario: { name: 'bench', generate: { clusters, servicesPerCluster, tasksPerService, cloudMapServices, namespace: NAMESPACE } } });
console.log(`sandbox loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
const work = await mkdtemp(join(tmpdir(), 'bench-plan-'));
let failed = false;
try {
  await writeFile(join(work, 'bench.yaml'), POLICY);
  const ecsServices = [...sandbox.ecs.state.clusters.values()].reduce((n, c) => n + c.activeServiceNames.size, 0);
  console.log(`fleet: ${fmt(sandbox.ecs.state.clusters.size)} clusters, ${fmt(ecsServices)} ECS services, ${fmt(sandbox.ecs.state.tasks.size)} tasks, ${fmt(sandbox.cloudMap.services().length)} Cloud Map services`);
  const bound = lowerBound(sandbox);
  const totalBound = Object.values(bound).reduce((a, b) => a + b, 0);

  const runs = [
    { label: 'default Node flags', flags: [] as string[] },
    { label: `with ${TUNED_FLAGS.join(' ')} (NODE_OPTIONS for the image)`, flags: TUNED_FLAGS },
  ];
  let first: RunResult | undefined;
  let tunedRss = 0;
  for (const run of runs) {
    const r = await measuredRun(sandbox, work, run.flags);
    first ??= r;
    if (run.flags.length) tunedRss = r.rssMiB;
    if (r.code !== 0 && r.code !== 2) {
      console.log(`plan failed (${run.label}) with exit code ${r.code}:\n${r.stderr}`);
      failed = true;
    }
    console.log(`\nrun ${run.label}: exit ${r.code} (${r.findings} findings), wall ${(r.wallMs / 1000).toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB`);
  }
  const calls = first!.calls;
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  const ratio = total / totalBound;
  const ratioOk = ratio <= MAX_RATIO;
  const rssOk = tunedRss > 0 && tunedRss <= MAX_RSS_MIB;
  console.log(`\nAPI calls: ${fmt(total)} / lower bound ${fmt(totalBound)} = ${ratio.toFixed(3)} (target <= ${MAX_RATIO}) ${ratioOk ? 'OK' : 'MISSED'}`);
  console.log(`peak RSS with ${TUNED_FLAGS.join(' ')}: ${tunedRss.toFixed(0)} MiB (target <= ${MAX_RSS_MIB} MiB) ${rssOk ? 'OK' : 'MISSED'}; with default flags: ${first!.rssMiB.toFixed(0)} MiB`);
  console.log(`\n${'operation'.padEnd(48)} ${'calls'.padStart(7)}   lower bound`);
  for (const op of [...new Set([...Object.keys(calls), ...Object.keys(bound)])].sort()) {
    console.log(`${op.padEnd(48)} ${fmt(calls[op] ?? 0).padStart(7)}   ${fmt(bound[op] ?? 0).padStart(11)}`);
  }
  console.log('\nlower bound: see the formula at the top of bench/plan.ts (largest page/batch sizes; Cloud Map lists pages before filtering)');
  failed ||= !rssOk || !ratioOk;
} finally {
  await rm(work, { recursive: true, force: true });
  await sandbox.close();
}
process.exitCode = failed ? 1 : 0;
