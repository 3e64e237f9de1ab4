/**
 * Drain-bound benchmark (dnsTtl max: auto, issue #15): on the bench fleet, two full reads through the controller's
 * InventoryCache with every rule on and dnsTtl's max auto. Reports the DescribeTaskDefinition calls each makes
 * against the distinct task definition revisions registering services run. Target: at most one call per distinct
 * revision on the first read, none on the next (revisions are immutable; the cache lives per target).
 *
 * Run: node_modules/.bin/tsx bench/drain.ts [--small] [clusters servicesPerCluster tasksPerService cloudMapServices]
 */
import { createAwsClients } from '../controller/aws/clients.js';
import { NO_PACING } from '../controller/aws/pacing.js';
import { InventoryCache } from '../controller/runtime/inventory-cache.js';
import { makePolicy } from '../test/fixtures/policy.js';
import { startSandbox } from '../sandbox/index.js';
import { BENCH_NAMESPACE, parseFleetArgs } from './fleet-args.js';

const fleet = parseFleetArgs(process.argv.slice(2));
const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const OPERATION = 'ecs:DescribeTaskDefinition';

const sandbox = await startSandbox({
  port: 0,
  scenario: { name: 'bench-drain', generate: { ...fleet, namespace: BENCH_NAMESPACE } },
});
const clients = createAwsClients({
  region: sandbox.region,
  endpoint: sandbox.url,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  pacing: NO_PACING,
});
const policy = makePolicy({
  target: { clusters: ['bench-*'], namespaces: [BENCH_NAMESPACE] },
  rules: { dnsTtl: { maxSeconds: 'auto' } },
});
const cache = new InventoryCache({ clients, policies: [policy] });

async function fullRead(): Promise<{ describes: number; calls: number }> {
  sandbox.calls.reset();
  await cache.full();
  const calls = sandbox.calls.snapshot();
  return {
    describes: calls[OPERATION] ?? 0,
    calls: Object.entries(calls)
      .filter(([op]) => !op.startsWith('sqs:'))
      .reduce((n, [, c]) => n + c, 0),
  };
}

try {
  const services = [...sandbox.ecs.state.servicesByArn.values()].filter(
    (s) => s.status !== 'INACTIVE' && [...s.deployments, ...s.taskSets].some((d) => d.serviceRegistries.length > 0),
  );
  const revisions = new Set(services.flatMap((s) => [...s.deployments, ...s.taskSets].map((d) => d.taskDefinition.arn)))
    .size;
  out(
    `drain benchmark: ${fmt(services.length)} registering ECS services running ${fmt(revisions)} distinct task definition revisions`,
  );
  const first = await fullRead();
  const next = await fullRead();
  out(
    `first full read: ${fmt(first.describes)} ${OPERATION} of ${fmt(first.calls)} calls (target <= ${fmt(revisions)}, one per revision)`,
  );
  out(`next full read:  ${fmt(next.describes)} ${OPERATION} of ${fmt(next.calls)} calls (target 0)`);
  const met = first.describes <= revisions && next.describes === 0;
  out(met ? 'met' : 'MISSED');
  process.exitCode = met ? 0 : 1;
} finally {
  clients.destroy();
  await sandbox.close();
}
