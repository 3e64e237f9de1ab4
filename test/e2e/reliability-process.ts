/** `ecs-discovery-controller run` as its own process, as a container runs it, with its JSON logs collected. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const nodeBin = join(repoRoot, 'node_modules/.bin/node');

export interface RunProcess {
  child: ChildProcess;
  /** Parsed pino lines from stderr (non-JSON lines as { msg }). */
  logs: Record<string, any>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `run` with these arguments and only the given environment (plus PATH and HOME). `viaBin` runs the
 * published bin script with this very Node binary (no wrapper process in between, so signals reach it).
 */
export function spawnRun(args: string[], env: Record<string, string>, options: { viaBin?: boolean } = {}): RunProcess {
  const command = options.viaBin
    ? ([process.execPath, ['bin/ecs-discovery-controller.js', 'run', ...args]] as const)
    : ([nodeBin, ['--import', 'tsx', 'controller/cli/main.ts', 'run', ...args]] as const);
  const child = spawn(command[0], [...command[1]], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, any>[] = [];
  let buffer = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, logs, exit };
}

/** Sends SIGTERM and waits for the exit; SIGKILLs after `killAfterMs` so a hung process fails the test instead of hanging it. */
export async function terminate(
  run: RunProcess,
  killAfterMs = 30_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }> {
  const started = Date.now();
  const guard = setTimeout(() => run.child.kill('SIGKILL'), killAfterMs);
  run.child.kill('SIGTERM');
  try {
    const result = await run.exit;
    return { ...result, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(guard);
  }
}
