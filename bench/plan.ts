/**
 * Plan benchmark: a sandbox fleet of 20 clusters, 10,000 ECS services, 100,000 tasks and 2,000 Cloud Map
 * services (each backing one ECS service's registry, so 20,000 instances), then one full `plan` in a child
 * process, as a user would run it. Reports API calls against the lower bound and against a naive reader
 * measured in the same run on the same fleet, the plan process's peak RSS and wall time. Targets: calls <= 1.10 x
 * lower bound, calls <= 0.6 x the naive reader's, peak RSS <= 300 MiB; exits 1 when one is missed.
 *
 * The lower bound (bench/read-bound.ts, with its formula) is computed from the emulator's state and from what
 * each rule must read to decide its findings, independently of the controller's reader; the naive reader
 * (bench/naive-reader.ts) uses default page sizes, describes every RUNNING task 100 at a time and lists the
 * instances of every Cloud Map service.
 *
 * The plan runs as the built CLI would: compiled to JavaScript with esbuild (bench/cli-build.ts) and run by
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
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, BENCH_POLICY, parseFleetArgs } from './fleet-args.js';
import { naiveRead } from './naive-reader.js';
import { IMAGE_FLAGS, ROOT, compileCli } from './cli-build.js';
import { LOWER_BOUND_FORMULA, readLowerBound } from './read-bound.js';

const { clusters, servicesPerCluster, tasksPerService, cloudMapServices } = parseFleetArgs(process.argv.slice(2));
const MAX_RATIO = 1.1;
const MAX_NAIVE_RATIO = 0.6;
/** The bench policy's dnsTtl max (bench/fleet-args.ts BENCH_POLICY). */
const MAX_TTL_SECONDS = 10;
const MAX_RSS_MIB = 300;
const NAMESPACE = BENCH_NAMESPACE;
const POLICY = BENCH_POLICY;

function runPlan(
  policies: string,
  env: Record<string, string>,
  rssFile: string,
  nodeFlags: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args =
    RUNNER === 'tsx'
      ? ['--import', 'tsx', '--import', join(ROOT, 'bench/rss-probe.ts'), join(ROOT, 'controller/cli/main.ts')]
      : ['--import', COMPILED!.probe, COMPILED!.cli];
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/node'),
      [...nodeFlags, ...args, 'plan', '--policies', policies, '--output', 'json'],
      {
        cwd: ROOT,
        // Unpaced (rate 0): this sandbox has no quota, and calls and memory are measured here (bench/pacing.ts measures pacing).
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...env,
          ECS_RATE: '0',
          CLOUDMAP_RATE: '0',
          AUTOSCALING_RATE: '0',
          CLOUDTRAIL_RATE: '0',
          BENCH_RSS_FILE: rssFile,
        },
      },
    );
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
const COMPILED = RUNNER === 'compiled' ? await compileCli() : undefined;

/**
 * V8 sizes its heap from the host (on a large host: a 128 MiB young generation and an old generation that
 * grows to twice what is live before collecting). The tuned run uses exactly the container image's NODE_OPTIONS
 * (the Dockerfile's; test/bench/image-flags.test.ts holds them equal), so its figure is the image's.
 */
const TUNED_FLAGS = IMAGE_FLAGS;

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

console.log(
  `plan benchmark (${RUNNER} CLI): ${clusters} clusters x ${servicesPerCluster} services x ${tasksPerService} tasks, ${cloudMapServices} Cloud Map services`,
);
const loadStart = performance.now();
const sandbox = await startSandbox({
  port: 0,
  scenario: {
    name: 'bench',
    generate: { clusters, servicesPerCluster, tasksPerService, cloudMapServices, namespace: NAMESPACE },
  },
});
console.log(`sandbox loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
const work = await mkdtemp(join(tmpdir(), 'bench-plan-'));
let failed = false;
try {
  await writeFile(join(work, 'bench.yaml'), POLICY);
  const ecsServices = [...sandbox.ecs.state.clusters.values()].reduce((n, c) => n + c.activeServiceNames.size, 0);
  console.log(
    `fleet: ${fmt(sandbox.ecs.state.clusters.size)} clusters, ${fmt(ecsServices)} ECS services, ${fmt(sandbox.ecs.state.tasks.size)} tasks, ${fmt(sandbox.cloudMap.services().length)} Cloud Map services`,
  );
  const bound = readLowerBound(sandbox, NAMESPACE, MAX_TTL_SECONDS);
  const totalBound = Object.values(bound).reduce((a, b) => a + b, 0);
  sandbox.calls.reset();
  const naiveStart = performance.now();
  const naiveSaw = await naiveRead({ endpoint: sandbox.url, region: sandbox.region }, NAMESPACE);
  const naiveCalls = sandbox.calls.snapshot();
  const naiveTotal = Object.values(naiveCalls).reduce((a, b) => a + b, 0);
  console.log(
    `naive reader: ${fmt(naiveTotal)} calls in ${((performance.now() - naiveStart) / 1000).toFixed(1)} s (saw ${fmt(naiveSaw.tasks)} running tasks, ${fmt(naiveSaw.instances)} instances)`,
  );

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
    console.log(
      `\nrun ${run.label}: exit ${r.code} (${r.findings} findings), wall ${(r.wallMs / 1000).toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB`,
    );
  }
  // CloudTrail (ownership evidence) is paced and outside the bound; it is printed, not counted.
  const { 'cloudtrail:LookupEvents': lookups = 0, ...calls } = first!.calls;
  if (lookups) console.log(`cloudtrail:LookupEvents ${lookups} (ownership evidence, not counted)`);
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  const ratio = total / totalBound;
  const ratioOk = ratio <= MAX_RATIO;
  const naiveRatio = total / naiveTotal;
  const naiveOk = naiveRatio <= MAX_NAIVE_RATIO;
  const rssOk = tunedRss > 0 && tunedRss <= MAX_RSS_MIB;
  console.log(
    `\nAPI calls: ${fmt(total)} / lower bound ${fmt(totalBound)} = ${ratio.toFixed(3)} (target <= ${MAX_RATIO}) ${ratioOk ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `API calls: ${fmt(total)} / naive reader ${fmt(naiveTotal)} = ${naiveRatio.toFixed(3)} (target <= ${MAX_NAIVE_RATIO}) ${naiveOk ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `peak RSS with ${TUNED_FLAGS.join(' ')}: ${tunedRss.toFixed(0)} MiB (target <= ${MAX_RSS_MIB} MiB) ${rssOk ? 'OK' : 'MISSED'}; with default flags: ${first!.rssMiB.toFixed(0)} MiB`,
  );
  console.log(`\n${'operation'.padEnd(48)} ${'calls'.padStart(7)}   lower bound   naive`);
  for (const op of [...new Set([...Object.keys(calls), ...Object.keys(bound), ...Object.keys(naiveCalls)])].sort()) {
    console.log(
      `${op.padEnd(48)} ${fmt(calls[op] ?? 0).padStart(7)}   ${fmt(bound[op] ?? 0).padStart(11)}   ${fmt(naiveCalls[op] ?? 0).padStart(5)}`,
    );
  }
  console.log(
    `${'total'.padEnd(48)} ${fmt(total).padStart(7)}   ${fmt(totalBound).padStart(11)}   ${fmt(naiveTotal).padStart(5)}`,
  );
  console.log(`\n${LOWER_BOUND_FORMULA}`);
  failed ||= !rssOk || !ratioOk || !naiveOk;
} finally {
  await rm(work, { recursive: true, force: true });
  await sandbox.close();
}
process.exitCode = failed ? 1 : 0;
