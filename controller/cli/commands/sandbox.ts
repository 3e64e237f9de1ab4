import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandbox, ScenarioError, type Sandbox } from '../../../sandbox/index.js';
import { parseQuotaFlag, type QuotaSpec } from '../../../sandbox/core/quotas.js';
import { runDemo } from './sandbox-demo.js';
import type { CliIo } from '../io.js';
import { EXIT, UsageError } from '../io.js';

const HELP = `Usage: ecs-discovery-controller sandbox [options]

Starts the embedded AWS emulator (ECS, Cloud Map, SQS, EventBridge on one local endpoint) with a demo
fleet that shows every kind of drift, and the controller against it in enforce mode (what npm start runs):
it says in plain words what drift it finds and what it fixes. With --emulator-only, only the emulator runs
and prints the environment that points AWS SDKs and the controller at it. Stops cleanly on Ctrl+C (SIGINT)
or SIGTERM.

Options:
  --emulator-only      run only the emulator (no controller)
  --policies SOURCE    policies for the demo controller (default: sandbox/scenarios/demo-policies)
  --metrics-addr ADDR  where the demo controller serves /metrics and /status (default 127.0.0.1:9464)
  --resync CRON        resync schedule of the demo controller (default: every 5 seconds, "*/5 * * * * *")
  --port N             port to listen on (default 4566; 0 picks a free one)
  --host HOST          address to bind (default 127.0.0.1)
  --scenario FILE      scenario file (YAML/JSON) to load instead of the demo fleet
  --empty              start with no fleet at all
  --quota SVC=RATE[:BURST]  quota mode: a token bucket per service (ecs, servicediscovery,
                       application-autoscaling, events), answering the service's throttling error when
                       empty, e.g. --quota ecs=20:50 (repeatable; also POST /_sandbox/quotas)
  -h, --help           print this help

Control API (JSON) on the same port: GET /_sandbox/truth, GET|POST /_sandbox/clock {"advance":"6h"},
POST|DELETE /_sandbox/faults, GET|POST|DELETE /_sandbox/quotas {"service":"ecs","rate":20,"burst":50}, POST /_sandbox/drift, GET|DELETE /_sandbox/calls, GET /_sandbox/calls/log (caller,
region and status of each call), GET /_sandbox/info. DynamoDB (dynalite) answers on the same endpoint; the
demo keeps its state in its table ecs-discovery-controller-state.
`;

/** The demo scenario, found from the source tree (tsx) or beside the compiled output (dist/). */
export function demoScenarioPath(): string {
  const candidates = ['../../../sandbox/scenarios/demo.yaml', '../../../../sandbox/scenarios/demo.yaml'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

/** The demo policies, found like the demo scenario. */
export function demoPoliciesPath(): string {
  return demoScenarioPath().replace(/demo\.yaml$/, 'demo-policies');
}

interface SandboxArgs {
  emulatorOnly: boolean;
  policies: string;
  metricsAddr: string;
  resync: string;
  port: number;
  host: string;
  scenario?: string;
  quotas: QuotaSpec[];
  help: boolean;
}

function parseOptions(argv: string[]): SandboxArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'emulator-only': { type: 'boolean', default: false },
        policies: { type: 'string' },
        'metrics-addr': { type: 'string' },
        resync: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        scenario: { type: 'string' },
        empty: { type: 'boolean', default: false },
        quota: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number (0-65535), not "${values.port}"`);
  if (values.empty && values.scenario) throw new UsageError('--empty and --scenario exclude each other');
  let quotas: QuotaSpec[];
  try {
    quotas = (values.quota ?? []).map(parseQuotaFlag);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    emulatorOnly: values['emulator-only'] ?? false,
    policies: values.policies ?? demoPoliciesPath(),
    metricsAddr: values['metrics-addr'] ?? '127.0.0.1:9464',
    resync: values.resync ?? '*/5 * * * * *',
    port,
    host: values.host ?? '127.0.0.1',
    scenario: values.empty ? undefined : (values.scenario ?? demoScenarioPath()),
    quotas,
    help: values.help ?? false,
  };
}

function banner(sandbox: Sandbox, scenario: string | undefined): string {
  const env = Object.entries(sandbox.env())
    .map(([key, value]) => `  export ${key}=${value}`)
    .join('\n');
  return [
    `sandbox: AWS emulator listening on ${sandbox.url} (region ${sandbox.region}, account ${sandbox.account}, scenario ${scenario ?? 'none'})`,
    '',
    'Point AWS SDKs, the AWS CLI or the controller at it:',
    env,
    '',
    `Ground truth: curl ${sandbox.url}/_sandbox/truth   (more routes: ${sandbox.url}/_sandbox/info)`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Runs the emulator until `stop` aborts; exported for tests, `run` wires it to SIGINT/SIGTERM. */
export async function runEmulator(
  argv: string[],
  io: CliIo,
  stop: AbortSignal,
  onReady?: (sandbox: Sandbox) => void,
): Promise<number> {
  const args = parseOptions(argv);
  if (args.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ port: args.port, host: args.host, scenario: args.scenario, quotas: args.quotas });
  } catch (error) {
    if (error instanceof ScenarioError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.failure;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr.write(
        `error: port ${args.port} on ${args.host} is already in use: stop what holds it or pass --port 0 for a free one\n`,
      );
      return EXIT.failure;
    }
    throw error;
  }
  io.stdout.write(banner(sandbox, args.scenario && (sandbox.scenario?.name ?? args.scenario)));

  if (!args.emulatorOnly) {
    onReady?.(sandbox);
    try {
      return await runDemo({
        sandbox,
        policies: args.policies,
        metricsAddr: args.metricsAddr,
        resync: args.resync,
        out: io.stdout,
        logs: io.stderr,
        logLevel: io.env.LOG_LEVEL ?? 'warn',
        stop,
      });
    } finally {
      await sandbox.close();
      io.stdout.write('sandbox: stopped\n');
    }
  }
  onReady?.(sandbox);
  if (!stop.aborted)
    await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await sandbox.close();
  io.stdout.write('sandbox: stopped\n');
  return EXIT.ok;
}

/** `ecs-discovery-controller sandbox`: the emulator (and, in demo mode, the controller) until SIGINT/SIGTERM. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runEmulator(argv, io, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
