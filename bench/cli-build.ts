/**
 * The CLI as the benchmarks run it: bench/plan-entry.ts compiled to plain JavaScript with esbuild (tsx alone adds
 * ~40 MiB of RSS), split per command like the tsc build so each command loads only its own dependencies, plus the
 * policy loader's worker (run loads policies off the main thread) and the RSS probe preloaded into the measured
 * process. Output goes to this worktree's .cache/ (node_modules may be shared with other checkouts, whose
 * benchmarks must not overwrite the code this one measures); bare imports resolve to the repository's node_modules.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root (this file's parent folder). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Node 24 from node_modules (the machine's own node may be older). */
export const NODE = join(ROOT, 'node_modules/.bin/node');

/** The image's heap settings (Dockerfile NODE_OPTIONS); test/manifests/dockerfile.test.ts keeps them in step. */
export const IMAGE_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=384'] as const;

/** Paths of the compiled CLI entry and of the probe to preload with --import. */
export interface CompiledCli {
  cli: string;
  probe: string;
}

/** Compiles the CLI, its policy-loader worker and the RSS probe; returns where they are. */
export async function compileCli(): Promise<CompiledCli> {
  const outdir = join(ROOT, '.cache/bench-cli');
  await build({
    // The loader finds its worker as load-worker.js beside the chunk that starts it (controller/policy/load-off-thread.ts).
    entryPoints: {
      cli: join(ROOT, 'bench/plan-entry.ts'),
      'load-worker': join(ROOT, 'controller/policy/load-worker.ts'),
    },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    outdir,
    logLevel: 'error',
  });
  const probe = join(outdir, 'probe/rss-probe.js');
  await build({
    entryPoints: [join(ROOT, 'bench/rss-probe.ts')],
    platform: 'node',
    format: 'esm',
    outfile: probe,
    logLevel: 'error',
  });
  return { cli: join(outdir, 'cli.js'), probe };
}

/** The environment of a measured CLI process: only the sandbox's, unpaced (the sandbox has no quota here). */
export function cliEnv(sandboxEnv: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...sandboxEnv,
    ECS_RATE: '0',
    CLOUDMAP_RATE: '0',
    AUTOSCALING_RATE: '0',
    CLOUDTRAIL_RATE: '0',
    ...extra,
  };
}
