/**
 * Lease benchmark (issue #16): 60 targets of 1,000 services shared by 3 replicas through the DynamoDB lease
 * table (the sandbox's dynalite, over HTTP with the real SDK). Prints, beside the run:
 *   lease balance: max/min targets per replica once settled (target: 20/20);
 *   failover time: one replica stops renewing (as after SIGKILL) until all its targets are held by the others
 *     (target: <= 2 lease durations);
 *   DynamoDB reads and writes per minute: the lease rounds of the 3 replicas, measured over a steady minute,
 *     plus each target's own state traffic (journal and grace-clock reads and writes per reconcile, ownership
 *     evidence), measured on real 1,000-service targets and scaled to 60 targets at the resync period;
 *   one 1,000-service target's inventory: heap, AWS read calls and read time, for "targets per replica".
 *
 * Run: node_modules/.bin/tsx bench/leases.ts [--small] [--lease 20s] [--resync-minutes 10]
 *   --small: 12 targets of 100 services, 5 s leases (a quick run)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createAwsClients, createDynamoClient } from '../controller/aws/clients.js';
import { NO_PACING } from '../controller/aws/pacing.js';
import { InventoryCache } from '../controller/runtime/inventory-cache.js';
import { loadPolicySet } from '../controller/policy/load.js';
import { DirectorySource } from '../controller/sources/directory.js';
import { LeaseCoordinator } from '../controller/state/leases.js';
import { DynamoStateStore } from '../controller/state/dynamodb.js';
import { TargetState } from '../controller/state/target-state.js';
import { silentLogger } from '../controller/telemetry/logger.js';
import { parseDuration } from '../controller/util/duration.js';
import { startSandbox } from '../sandbox/index.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

// Not strict: bench/run.ts passes every benchmark the same arguments (fleet sizes, other benchmarks' flags).
const { values: flags } = parseArgs({
  options: {
    small: { type: 'boolean', default: false },
    lease: { type: 'string' },
    'resync-minutes': { type: 'string', default: '10' },
  },
  strict: false,
  allowPositionals: true,
});
const TARGETS = flags.small ? 12 : 60;
const SERVICES = flags.small ? 100 : 1_000;
const REPLICAS = 3;
const LEASE_MS = parseDuration(String(flags.lease ?? (flags.small ? '5s' : '20s')))!;
const RESYNC_MIN = Number(flags['resync-minutes'] ?? 10);
const TABLE = 'bench-state';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const READS = new Set(['dynamodb:Query', 'dynamodb:GetItem']);
const WRITES = new Set(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']);

console.log(
  `lease benchmark: ${TARGETS} targets of ${fmt(SERVICES)} services, ${REPLICAS} replicas, lease ${LEASE_MS / 1000} s, resync every ${RESYNC_MIN} min`,
);
// One target's fleet: the services spread over clusters of 500, a fifth of them backed by Cloud Map services.
const sandbox = await startSandbox({
  port: 0,
  stateTable: TABLE,
  scenario: {
    name: 'bench-leases',
    generate: {
      clusters: Math.ceil(SERVICES / 500),
      servicesPerCluster: Math.min(SERVICES, 500),
      tasksPerService: 2,
      cloudMapServices: SERVICES / 5,
      namespace: 'bench.local',
    },
  },
});
const work = mkdtempSync(join(tmpdir(), 'bench-leases-'));
const stores: DynamoStateStore[] = [];
const storeFor = (replica: string) => {
  const store = new DynamoStateStore(
    createDynamoClient({ endpoint: sandbox.url, region: REGION, credentials, appId: replica }),
    TABLE,
  );
  stores.push(store);
  return store;
};
const dynamoCalls = (from: number, to = Date.now()) => {
  const calls = sandbox.calls.log().filter((c) => c.operation.startsWith('dynamodb:') && c.at >= from && c.at < to);
  return {
    reads: calls.filter((c) => READS.has(c.operation)).length,
    writes: calls.filter((c) => WRITES.has(c.operation)).length,
  };
};
try {
  // 1. One target's inventory: what a replica holds in memory and reads from AWS per target and full resync.
  writeFileSync(
    join(work, 'p.yaml'),
    `apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata: { name: bench }\nspec:\n  target: { clusters: ["bench-*"], namespaces: [bench.local] }\n  rules:\n    serviceConnectRefresh: {}\n    cloudMapOrphans: {}\n    dnsTtl: { max: 10s }\n    taskLimit: {}\n`,
  );
  const { set } = loadPolicySet(await new DirectorySource(work).fetch(), {
    allowed: { clusters: [], namespaces: [], accounts: [] },
  });
  // Unpaced: the sandbox has no quota here (bench/pacing.ts measures pacing).
  const clients = createAwsClients({ endpoint: sandbox.url, region: REGION, credentials, pacing: NO_PACING });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const readStart = performance.now();
  sandbox.calls.reset();
  const cache = new InventoryCache({ clients, policies: set!.policies, now: () => Date.now() });
  const inventory = await cache.full();
  const readMs = performance.now() - readStart;
  const awsReads = Object.entries(sandbox.calls.snapshot())
    .filter(([op]) => !op.startsWith('dynamodb:'))
    .reduce((n, [, c]) => n + c, 0);
  gc();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  console.log(
    `\none target: ${fmt(inventory.services.length)} ECS services, ${fmt(inventory.tasks.length)} tasks, ${fmt(inventory.cloudMapServices.length)} Cloud Map services`,
  );
  console.log(
    `  inventory heap ${heapMiB.toFixed(1)} MiB, full read ${fmt(awsReads)} AWS calls in ${(readMs / 1000).toFixed(1)} s (sandbox latency)`,
  );

  // 2. A target's own state traffic: gain (load, first evidence, grace clocks) and one steady reconcile.
  const stateStore = storeFor('replica-state');
  const leases = new LeaseCoordinator({
    store: stateStore,
    replicaId: 'replica-state',
    durationMs: 60_000,
    clock: { now: Date.now },
    logger: silentLogger(),
  });
  leases.setTargets(['probe']);
  await leases.tick();
  const state = new TargetState({
    store: stateStore,
    target: 'probe',
    fence: () => leases.fence('probe'),
    clock: { now: Date.now },
    logger: silentLogger(),
  });
  let mark = Date.now();
  const clocks = await state.load();
  for (const s of inventory.cloudMapServices.slice(0, 20)) clocks.set(`cloudMapOrphans/service/${s.id}`, Date.now());
  await state.recordEvidence(inventory, Date.now());
  await state.saveClocks(clocks);
  await state.settlePending();
  const gain = dynamoCalls(mark);
  mark = Date.now();
  await state.settlePending();
  await state.recordEvidence(inventory, Date.now());
  await state.saveClocks(clocks);
  const steady = dynamoCalls(mark);
  await leases.stop();
  clients.destroy();
  console.log(
    `  state per target: on gain ${gain.reads} reads + ${fmt(gain.writes)} writes (first evidence for each Cloud Map service with ECS instances); per reconcile ${steady.reads} reads + ${steady.writes} writes without drift`,
  );

  // 3. Leases: 3 replicas over the targets, balance, a steady minute, failover.
  const targets = Array.from(
    { length: TARGETS },
    (_, i) =>
      `region-${String(i).padStart(2, '0')}|arn:aws:iam::${String(100000000000 + i)}:role/ecs-discovery-controller`,
  );
  const replicas = Array.from({ length: REPLICAS }, (_, i) => {
    const id = `replica-${i + 1}`;
    const coordinator = new LeaseCoordinator({
      store: storeFor(id),
      replicaId: id,
      durationMs: LEASE_MS,
      clock: { now: Date.now },
      logger: silentLogger(),
    });
    coordinator.setTargets(targets);
    return coordinator;
  });
  const started = performance.now();
  for (const r of replicas) await r.start();
  const counts = () => replicas.map((r) => r.heldTargets().length);
  const fair = Math.ceil(TARGETS / REPLICAS);
  while (!counts().every((n) => n === fair) && performance.now() - started < 20 * LEASE_MS) await sleep(100);
  const settledMs = performance.now() - started;
  const held = counts();
  console.log(
    `\nbalance: ${held.join(' / ')} targets per replica (max ${Math.max(...held)}, min ${Math.min(...held)}; target ${fair}/${fair}) after ${(settledMs / 1000).toFixed(1)} s`,
  );
  const steadyFrom = Date.now();
  await sleep(60_000);
  const minute = dynamoCalls(steadyFrom);
  const victim = replicas[0];
  const orphaned = victim.heldTargets();
  await victim.stop(false); // stops renewing and keeps its leases, as a killed process would
  const killed = performance.now();
  const store = stores[stores.length - 1];
  for (;;) {
    const rows = await store.leases.list();
    if (orphaned.every((t) => rows.find((r) => r.target === t)?.owner !== victim.replicaId)) break;
    await sleep(50);
  }
  const failoverMs = performance.now() - killed;
  const after = replicas.slice(1).map((r) => r.heldTargets().length);
  console.log(
    `failover: ${orphaned.length} targets of the stopped replica held by the others ${(failoverMs / 1000).toFixed(1)} s later (${(failoverMs / LEASE_MS).toFixed(2)} lease durations; target <= 2); now ${after.join(' / ')}`,
  );
  for (const r of replicas.slice(1)) await r.stop(true);

  // 4. The coordination cost, per minute, and the state traffic of every target at the resync period.
  const stateReads = (steady.reads * TARGETS) / RESYNC_MIN;
  const stateWrites = (steady.writes * TARGETS) / RESYNC_MIN;
  console.log(`\nDynamoDB per minute, ${REPLICAS} replicas, ${TARGETS} targets:`);
  console.log(
    `  lease rounds (measured over 60 s): ${fmt(minute.reads)} reads, ${fmt(minute.writes)} writes  (= ${REPLICAS} x (2 Query + 1 renewal per lease held) every ${(LEASE_MS / 3000).toFixed(1)} s)`,
  );
  console.log(
    `  target state at one reconcile per ${RESYNC_MIN} min: ${fmt(stateReads)} reads, ${fmt(stateWrites)} writes (without drift; each action adds 2-3 journal writes)`,
  );
  console.log(
    `  total: ${fmt(minute.reads + stateReads)} reads, ${fmt(minute.writes + stateWrites)} writes per minute`,
  );
  console.log(
    `  one-off on gaining a target: ${fmt(gain.writes)} writes (ownership evidence), then about one write per Cloud Map service per day`,
  );
  const ok = Math.max(...held) - Math.min(...held) <= 1 && failoverMs <= 2 * LEASE_MS;
  console.log(
    `\nbalance ${Math.max(...held) - Math.min(...held) <= 1 ? 'OK' : 'MISSED'}, failover ${failoverMs <= 2 * LEASE_MS ? 'OK' : 'MISSED'}`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const s of stores) s.close();
  rmSync(work, { recursive: true, force: true });
  await sandbox.close();
}
