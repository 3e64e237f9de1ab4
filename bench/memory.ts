/**
 * Memory benchmark (`npm run bench:memory`, apart from `npm run bench` because the large fleets take long): for
 * fleets from 1,000 to 100,000 ECS services (500 services per cluster, 10 tasks per service by default, one Cloud Map
 * service per five ECS services), a full `plan` in a child process with the image's heap settings (the Dockerfile's
 * NODE_OPTIONS), and a table of services against peak RSS and wall time. From the table: the fixed base and the
 * RSS per 1,000 services (least squares over the sizes that completed). Targets (issue #17): <= 6 MiB per 1,000
 * services above the base, and the 100,000-service plan completes.
 *
 * The plan runs as the built CLI would (bench/plan-entry.ts compiled with esbuild, plain Node), unpaced (rate 0:
 * this sandbox has no quota), against a sandbox in this process (whose own memory is not measured).
 *
 * Run: node_modules/.bin/tsx bench/memory.ts [--sizes 1000,3000,10000,30000,100000] [--tasks-per-service 10]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { startSandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, BENCH_POLICY } from './fleet-args.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TARGET_MIB_PER_1K = 6;
/** The image's heap settings (Dockerfile NODE_OPTIONS); test/manifests/dockerfile.test.ts keeps them in step. */
const IMAGE_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=384'];

const { values: flags } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    sizes: { type: 'string', default: '1000,3000,10000,30000,100000' },
    'tasks-per-service': { type: 'string', default: '10' },
  },
});
const sizes = String(flags.sizes)
  .split(',')
  .map(Number)
  .filter((n) => Number.isSafeInteger(n) && n > 0);
const tasksPerService = Number(flags['tasks-per-service']);
const out = (line = '') => process.stdout.write(`${line}\n`);

async function compile(): Promise<{ cli: string; probe: string }> {
  const outdir = join(ROOT, 'node_modules/.cache/bench-memory');
  await build({
    entryPoints: [join(ROOT, 'bench/plan-entry.ts')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const probe = join(outdir, 'probe/rss-probe.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench/rss-probe.ts')],
    platform: 'node',
    format: 'esm',
    outfile: probe,
    logLevel: 'error',
  });
  return { cli: join(outdir, 'plan-entry.mjs'), probe };
}

function runPlan(
  cli: string,
  probe: string,
  policies: string,
  env: Record<string, string>,
  rssFile: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/node'),
      [...IMAGE_FLAGS, '--import', probe, cli, 'plan', '--policies', policies, '--output', 'json'],
      {
        cwd: ROOT,
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
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const { cli, probe } = await compile();
const work = await mkdtemp(join(tmpdir(), 'bench-memory-'));
await writeFile(join(work, 'bench.yaml'), BENCH_POLICY);
out(
  `memory benchmark: plan with ${IMAGE_FLAGS.join(' ')} (the image's NODE_OPTIONS), ${tasksPerService} tasks per service, 500 services per cluster`,
);
out(
  `machine: ${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}`,
);
out();
out(`${'services'.padStart(9)} ${'tasks'.padStart(9)} ${'peak RSS'.padStart(9)} ${'wall'.padStart(8)}  exit`);
const rows: { services: number; rssMiB: number; wallS: number; ok: boolean }[] = [];
try {
  for (const services of sizes) {
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
    try {
      const rssFile = join(work, `rss-${services}`);
      const started = performance.now();
      const result = await runPlan(cli, probe, work, sandbox.env(), rssFile);
      const wallS = (performance.now() - started) / 1000;
      const rssMiB = Number(await readFile(rssFile, 'utf8').catch(() => '0')) / 1024 / 1024;
      const ok = result.code === 0 || result.code === 2;
      rows.push({ services, rssMiB, wallS, ok });
      out(
        `${services.toLocaleString('en-US').padStart(9)} ${sandbox.ecs.state.tasks.size.toLocaleString('en-US').padStart(9)} ${`${rssMiB.toFixed(0)} MiB`.padStart(9)} ${`${wallS.toFixed(1)} s`.padStart(8)}  ${result.code}${ok ? '' : ` FAILED: ${result.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`}`,
      );
    } finally {
      await sandbox.close();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
const done = rows.filter((r) => r.ok);
if (done.length >= 2) {
  // Least squares: rss = base + slope x services.
  const n = done.length;
  const mx = done.reduce((s, r) => s + r.services, 0) / n;
  const my = done.reduce((s, r) => s + r.rssMiB, 0) / n;
  const slope =
    done.reduce((s, r) => s + (r.services - mx) * (r.rssMiB - my), 0) /
    done.reduce((s, r) => s + (r.services - mx) ** 2, 0);
  const per1k = slope * 1000;
  out();
  out(
    `peak RSS ~ ${(my - slope * mx).toFixed(0)} MiB + ${per1k.toFixed(2)} MiB per 1,000 services (target <= ${TARGET_MIB_PER_1K} MiB per 1,000): ${per1k <= TARGET_MIB_PER_1K ? 'met' : 'MISSED'}`,
  );
}
const largest = sizes.length ? Math.max(...sizes) : 0;
const largestRow = rows.find((r) => r.services === largest);
out(
  `${largest.toLocaleString('en-US')}-service plan: ${largestRow?.ok ? 'completed' : 'did NOT complete'} (target: 100,000 completes)`,
);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
