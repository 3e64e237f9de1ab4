/**
 * Memory benchmark (issue #17), part of `npm run bench`: for fleets from 1,000 to 100,000 ECS services (500 services
 * per cluster, 10 tasks per service, one Cloud Map service per five ECS services), a full `plan` in a child process
 * under the image's NODE_OPTIONS, and a table of services against peak RSS and wall time; from it the fixed base and
 * the RSS per 1,000 services (least squares over the sizes that completed). Then `run`, the long-lived controller,
 * on the 30,000-service fleet under the same NODE_OPTIONS (bench/memory-run.ts): first full read, resyncs by change
 * signals with events flowing, a full resync; per phase peak RSS, heap used, GC and wall time; and the same on
 * 1,000 services for the run's own base and slope. Targets: <= 6 MiB per 1,000 services above the base (plan, and
 * run), the 100,000-service plan completes, `run` at 30,000 services completes every phase within the image's
 * heap. Exits 1 when one is missed.
 *
 * The measured processes run the CLI as built (bench/cli-build.ts), unpaced (rate 0: this sandbox has no quota),
 * against a sandbox in this process (whose own memory is not measured).
 *
 * Run: node_modules/.bin/tsx bench/memory.ts [--small] [--sizes 1000,3000,10000,30000,100000]
 *   [--run-services 1000,30000] [--tasks-per-service 10] [--heap-snapshot]
 *   --small: sizes 500,1000,2000 and `run` at 500 and 2,000 services. --run-services 0 skips `run`. --heap-snapshot:
 *   the `run` child writes a heap snapshot near its heap limit (--heapsnapshot-near-heap-limit) into a kept folder.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { IMAGE_FLAGS, NODE, ROOT, cliEnv, compileCli, type CompiledCli } from './cli-build.js';
import { BENCH_NAMESPACE, BENCH_POLICY } from './fleet-args.js';
import { measureRun, printRun, type RunMeasurement } from './memory-run.js';
import type { ProbeSample } from './rss-probe.js';

const TARGET_MIB_PER_1K = 6;
const RUN_TIMEOUT_MS = 30 * 60_000;

const { values: flags } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    small: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    'run-services': { type: 'string' },
    'tasks-per-service': { type: 'string', default: '10' },
    'heap-snapshot': { type: 'boolean', default: false },
  },
});
const sizes = String(flags.sizes ?? (flags.small ? '500,1000,2000' : '1000,3000,10000,30000,100000'))
  .split(',')
  .map(Number)
  .filter((n) => Number.isSafeInteger(n) && n > 0);
const runSizes = String(flags['run-services'] ?? (flags.small ? '500,2000' : '1000,30000'))
  .split(',')
  .map(Number)
  .filter((n) => Number.isSafeInteger(n) && n > 0);
const tasksPerService = Number(flags['tasks-per-service']);
const out = (line = '') => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
const fmt = (n: number) => n.toLocaleString('en-US');
const MIB = 1024 * 1024;
const mib = (n: number) => `${n.toFixed(0)} MiB`;
const sec = (s: number) => `${s.toFixed(1)} s`;
/** On --small fleets start-up dominates RSS and the slope says little: printed, not judged. */
const verdict = (ok: boolean) =>
  flags.small ? `${ok ? 'met' : 'missed'} [--small: not judged]` : ok ? 'met' : 'MISSED';

/** A generated fleet of `services` ECS services; resolves with the sandbox and how long generating it took. */
async function fleet(services: number): Promise<{ sandbox: Sandbox; generateS: number }> {
  const started = performance.now();
  const clusters = Math.max(1, Math.ceil(services / 500));
  const sandbox = await startSandbox({
    port: 0,
    scenario: {
      name: 'bench-memory',
      generate: {
        clusters,
        servicesPerCluster: Math.ceil(services / clusters),
        tasksPerService,
        cloudMapServices: Math.ceil(services / 5),
        namespace: BENCH_NAMESPACE,
      },
    },
  });
  return { sandbox, generateS: (performance.now() - started) / 1000 };
}

/** What one `plan` cost: peak RSS and heap, wall time, and where the CPU went (the plan's, its GC's, the sandbox's). */
interface PlanCost {
  code: number | null;
  rssMiB: number;
  heapMiB: number;
  wallS: number;
  /** CPU of the plan process (every thread), its main thread's GC pauses, and this process's (the sandbox). */
  cpuS: number;
  gcS: number;
  sandboxCpuS: number;
  stderr: string;
}

/** One `plan` of the sandbox's fleet in a child process. */
async function measurePlan(cli: CompiledCli, sandbox: Sandbox, policies: string): Promise<PlanCost> {
  const rssFile = join(policies, '..', 'plan-rss');
  const samplesFile = join(policies, '..', 'plan-samples.jsonl');
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(NODE, ['--import', cli.probe, cli.cli, 'plan', '--policies', policies, '--output', 'json'], {
      cwd: ROOT,
      env: cliEnv(sandbox.env(), {
        NODE_OPTIONS: IMAGE_FLAGS.join(' '),
        BENCH_RSS_FILE: rssFile,
        BENCH_SAMPLES_FILE: samplesFile,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  const wallS = (performance.now() - started) / 1000;
  const sandboxCpu = process.cpuUsage(cpuBefore);
  const rssMiB = Number(await readFile(rssFile, 'utf8').catch(() => '0')) / MIB;
  const samples = (await readFile(samplesFile, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProbeSample);
  await rm(rssFile, { force: true });
  await rm(samplesFile, { force: true });
  return {
    ...result,
    rssMiB,
    heapMiB: Math.max(0, ...samples.map((x) => x.heapUsed)) / MIB,
    wallS,
    cpuS: (samples.at(-1)?.cpuMs ?? 0) / 1000,
    gcS: samples.reduce((n, x) => n + x.minorMs + x.majorMs, 0) / 1000,
    sandboxCpuS: (sandboxCpu.user + sandboxCpu.system) / 1e6,
  };
}

const cli = await compileCli();
const work = await mkdtemp(join(tmpdir(), 'bench-memory-'));
const planPolicies = join(work, 'plan-policies');
await mkdir(planPolicies);
await writeFile(join(planPolicies, 'bench.yaml'), BENCH_POLICY);
out(
  `memory benchmark: NODE_OPTIONS="${IMAGE_FLAGS.join(' ')}" (the image's), ${tasksPerService} tasks per service, 500 services per cluster, one Cloud Map service per 5`,
);
out(`machine: ${cpus().length} CPUs, load average ${load()} at ${new Date().toISOString()}`);
out();
out(`plan, one full read per fleet size:`);
out(
  `${'services'.padStart(9)} ${'tasks'.padStart(10)} ${'peak RSS'.padStart(9)} ${'peak heap'.padStart(9)} ${'wall'.padStart(8)} ${'plan CPU'.padStart(8)} ${'GC pauses'.padStart(9)} ${'sandbox CPU'.padStart(11)} ${'fleet gen'.padStart(9)}  exit  load`,
);
const rows: { services: number; rssMiB: number; wallS: number; ok: boolean }[] = [];
const runs = new Map<number, RunMeasurement>();
let failed = false;
try {
  const allSizes = [...new Set([...sizes, ...runSizes])].sort((a, b) => a - b);
  for (const services of allSizes) {
    const { sandbox, generateS } = await fleet(services);
    try {
      if (sizes.includes(services)) {
        const r = await measurePlan(cli, sandbox, planPolicies);
        const ok = r.code === 0 || r.code === 2;
        rows.push({ services, rssMiB: r.rssMiB, wallS: r.wallS, ok });
        out(
          `${fmt(services).padStart(9)} ${fmt(sandbox.ecs.state.tasks.size).padStart(10)} ${mib(r.rssMiB).padStart(9)} ${mib(r.heapMiB).padStart(9)} ${sec(r.wallS).padStart(8)} ${sec(r.cpuS).padStart(8)} ${sec(r.gcS).padStart(9)} ${sec(r.sandboxCpuS).padStart(11)} ${sec(generateS).padStart(9)}  ${String(r.code).padStart(4)}  ${load()}${ok ? '' : ` FAILED: ${r.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`}`,
        );
      }
      // The plan only read the fleet: `run` gets the same one (it kills tasks and moves the clock: last).
      if (runSizes.includes(services)) {
        out(`\nrun on the ${fmt(services)}-service fleet (after its plan row), load average ${load()}:`);
        const run = await measureRun(sandbox, cli, work, {
          timeoutMs: RUN_TIMEOUT_MS,
          heapSnapshot: !!flags['heap-snapshot'],
        });
        runs.set(services, run);
        printRun(run, out);
        out(`(load average ${load()})\n`);
      }
    } finally {
      await sandbox.close();
    }
  }
} finally {
  if (!flags['heap-snapshot']) await rm(work, { recursive: true, force: true });
  else out(`heap snapshots (if the heap limit came near) and the run's samples are in ${work}`);
}

out(`\n#17 memory figures against their targets:`);
const done = rows.filter((r) => r.ok);
let base = 0;
let per1k = Number.NaN;
if (done.length >= 2) {
  // Least squares: rss = base + slope x services.
  const n = done.length;
  const mx = done.reduce((s, r) => s + r.services, 0) / n;
  const my = done.reduce((s, r) => s + r.rssMiB, 0) / n;
  const slope =
    done.reduce((s, r) => s + (r.services - mx) * (r.rssMiB - my), 0) /
    done.reduce((s, r) => s + (r.services - mx) ** 2, 0);
  per1k = slope * 1000;
  base = my - slope * mx;
  const ok = per1k <= TARGET_MIB_PER_1K;
  failed ||= !ok && !flags.small;
  out(
    `  plan peak RSS ~ ${base.toFixed(0)} MiB base + ${per1k.toFixed(2)} MiB per 1,000 services (target <= ${TARGET_MIB_PER_1K} MiB per 1,000): ${verdict(ok)}`,
  );
}
const largest = sizes.length ? Math.max(...sizes) : 0;
const largestOk = rows.find((r) => r.services === largest)?.ok ?? false;
failed ||= !largestOk || rows.some((r) => !r.ok);
out(
  `  ${fmt(largest)}-service plan: ${largestOk ? 'completed' : 'did NOT complete'} (target: 100,000 completes)${largest < 100_000 ? ' [not the target size]' : ''}`,
);
const runSmall = Math.min(...runSizes);
const runLarge = Math.max(...runSizes);
for (const [services, run] of [...runs].sort((a, b) => a[0] - b[0])) {
  failed ||= !!run.failure;
  out(
    `  run at ${fmt(services)} services within the image's heap: ${run.failure ? `FAILED (${run.failure})` : 'completed every phase'}, peak heap used ${run.peakHeapMiB.toFixed(0)} of ${run.heapLimitMiB.toFixed(0)} MiB, peak RSS ${run.peakRssMiB.toFixed(0)} MiB${services === 30_000 || services !== runLarge ? '' : ' [not the target size]'}`,
  );
}
const small = runs.get(runSmall);
const large = runs.get(runLarge);
if (small && large && runLarge > runSmall) {
  // Two points: the run's own base (its policy-loader thread, telemetry server and event consumer) and slope.
  const runPer1k = ((large.peakRssMiB - small.peakRssMiB) / (runLarge - runSmall)) * 1000;
  const ok = runPer1k <= TARGET_MIB_PER_1K;
  failed ||= !ok && !flags.small;
  out(
    `  run peak RSS ~ ${(small.peakRssMiB - (runPer1k * runSmall) / 1000).toFixed(0)} MiB base + ${runPer1k.toFixed(2)} MiB per 1,000 services (from ${fmt(runSmall)} and ${fmt(runLarge)}; target <= ${TARGET_MIB_PER_1K}): ${verdict(ok)}`,
  );
}
out(`  load average ${load()}`);
process.exitCode = failed ? 1 : 0;
