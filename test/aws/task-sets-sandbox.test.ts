/**
 * Task sets through the real SDK against the sandbox: an EXTERNAL service keeps its service registries and its
 * tasks on task sets (deployments is empty). A Cloud Map service a task set uses is referenced, even when the
 * task set is scaled to 0 and the registry is empty.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ListTasksCommand,
  DescribeTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ListInstancesCommand } from '@aws-sdk/client-servicediscovery';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { evaluate } from '../../controller/rules/cloud-map-orphans.js';
import { makePolicy } from '../fixtures/policy.js';
import { registerApp, startEcsFixture, type EcsFixture } from '../sandbox/ecs-fixture.js';

describe('task sets of an EXTERNAL service', () => {
  let f: EcsFixture;
  let clients: AwsClients;
  before(async () => {
    f = await startEcsFixture();
    clients = createAwsClients({
      region: f.sandbox.region,
      endpoint: f.sandbox.url,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    await f.ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
    await registerApp(f.ecs);
  });
  after(async () => {
    clients.destroy();
    await f.close();
  });

  test('the task set holds the registry and starts the tasks; a registry a task set uses is never an orphan', async () => {
    const ns = f.sandbox.cloudMap.createNamespace({ name: 'internal.local', type: 'DNS_PRIVATE' });
    const registry = f.sandbox.cloudMap.createService({ namespaceId: ns.id, name: 'api' });
    await f.ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'api',
        taskDefinition: 'app',
        desiredCount: 2,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const { taskSet } = await f.ecs.send(
      new CreateTaskSetCommand({
        cluster: 'prod',
        service: 'api',
        taskDefinition: 'app',
        externalId: 'blue',
        scale: { value: 100, unit: 'PERCENT' },
        serviceRegistries: [{ registryArn: registry.arn }],
      }),
    );
    f.sandbox.advance(5_000);

    const { services } = await f.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    assert.deepEqual(services![0].deployments, [], 'no deployments: EXTERNAL services roll out with task sets');
    assert.equal(services![0].deploymentController?.type, 'EXTERNAL');
    assert.equal(services![0].taskSets![0].serviceRegistries![0].registryArn, registry.arn);
    const described = await f.ecs.send(new DescribeTaskSetsCommand({ cluster: 'prod', service: 'api' }));
    assert.equal(described.taskSets![0].runningCount, 2);
    assert.equal(described.taskSets![0].stabilityStatus, 'STEADY_STATE');
    const { taskArns } = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }));
    const { tasks } = await f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: taskArns }));
    assert.deepEqual(
      tasks!.map((t) => t.startedBy),
      [taskSet!.id, taskSet!.id],
      'tasks carry the task set id',
    );
    const { Instances } = await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registry.id }));
    assert.equal(Instances!.length, 2);

    // Scaled to 0: the registry is empty, yet the task set still uses it.
    await f.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'api', desiredCount: 0 }));
    f.sandbox.advance(5_000);
    assert.equal((await f.cloudMap.send(new ListInstancesCommand({ ServiceId: registry.id }))).Instances!.length, 0);
    assert.ok(!f.sandbox.truth().orphanServices.some((s) => s.id === registry.id), 'the sandbox counts it referenced');

    const policy = makePolicy({
      rules: { serviceConnectRefresh: { enabled: false }, dnsTtl: { enabled: false }, taskLimit: { enabled: false } },
    });
    const inventory = await readInventory(clients, [policy]);
    assert.deepEqual(inventory.readErrors, []);
    const api = inventory.services.find((s) => s.name === 'api')!;
    assert.deepEqual(
      api.taskSets?.map((t) => [t.id, t.serviceRegistries[0].registryArn]),
      [[taskSet!.id, registry.arn]],
    );
    const findings = evaluate(policy, inventory, inventory.observedAt).filter(
      (x) => x.resource.kind === 'cloudmap-service' && x.resource.id === registry.id,
    );
    assert.deepEqual(findings, [], 'referenced by a task set: not an orphan');
  });
});
