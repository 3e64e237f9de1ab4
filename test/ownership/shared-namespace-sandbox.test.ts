/**
 * Shared namespaces (AWS RAM): a Cloud Map service or instance another account created is never this
 * controller's to remove, whatever its attributes say; this account's own services there are addressed by ARN,
 * as Cloud Map requires for shared namespaces. Real SDK against the sandbox, which models ResourceOwner and
 * CreatedByAccount and refuses bare ids for services in a shared namespace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { makePolicy } from '../fixtures/policy.js';
import { actuatorOf, decisions, reconcileOnce, seeded } from './harness.js';

const OWNER = '999988887777';

const scenario = {
  name: 'shared',
  namespaces: [{ name: 'shared.corp', type: 'DNS_PRIVATE', created: '-30d', owner: OWNER }],
  clusters: [{ name: 'prod', services: [] }],
  cloudMap: {
    services: [
      // The owner's service, with an instance its own ECS registered: it names a cluster called prod, like ours.
      {
        namespace: 'shared.corp',
        name: 'theirs',
        ttl: 10,
        created: '-5d',
        createdByAccount: OWNER,
        instances: [
          {
            id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
            registeredBy: 'ecs',
            createdByAccount: OWNER,
            attributes: { ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'gone', AWS_INSTANCE_IPV4: '10.1.1.1' },
          },
        ],
      },
      // Ours, in their namespace, empty.
      { namespace: 'shared.corp', name: 'ours', ttl: 10, created: '-5d' },
      // Ours, with a stale ECS-looking registration of ours (its task is long gone).
      {
        namespace: 'shared.corp',
        name: 'ours-stale',
        ttl: 10,
        created: '-5d',
        instances: [
          {
            id: '0f0e0d0c0b0a09080706050403020100',
            registeredBy: 'ecs',
            attributes: { ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'old', AWS_INSTANCE_IPV4: '10.1.1.2' },
          },
        ],
      },
    ],
  },
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(23) });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 2,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

test("another account's service and instance are never removed; ours in the shared namespace is deleted by ARN", async () => {
  // The policy declares the namespace ECS-only: even so, another account's resources stay.
  const policy = makePolicy({
    rules: {
      serviceConnectRefresh: { enabled: false },
      dnsTtl: { enabled: false },
      taskLimit: { enabled: false },
      cloudMapOrphans: { gracePeriodMs: 0, emptyServices: 'delete' },
    },
  });
  const { plan, inventory, outcomes } = await reconcileOnce(sandbox, clients, [policy]);

  const theirs = inventory.cloudMapServices.find((s) => s.name === 'theirs');
  assert.deepEqual(
    [theirs?.createdByAccount, theirs?.resourceOwner, theirs?.instances?.[0]?.createdByAccount],
    [OWNER, OWNER, OWNER],
  );
  // Their instance is foreign (whatever cluster it names), so their service is not even a candidate.
  assert.deepEqual(decisions(plan).sort(), [
    'cloudmap:DeleteService ours-stale: execute',
    'cloudmap:DeleteService ours: execute',
    'cloudmap:DeregisterInstance ours-stale/0f0e0d0c0b0a09080706050403020100: execute',
  ]);
  assert.ok(
    outcomes.some((o) => o.action.type === 'cloudmap:DeregisterInstance' && o.result === 'pending'),
    JSON.stringify(outcomes.map((o) => [o.action.type, o.result, o.reason])),
  );
  // The deregistration's operation is in the owner's namespace: GetOperation finds it only with OwnerAccount.
  sandbox.advance(5_000);
  const settled = await actuatorOf(sandbox, clients).settle(undefined, true);
  assert.deepEqual(
    settled.map((o) => [o.action.type, o.result]),
    [['cloudmap:DeregisterInstance', 'success']],
  );
  assert.deepEqual(
    sandbox.cloudMap
      .services()
      .map((s) => s.name)
      .sort(),
    ['ours-stale', 'theirs'],
  );
  assert.equal(sandbox.cloudMap.instances(sandbox.cloudMap.services().find((s) => s.name === 'theirs')!.id).length, 1);
});
