/**
 * `run` (the long-lived controller) against a sandbox fleet, in a child process under exactly the image's
 * NODE_OPTIONS, cut into phases by its own log lines: the first full read and plan, resyncs by change signals (with
 * ECS events flowing: tasks die, their instances stay, the controller hears it through SQS), a full resync (the
 * sandbox's clock moves past --full-resync, so the controller's AWS clock does too) and one more signal resync
 * after it. Per phase: peak RSS, heap used, GC, wall time (bench/rss-probe.ts samples the child every 100 ms).
 * The sandbox runs in the calling process, so its memory is not counted.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { createAwsClients } from '../controller/aws/clients.js';
import type { Sandbox } from '../sandbox/index.js';
import { IMAGE_FLAGS, NODE, ROOT, cliEnv, type CompiledCli } from './cli-build.js';
import { BENCH_NAMESPACE, BENCH_POLICY } from './fleet-args.js';
import type { ProbeSample } from './rss-probe.js';

/** The controller's --full-resync here: the sandbox's clock is moved past it to make the full resync due. */
const FULL_RESYNC_MS = 60 * 60_000;
/** Tasks that die (their instance left registered) during each signal phase: events flow, each is a patch. */
const DEAD_TASKS_PER_PHASE = 10;
const MIB = 1024 * 1024;

/** One phase of the controller's life: from the end of the previous one to the end of its plan-and-apply. */
export interface RunPhase {
  name: string;
  /** The resync's read (full or by change signals) and the plan-and-apply after it, ms (the controller's log). */
  readMs: number;
  planMs: number;
  /** From the previous phase's end (or the process start) to this one's. */
  wallMs: number;
  /** Reconciles driven by events within the phase. */
  eventReconciles: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap used at the phase's end. */
  heapEndMiB: number;
  minor: number;
  minorMs: number;
  major: number;
  majorMs: number;
}

export interface RunMeasurement {
  phases: RunPhase[];
  /** Exit code or signal of the child after SIGTERM; anything but 0 means it died or failed. */
  exit: string;
  /** Why the measurement stopped early (the child died, a timeout), if it did. */
  failure?: string;
  peakRssMiB: number;
  peakHeapMiB: number;
  heapLimitMiB: number;
  /** Last error lines of the child (an out-of-heap abort's message). */
  stderrTail: string;
}

interface LogLine {
  msg?: string;
  time?: string | number;
  level?: number | string;
  read?: string;
  reason?: string;
  durationMs?: number;
}

/** Routes every aws.ecs event to a new SQS queue (as install-events does); returns the queue's URL. */
async function eventQueue(sandbox: Sandbox): Promise<string> {
  const clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'memory-run-events' }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const rule = { Name: 'memory-run-events', EventPattern: JSON.stringify({ source: ['aws.ecs'] }) };
    await clients.eventBridge.send(new PutRuleCommand({ ...rule, State: 'ENABLED' }));
    await clients.eventBridge.send(
      new PutTargetsCommand({ Rule: rule.Name, Targets: [{ Id: 'controller', Arn: Attributes!.QueueArn! }] }),
    );
    return QueueUrl!;
  } finally {
    clients.destroy();
  }
}

/** Kills `count` tasks of distinct services (ECS leaves their instances registered: work for the events). */
function killTasks(sandbox: Sandbox, count: number, offset: number): void {
  const services = [...sandbox.ecs.state.servicesByArn.values()].filter(
    (s) => s.status === 'ACTIVE' && s.serviceRegistries.length > 0,
  );
  for (let i = 0; i < count && services.length > 0; i++) {
    const service = services[(offset + i * 97) % services.length];
    try {
      sandbox.drift({ kind: 'stale-instance', cluster: service.cluster.name, ecsService: service.name });
    } catch {
      // No running task left in it (a replacement still pending): another service's task dies instead next time.
    }
  }
}

/** Runs the controller until it has been through every phase (or died, or `timeoutMs` passed), then stops it. */
export async function measureRun(
  sandbox: Sandbox,
  cli: CompiledCli,
  work: string,
  options: { timeoutMs: number; heapSnapshot?: boolean; onPhase?: (phase: RunPhase) => void },
): Promise<RunMeasurement> {
  const policies = join(work, 'run-policies');
  await mkdir(policies, { recursive: true });
  await writeFile(join(policies, 'bench.yaml'), BENCH_POLICY);
  const samplesFile = join(work, 'run-samples.jsonl');
  const queueUrl = await eventQueue(sandbox);
  const args = [
    ...(options.heapSnapshot ? ['--heapsnapshot-near-heap-limit=2', `--diagnostic-dir=${work}`] : []),
    '--import',
    cli.probe,
    cli.cli,
    'run',
    ...['--policies', policies, '--queue-url', queueUrl, '--metrics-addr', '127.0.0.1:0'],
    // A resync every 5 s: the next one starts as soon as the previous plan is done.
    ...['--resync', '*/5 * * * * *', '--full-resync', `${FULL_RESYNC_MS / 1000}s`],
    ...['--allowed-clusters', 'bench-*', '--allowed-namespaces', BENCH_NAMESPACE],
  ];
  const started = Date.now();
  const child = spawn(NODE, args, {
    cwd: ROOT,
    env: cliEnv(sandbox.env(), { NODE_OPTIONS: IMAGE_FLAGS.join(' '), BENCH_SAMPLES_FILE: samplesFile }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ends: { name: string; at: number; readMs: number; planMs: number; eventReconciles: number }[] = [];
  let lastRead: LogLine | undefined;
  let eventReconciles = 0;
  let stderrTail = '';
  let buffered = '';
  let advanced = false;
  let stopping = false;
  const stop = () => {
    if (!stopping) child.kill('SIGTERM');
    stopping = true;
  };
  const onLog = (line: LogLine) => {
    if (line.msg === 'resync read the fleet') lastRead = line;
    if (line.msg !== 'reconciled') return;
    if (!lastRead) {
      eventReconciles += 1;
      return;
    }
    const name = lastRead.read === 'full' ? `full read (${lastRead.reason ?? ''})` : 'resync by change signals';
    ends.push({
      name,
      at: Date.parse(String(line.time)),
      readMs: lastRead.durationMs ?? 0,
      planMs: line.durationMs ?? 0,
      eventReconciles,
    });
    lastRead = undefined;
    eventReconciles = 0;
    const fullResyncs = ends.filter((e) => e.name.includes('full-resync period')).length;
    const lastFullResync = ends.findLastIndex((e) => e.name.includes('full-resync period'));
    if (fullResyncs > 0 && ends.length - 1 > lastFullResync) stop();
    else if (ends.length >= 2 && !advanced) {
      // Past the full-resync period on AWS's clock: the controller's next resync (or the one after, once a
      // response has carried the new time) reads everything.
      advanced = true;
      sandbox.advance(FULL_RESYNC_MS + 60_000);
    }
    // Events keep flowing in every phase but the last: dead tasks whose instances ECS left behind.
    if (!stopping) killTasks(sandbox, DEAD_TASKS_PER_PHASE, ends.length * 31);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      try {
        onLog(JSON.parse(text) as LogLine);
      } catch {
        // Not a log line: V8's out-of-memory report, a warning. Kept for the report.
        stderrTail = `${stderrTail}\n${text}`.slice(-2000);
      }
    }
  });
  const timer = setTimeout(stop, options.timeoutMs);
  const exit = await new Promise<string>((resolve) =>
    child.on('close', (code, signal) => resolve(String(code ?? signal))),
  );
  clearTimeout(timer);
  const samples = (await readFile(samplesFile, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProbeSample);
  const phases = toPhases(ends, samples, started);
  for (const phase of phases) options.onPhase?.(phase);
  const complete = ends.some((e) => e.name.includes('full-resync period')) && stopping;
  return {
    phases,
    exit,
    ...(complete && exit === '0'
      ? {}
      : { failure: stopping ? `stopped after ${options.timeoutMs / 1000} s or exit ${exit}` : `died (${exit})` }),
    peakRssMiB: Math.max(0, ...samples.map((s) => s.maxRss)) / MIB,
    peakHeapMiB: Math.max(0, ...samples.map((s) => s.heapUsed)) / MIB,
    heapLimitMiB: (samples[0]?.heapLimit ?? 0) / MIB,
    stderrTail: stderrTail.trim(),
  };
}

/** Cuts the samples at the phases' ends and sums each piece. */
function toPhases(
  ends: { name: string; at: number; readMs: number; planMs: number; eventReconciles: number }[],
  samples: ProbeSample[],
  started: number,
): RunPhase[] {
  let from = started;
  return ends.map((end) => {
    const piece = samples.filter((s) => s.t > from && s.t <= end.at);
    const sum = (k: 'minor' | 'minorMs' | 'major' | 'majorMs') => piece.reduce((n, s) => n + s[k], 0);
    const phase: RunPhase = {
      name: end.name,
      readMs: end.readMs,
      planMs: end.planMs,
      wallMs: end.at - from,
      eventReconciles: end.eventReconciles,
      peakRssMiB: Math.max(0, ...piece.map((s) => s.rss)) / MIB,
      peakHeapMiB: Math.max(0, ...piece.map((s) => s.heapUsed)) / MIB,
      heapEndMiB: (piece.at(-1)?.heapUsed ?? 0) / MIB,
      minor: sum('minor'),
      minorMs: sum('minorMs'),
      major: sum('major'),
      majorMs: sum('majorMs'),
    };
    from = end.at;
    return phase;
  });
}

const mib = (n: number) => `${n.toFixed(0)} MiB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Prints the phases as a table, then the whole run's peaks and how it ended. */
export function printRun(run: RunMeasurement, out: (line?: string) => void): void {
  out(
    `  ${'phase'.padEnd(32)} ${'read'.padStart(8)} ${'plan'.padStart(7)} ${'wall'.padStart(8)} ${'events'.padStart(6)} ${'peak RSS'.padStart(9)} ${'peak heap'.padStart(9)} ${'heap at end'.padStart(11)}  GC minor (n, pause)  GC major (n, pause)`,
  );
  for (const p of run.phases)
    out(
      `  ${p.name.padEnd(32)} ${sec(p.readMs).padStart(8)} ${sec(p.planMs).padStart(7)} ${sec(p.wallMs).padStart(8)} ${String(p.eventReconciles).padStart(6)} ${mib(p.peakRssMiB).padStart(9)} ${mib(p.peakHeapMiB).padStart(9)} ${mib(p.heapEndMiB).padStart(11)}  ${`${p.minor}, ${sec(p.minorMs)}`.padStart(19)}  ${`${p.major}, ${sec(p.majorMs)}`.padStart(18)}`,
    );
  out(
    `  whole run: peak RSS ${mib(run.peakRssMiB)}, peak heap used ${mib(run.peakHeapMiB)} of a ${mib(run.heapLimitMiB)} heap limit, exit ${run.exit} after SIGTERM${run.failure ? `; FAILED: ${run.failure}` : ''}`,
  );
  if (run.failure && run.stderrTail) out(`  last output: ${run.stderrTail.split('\n').slice(-4).join(' | ')}`);
}
