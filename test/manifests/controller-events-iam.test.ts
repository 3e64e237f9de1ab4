import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { MODULE_DIR, blocks, parseFolder } from './terraform.js';

const BASE = {
  ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
  SubnetIds: ['s'],
  SecurityGroupIds: ['g'],
  Image: 'i',
  Policies: 's3://p/',
  AllowedClusters: ['prod-*'],
  AllowedNamespaces: 'internal.example.com',
};

function putEventsStatements(parameters: Record<string, unknown>): any[] {
  const resources = new Evaluator(loadTemplate('manifests/cloudformation/ecs-discovery-controller.yaml'), {
    ...BASE,
    ...parameters,
  }).resources();
  return resources.TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) =>
    [s.Action].flat().includes('events:PutEvents'),
  );
}

test('CloudFormation grants PutEvents only with an events bus, on that bus, with the controller as source', () => {
  assert.deepEqual(putEventsStatements({}), [], 'no bus, no PutEvents');
  const [statement, ...more] = putEventsStatements({ EventsBusName: 'discovery' });
  assert.equal(more.length, 0);
  assert.match(statement.Resource, /:event-bus\/discovery$/);
  assert.deepEqual(statement.Condition, { StringEquals: { 'events:source': 'ecs-discovery-controller' } });
});

test('Terraform grants PutEvents only when var.events_bus is set, on that bus, with the controller as source', async () => {
  const task = blocks(await parseFolder(MODULE_DIR), 'data').aws_iam_policy_document.task[0];
  const dynamic = [task.dynamic].flat().flatMap((d: any) => d.statement ?? []);
  const publish = dynamic.find((d: any) => d.content?.[0]?.sid === 'PublishControllerEvents');
  assert.ok(publish, 'a PublishControllerEvents statement');
  assert.equal(publish.for_each, '${var.events_bus == null ? [] : [1]}');
  const content = publish.content[0];
  assert.deepEqual(content.actions, ['events:PutEvents']);
  assert.deepEqual(content.resources, ['${local.events_bus_arn}']);
  assert.deepEqual(content.condition[0], {
    test: 'StringEquals',
    variable: 'events:source',
    values: ['ecs-discovery-controller'],
  });
  const plain = [task.statement].flat().filter((s: any) => [s.actions].flat().includes('events:PutEvents'));
  assert.deepEqual(plain, [], 'PutEvents is never granted unconditionally');
});
