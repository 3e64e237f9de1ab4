/**
 * Resync benchmark: on the bench fleet (default 20 clusters x 500 services x 10 tasks, 2,000 Cloud Map services),
 * one full read, then a resync of the unchanged fleet by change signals (controller/aws/signal-reader.ts), then a
 * resync after a few services changed behind the controller's back (stale instances, no events). Reports each
 * one's API calls and wall time. Target: the unchanged resync makes <= 25% of the full read's calls.
 *
 * Both run in this process against the sandbox, unpaced (NO_PACING: this sandbox has no quota; bench/pacing.ts
 * measures pacing), through the controller's own InventoryCache.
 *
 * Run: node_modules/.bin/tsx bench/resync.ts [--small] [clusters servicesPerCluster tasksPerService cloudMapServices]
 */
import { performance } from 'node:perf_hooks';
import { createAwsClients } from '../controller/aws/clients.js';
import { NO_PACING } from '../controller/aws/pacing.js';
import { InventoryCache } from '../controller/runtime/inventory-cache.js';
import { makePolicy } from '../test/fixtures/policy.js';
import { startSandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, parseFleetArgs } from './fleet-args.js';

const TARGET_RATIO = 0.25;
const CHANGED = 10;
const fleet = parseFleetArgs(process.argv.slice(2));
const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

const sandbox = await startSandbox({
  port: 0,
  scenario: { name: 'bench-resync', generate: { ...fleet, namespace: BENCH_NAMESPACE } },
});
const clients = createAwsClients({
  region: sandbox.region,
  endpoint: sandbox.url,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  pacing: NO_PACING,
});
// Every rule on, over the whole generated fleet (as bench/fleet-args.ts BENCH_POLICY).
const policy = makePolicy({ target: { clusters: ['bench-*'], namespaces: [BENCH_NAMESPACE] } });
let clock = Date.now();
const cache = new InventoryCache({ clients, policies: [policy], now: () => clock });

async function measured(
  label: string,
  read: () => Promise<unknown>,
): Promise<{ calls: number; ms: number; byOp: Record<string, number> }> {
  sandbox.calls.reset();
  const started = performance.now();
  await read();
  const ms = performance.now() - started;
  const byOp = Object.fromEntries(Object.entries(sandbox.calls.snapshot()).filter(([op]) => !op.startsWith('sqs:')));
  const calls = Object.values(byOp).reduce((a, b) => a + b, 0);
  out(
    `${label.padEnd(44)} ${fmt(calls).padStart(7)} calls  ${(ms / 1000).toFixed(1).padStart(6)} s   ${cache.lastResync?.kind ?? ''}${cache.lastResync?.stats ? ` ${JSON.stringify({ ...cache.lastResync.stats, sample: undefined })}` : ''}`,
  );
  return { calls, ms, byOp };
}

try {
  const state = sandbox.ecs.state;
  out(
    `resync benchmark: ${fmt(state.servicesByArn.size)} ECS services, ${fmt(state.tasks.size)} tasks in ${state.clusters.size} clusters, ${fmt(sandbox.cloudMap.services().length)} Cloud Map services`,
  );
  const full = await measured('full read', () => cache.resync());
  clock += 10 * 60_000;
  const unchanged = await measured('resync, fleet unchanged (signals)', () => cache.resync());
  const registryBacked = [...state.servicesByArn.values()].filter(
    (s) => s.status === 'ACTIVE' && s.serviceRegistries.length > 0,
  );
  for (let i = 0; i < CHANGED; i++) {
    const service = registryBacked[Math.floor((i * 7919) % registryBacked.length)];
    sandbox.drift({ kind: 'stale-instance', cluster: service.cluster.name, ecsService: service.name });
  }
  sandbox.advance(60_000);
  clock += 10 * 60_000;
  const changed = await measured(`resync, ${CHANGED} tasks died unseen (signals)`, () => cache.resync());
  const ratio = unchanged.calls / full.calls;
  out();
  out(
    `unchanged resync / full read: ${fmt(unchanged.calls)} / ${fmt(full.calls)} = ${(ratio * 100).toFixed(1)}% (target <= ${TARGET_RATIO * 100}%) ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}`,
  );
  out(`  by operation: ${JSON.stringify(unchanged.byOp)}`);
  out(
    `  ${CHANGED} changed services: ${fmt(changed.calls)} calls (${fmt(changed.calls - unchanged.calls)} above the unchanged resync)`,
  );
  out(`  a full read still runs every --full-resync (default 1h) and after any read error`);
} finally {
  clients.destroy();
  await sandbox.close();
}
