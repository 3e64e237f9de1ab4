/**
 * A Cloud Map service referenced only by a DRAINING ECS service that runs no task is still referenced:
 * ListServices omits DRAINING services and, with no task and no instance left, only the ownership evidence
 * names it; the reader describes it by that name. Real SDK against the sandbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteServiceCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { makePolicy } from '../fixtures/policy.js';
import { decisions, reconcileOnce, seeded } from './harness.js';

const scenario = {
  name: 'draining',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [{ name: 'api', desiredCount: 2, created: '-2d', registry: { namespace: 'internal.local', ttl: 10 } }],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  // Draining lasts two hours of virtual time here, as it can on AWS: longer than stopped tasks stay listed.
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(11), drainMs: 2 * 3_600_000 });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 3,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

test('a registry whose only referrer is a DRAINING ECS service with no task left is not deleted', async () => {
  await clients.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'api', force: true }));
  // The stopped tasks age out of ListTasks and DescribeTasks (AWS keeps them at least an hour).
  sandbox.advance(61 * 60_000);
  const described = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
  assert.equal(described.services?.[0]?.status, 'DRAINING');
  const registry = sandbox.cloudMap.services().find((s) => s.name === 'api')!;
  assert.equal(sandbox.cloudMap.instances(registry.id).length, 0, 'ECS deregistered the stopped tasks');

  const policy = makePolicy({
    rules: {
      serviceConnectRefresh: { enabled: false },
      dnsTtl: { enabled: false },
      taskLimit: { enabled: false },
      cloudMapOrphans: { gracePeriodMs: 0 },
    },
  });
  const { plan, inventory } = await reconcileOnce(sandbox, clients, [policy]);

  assert.deepEqual(decisions(plan), []);
  assert.ok(
    inventory.services.some((s) => s.name === 'api' && s.status === 'DRAINING'),
    'the draining service was described by name',
  );
  assert.ok(sandbox.cloudMap.serviceById(registry.id), 'the Cloud Map service is still there');
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);
});
