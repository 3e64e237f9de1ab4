/**
 * Protect tags gate every write, not only deletions: a policy with dnsTtl and no cloudMapOrphans reads the tags
 * of each service whose TTL it would change, and a tag it cannot read blocks the change. Real SDK, sandbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { ttlOnlyPolicy } from '../fixtures/policy.js';
import { decisions, reconcileOnce, seeded } from './harness.js';

const scenario = {
  name: 'protect-ttl',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  cloudMap: {
    services: [
      {
        namespace: 'internal.local',
        name: 'guarded',
        ttl: 300,
        created: '-10d',
        tags: { 'discovery-controller/protect': 'true' },
      },
      { namespace: 'internal.local', name: 'plain', ttl: 300, created: '-10d' },
    ],
  },
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(5) });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

const ttl = (name: string) => sandbox.cloudMap.services().find((s) => s.name === name)!.dnsRecords[0].TTL;
const policy = () => ttlOnlyPolicy({ clusters: [], namespaces: ['internal.local'] });

test('a tag that cannot be read blocks the TTL change', async () => {
  sandbox.faults.add({ operation: 'servicediscovery:ListTagsForResource', errorCode: 'AccessDeniedException' });
  try {
    const { plan } = await reconcileOnce(sandbox, clients, [policy()]);
    assert.deepEqual(decisions(plan).sort(), [
      'cloudmap:UpdateDnsTtl guarded: blocked scope-read-error',
      'cloudmap:UpdateDnsTtl plain: blocked scope-read-error',
    ]);
  } finally {
    sandbox.faults.clear();
  }
  assert.deepEqual([ttl('guarded'), ttl('plain')], [300, 300]);
});

test('a dnsTtl-only policy reads the protect tag: the protected service keeps its TTL, the other one is lowered', async () => {
  const { plan, outcomes } = await reconcileOnce(sandbox, clients, [policy()]);

  assert.deepEqual(decisions(plan).sort(), [
    'cloudmap:UpdateDnsTtl guarded: blocked protected',
    'cloudmap:UpdateDnsTtl plain: execute',
  ]);
  // The TTL change is an asynchronous Cloud Map operation: submitted now, applied when it succeeds.
  assert.deepEqual(
    outcomes.map((o) => o.result),
    ['pending'],
  );
  sandbox.advance(60_000);
  assert.deepEqual([ttl('guarded'), ttl('plain')], [300, 10]);
});
