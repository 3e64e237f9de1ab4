/**
 * Task definitions for dnsTtl's drain bound, through the real SDK against the sandbox: each revision a registering
 * service runs is described once (revisions are immutable), the next read with the same cache describes none, and
 * nothing is described when every enabled dnsTtl has drainBound: ignore.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import type { TaskDefinitionCache } from '../../controller/aws/task-definition-reader.js';
import { evaluate as dnsTtl } from '../../controller/rules/dns-ttl.js';
import { ttlOnlyPolicy } from '../fixtures/policy.js';

const SCENARIO = {
  name: 'task-definitions',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'internal.example.com', type: 'DNS_PRIVATE', created: '-90d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'api',
          desiredCount: 2,
          created: '-10d',
          stopTimeout: 10,
          registry: { namespace: 'internal.example.com', ttl: 60 },
        },
        { name: 'web', desiredCount: 1, created: '-10d', registry: { namespace: 'internal.example.com', ttl: 10 } },
        // Registers nowhere: its task definition is never needed.
        { name: 'batch', desiredCount: 1, created: '-10d' },
      ],
    },
  ],
};
const TARGET = { clusters: ['prod'], namespaces: ['internal.example.com'] };

describe('task definitions read for the drain bound', () => {
  let sandbox: Sandbox;
  let clients: AwsClients;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: SCENARIO });
    clients = createAwsClients({
      region: sandbox.region,
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
  });
  after(async () => {
    clients?.destroy();
    await sandbox?.close();
  });

  const describes = () => sandbox.calls.snapshot()['ecs:DescribeTaskDefinition'] ?? 0;

  it('describes each registering revision once, then none on the next read with the same cache', async () => {
    const policy = ttlOnlyPolicy(TARGET, {
      rules: { dnsTtl: { maxSeconds: 'auto', setSeconds: 10, drainMarginSeconds: 5 } },
    });
    const cache: TaskDefinitionCache = new Map();
    sandbox.calls.reset();
    const first = await readInventory(clients, [policy], { taskDefinitions: cache });
    assert.deepEqual(first.readErrors, []);
    assert.equal(describes(), 2, 'api and web run one revision each; batch registers nowhere');
    const api = Object.values(first.taskDefinitions ?? {}).find((d) =>
      d.containers.some((c) => c.stopTimeoutSeconds === 10),
    );
    assert.ok(api, JSON.stringify(first.taskDefinitions));

    sandbox.calls.reset();
    const second = await readInventory(clients, [policy], { taskDefinitions: cache });
    assert.equal(describes(), 0);
    assert.deepEqual(second.taskDefinitions, first.taskDefinitions);
    // The bound: api's 10 s stopTimeout - 5 s = 5 s; web's containers set none (30 s - 5 s = 25 s: its 10 s TTL is fine).
    const findings = dnsTtl(policy, second, second.observedAt);
    assert.deepEqual(
      findings.map((f) => [
        f.resource.kind === 'cloudmap-service' ? f.resource.name : f.key,
        f.action && 'records' in f.action ? f.action.records : undefined,
      ]),
      [['api', [{ type: 'A', ttl: 5 }]]],
    );
  });

  it('describes none when no enabled dnsTtl needs the bound (drainBound: ignore)', async () => {
    sandbox.calls.reset();
    const policy = ttlOnlyPolicy(TARGET, { rules: { dnsTtl: { drainBound: 'ignore' } } });
    const inventory = await readInventory(clients, [policy], { taskDefinitions: new Map() });
    assert.equal(describes(), 0);
    assert.equal(inventory.taskDefinitions, undefined);
  });
});
