/**
 * Sandbox benchmark: loads a fleet of 10,000 ECS services, 100,000 tasks and 2,000 Cloud Map services, then
 * reports memory, load time and per-page latency of ListServices / DescribeServices / ListTasks through the
 * real SDK. Run with `node_modules/.bin/tsx bench/sandbox.ts [--small] [clusters servicesPerCluster tasksPerService cloudMapServices]`
 * (add `node --expose-gc --import tsx` instead of tsx to measure memory after a full collection).
 */
import { performance } from 'node:perf_hooks';
import { DescribeServicesCommand, ECSClient, ListServicesCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { startSandbox } from '../sandbox/index.js';
import { parseFleetArgs } from './fleet-args.js';

const { clusters, servicesPerCluster, tasksPerService, cloudMapServices } = parseFleetArgs(process.argv.slice(2));
const SAMPLES = 300;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, call: (i: number) => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 20; i++) await call(i); // warm up sockets and the JIT
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    await call(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return `${name.padEnd(34)} p50 ${percentile(times, 50).toFixed(2)} ms   p99 ${percentile(times, 99).toFixed(2)} ms`;
}

const baseline = process.memoryUsage();
const started = performance.now();
const sandbox = await startSandbox({
  port: 0,
  scenario: { generate: { clusters, servicesPerCluster, tasksPerService, cloudMapServices } },
});
const loadMs = performance.now() - started;
globalThis.gc?.();
const loaded = process.memoryUsage();
const ecs = new ECSClient({
  endpoint: sandbox.url,
  region: sandbox.region,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});

try {
  const clusterName = (i: number) => `bench-${String((i % clusters) + 1).padStart(3, '0')}`;
  const serviceName = (i: number) => `svc-${String((i % servicesPerCluster) + 1).padStart(5, '0')}`;
  // A token from the middle of a cluster, so pages are not always the first one.
  let middle = await ecs.send(new ListServicesCommand({ cluster: clusterName(0), maxResults: 100 }));
  for (let page = 1; page < servicesPerCluster / 200 && middle.nextToken; page++) {
    middle = await ecs.send(
      new ListServicesCommand({ cluster: clusterName(0), maxResults: 100, nextToken: middle.nextToken }),
    );
  }
  const lines = [
    await measure('ListServices (10, first page)', (i) =>
      ecs.send(new ListServicesCommand({ cluster: clusterName(i) })),
    ),
    await measure('ListServices (100, middle page)', () =>
      ecs.send(new ListServicesCommand({ cluster: clusterName(0), maxResults: 100, nextToken: middle.nextToken })),
    ),
    await measure('DescribeServices (10, with TAGS)', (i) =>
      ecs.send(
        new DescribeServicesCommand({
          cluster: clusterName(i),
          services: Array.from({ length: 10 }, (_, k) => serviceName(i * 10 + k)),
          include: ['TAGS'],
        }),
      ),
    ),
    await measure('ListTasks (cluster, 100)', (i) =>
      ecs.send(new ListTasksCommand({ cluster: clusterName(i), maxResults: 100 })),
    ),
    await measure('ListTasks (service)', (i) =>
      ecs.send(new ListTasksCommand({ cluster: clusterName(i), serviceName: serviceName(i) })),
    ),
  ];
  // The same pages answered in process, without HTTP and the SDK: the emulator's own share of the latency.
  const ops = sandbox.ecs.service.operations;
  lines.push(
    await measure('in-process ListServices (100)', (i) =>
      Promise.resolve(ops.ListServices({ cluster: clusterName(i), maxResults: 100 })),
    ),
    await measure('in-process DescribeServices (10)', (i) =>
      Promise.resolve(
        ops.DescribeServices({
          cluster: clusterName(i),
          services: Array.from({ length: 10 }, (_, k) => serviceName(i * 10 + k)),
          include: ['TAGS'],
        }),
      ),
    ),
    await measure('in-process ListTasks (100)', (i) =>
      Promise.resolve(ops.ListTasks({ cluster: clusterName(i), maxResults: 100 })),
    ),
  );
  const truthStart = performance.now();
  const truth = sandbox.truth();
  const truthMs = performance.now() - truthStart;
  const state = sandbox.ecs.state;
  process.stdout.write(
    [
      `fleet: ${state.servicesByArn.size} ECS services, ${state.tasks.size} tasks in ${state.clusters.size} clusters, ${sandbox.cloudMap.services().length} Cloud Map services`,
      `load: ${(loadMs / 1000).toFixed(2)} s`,
      `memory: rss ${mib(loaded.rss)} (+${mib(loaded.rss - baseline.rss)}), heap used ${mib(loaded.heapUsed)} (+${mib(loaded.heapUsed - baseline.heapUsed)})`,
      `truth: ${truthMs.toFixed(0)} ms (${truth.orphanServices.length} orphan services)`,
      `latency over ${SAMPLES} requests each (through @aws-sdk/client-ecs over HTTP unless marked in-process):`,
      ...lines.map((l) => `  ${l}`),
      '',
    ].join('\n'),
  );
} finally {
  ecs.destroy();
  await sandbox.close();
}
