/**
 * The outside judges' command-line tools. A judge that is missing fails its test with the tool's name and how to
 * install it (`.ci/run` installs them); nothing is ever skipped silently.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** How to get each judge on a Debian machine (what `.ci/run` does). */
export const INSTALL: Record<string, string> = {
  python3: 'apt-get install -y --no-install-recommends python3',
  botocore: 'apt-get install -y --no-install-recommends python3-botocore (or pip install botocore)',
  moto: 'pip install "moto[server]" (Debian has no python3-moto package)',
  moto_server: 'pip install "moto[server]" (Debian has no python3-moto package)',
  aws: 'apt-get install -y --no-install-recommends awscli',
  'cfn-lint': 'pip install cfn-lint (Debian has no cfn-lint package)',
  terraform: 'install terraform from HashiCorp (Debian has no terraform package)',
  promtool: 'apt-get install -y --no-install-recommends prometheus',
  prometheus: 'apt-get install -y --no-install-recommends prometheus',
};

/** Thrown when a judge is not installed: the message names the tool and how to install it. */
export class MissingJudgeError extends Error {
  constructor(tool: string, cause: string) {
    super(
      `outside judge "${tool}" is not available (${cause}); install it: ${INSTALL[tool] ?? tool}. .ci/run installs every judge.`,
    );
  }
}

/** Runs a judge synchronously; throws MissingJudgeError when the binary cannot be started. */
export function runJudge(
  tool: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(tool, args, {
    encoding: 'utf8',
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new MissingJudgeError(tool, `${tool} not on PATH`);
  if (result.error) throw new Error(`${tool} ${args.join(' ')} failed to run: ${result.error.message}`);
  return result;
}

/** Runs a judge asynchronously (so the test's own servers keep answering while it runs). */
export function runJudgeAsync(
  tool: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new MissingJudgeError(tool, `${tool} not on PATH`) : error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Fails (never skips) when python3 cannot import the given modules. */
export function requirePython(...modules: string[]): void {
  const result = runJudge('python3', ['-c', modules.map((m) => `import ${m}`).join('; ')]);
  if (result.status !== 0) {
    const missing = modules.find((m) => runJudge('python3', ['-c', `import ${m}`]).status !== 0) ?? modules[0];
    throw new MissingJudgeError(missing, `python3 cannot import ${missing}: ${result.stderr.trim().split('\n').pop()}`);
  }
}

/** A free 127.0.0.1 port, for servers (moto_server, prometheus) that cannot report the port they picked for 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
