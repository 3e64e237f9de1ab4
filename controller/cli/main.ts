import type { CliIo, CommandRunner } from './io.js';
import { installEarlyStop } from './early-stop.js';
import { EXIT, UsageError } from './io.js';

/** Each command lives in its own module, loaded only when used so `validate` stays fast. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: CommandRunner }> }> = {
  run: {
    summary: 'run the controller: reconcile on events and on a resync schedule',
    load: () => import('./commands/run.js'),
  },
  plan: {
    summary: 'one-shot dry run: print the drift and what enforce mode would do (exit 2 on drift)',
    load: () => import('./commands/plan.js'),
  },
  validate: {
    summary: 'validate policy files (exit 1 when any is invalid)',
    load: () => import('./commands/validate.js'),
  },
  sandbox: {
    summary: 'start the embedded AWS emulator with a demo fleet and the controller against it',
    load: () => loadSandboxCommand(),
  },
  'install-events': {
    summary: 'create or update the EventBridge rule that feeds the controller queue',
    load: () => import('./commands/install-events.js'),
  },
};

/**
 * The sandbox (emulator and demo) is development tooling: `npm run build` and the container image leave it out,
 * so its module is named by a variable, which tsc does not follow into the build.
 */
const SANDBOX_COMMAND = './commands/sandbox.js';

async function loadSandboxCommand(): Promise<{ run: CommandRunner }> {
  try {
    return (await import(SANDBOX_COMMAND)) as { run: CommandRunner };
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes('commands/sandbox')
    ) {
      throw new UsageError(
        'the sandbox is not part of this build (the image ships the controller only); run it from a checkout: npm ci && npm start',
      );
    }
    throw error;
  }
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `Usage: ecs-discovery-controller <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'ecs-discovery-controller <command> --help' for a command's options, '--version' for the version.\n`;
}

/** Runs the CLI with the given arguments (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    const { versionLine } = await import('./version.js');
    io.stdout.write(`${versionLine()}\n`);
    return EXIT.ok;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`error: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\nRun 'ecs-discovery-controller ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    // A command failed in a way it did not handle: say what, never dump a stack unless asked.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${name} failed: ${message}\n`);
    if (io.env.DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return EXIT.failure;
  }
}

const invokedDirectly = process.argv[1] && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
const invokedByBin = process.argv[1] && /ecs-discovery-controller(\.js)?$/.test(process.argv[1]);
if (invokedDirectly || invokedByBin) {
  // `run` is what a container stops with SIGTERM: until its own handlers are in place, exit 0 with a log line.
  if (process.argv[2] === 'run') installEarlyStop();
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}
