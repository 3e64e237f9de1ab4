import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evaluator, loadTemplate } from './cloudformation.js';

const TEMPLATE = 'manifests/cloudformation/ecs-discovery-controller.yaml';
const REQUIRED = {
  ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
  SubnetIds: ['subnet-1', 'subnet-2'],
  SecurityGroupIds: ['sg-1'],
  Image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecs-discovery-controller:0.1.0',
  Policies: 's3://policies/prod/',
  AllowedClusters: ['prod-*', 'payments'],
  AllowedNamespaces: 'internal.example.com,payments.sc',
};

function taskPolicyStatements(resources: Record<string, { Type: string; Properties: any }>): any[] {
  return resources.TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
}

test('the template parses with its intrinsic tags and every Ref, GetAtt and Condition resolves', () => {
  const template = loadTemplate(TEMPLATE);
  for (const params of [
    REQUIRED,
    {
      ...REQUIRED,
      PolicyBucketName: 'policies',
      GitCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git',
      AssumeRoleArns: ['arn:aws:iam::444455556666:role/discovery'],
      EnableAdotSidecar: 'true',
      AmpWorkspaceArn: 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1',
      AmpRemoteWriteUrl: 'https://aps/remote_write',
    },
  ]) {
    const evaluator = new Evaluator(template, params);
    evaluator.resources();
    for (const output of Object.values(template.Outputs)) evaluator.eval(output.Value);
  }
  const used = new Evaluator(template, REQUIRED);
  used.resources();
  const unused = Object.keys(template.Parameters).filter((p) => !used.refs.has(p));
  // Parameters referenced only inside a condition that is false here still count through Conditions.
  const viaConditions = JSON.stringify(template.Conditions);
  assert.deepEqual(
    unused.filter((p) => !viaConditions.includes(p) && !JSON.stringify(template.Resources).includes(p)),
    [],
  );
});

test('the service runs `Replicas` tasks (default 1) that may overlap, sharing a DynamoDB state table, and the container is locked down', () => {
  const resources = new Evaluator(loadTemplate(TEMPLATE), REQUIRED).resources();
  const service = resources.Service.Properties;
  assert.equal(service.DesiredCount, 1);
  assert.equal(
    new Evaluator(loadTemplate(TEMPLATE), { ...REQUIRED, Replicas: 3 }).resources().Service.Properties.DesiredCount,
    3,
  );
  assert.equal(service.DeploymentConfiguration.MaximumPercent, 200);
  assert.equal(service.DeploymentConfiguration.MinimumHealthyPercent, 100);
  const table = resources.StateTable.Properties;
  assert.equal(table.BillingMode, 'PAY_PER_REQUEST');
  assert.equal(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true);
  assert.deepEqual(table.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
  assert.deepEqual(
    table.KeySchema.map((k: any) => [k.AttributeName, k.KeyType]),
    [
      ['pk', 'HASH'],
      ['sk', 'RANGE'],
    ],
  );
  const [controller, ...sidecars] = resources.TaskDefinition.Properties.ContainerDefinitions;
  assert.equal(sidecars.length, 0, 'no ADOT sidecar unless asked');
  assert.equal(controller.ReadonlyRootFilesystem, true);
  assert.notEqual(controller.User, '0');
  assert.ok(controller.StopTimeout >= 30);
  const env = Object.fromEntries(controller.Environment.map((e: any) => [e.Name, e.Value]));
  assert.equal(env.ALLOWED_CLUSTERS, 'prod-*,payments');
  assert.equal(env.QUEUE_URL, 'ref:EventsQueue');
  assert.match(env.STATE, /^dynamodb:\/\//);
  assert.equal(controller.Secrets, undefined, 'no secret without a git credentials secret');
});

test('redeploys are limited to the allowed clusters, reads cover the account, Cloud Map writes never reach ECS-managed services', () => {
  const statements = taskPolicyStatements(new Evaluator(loadTemplate(TEMPLATE), REQUIRED).resources());
  const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
  // Fn::Join's delimiter must be a literal (cfn-lint E1018), so partition, region and account are wildcards and the
  // condition pins the region; ECS has no resource-based policies, so no other account's service is reachable.
  assert.deepEqual(bySid.RedeployServicesInAllowedClusters.Resource, [
    'arn:*:ecs:*:*:service/prod-*/*',
    'arn:*:ecs:*:*:service/payments/*',
  ]);
  assert.deepEqual(bySid.RedeployServicesInAllowedClusters.Condition, {
    StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
  });
  // Reads cover the account: orphans are judged account-wide, and an unreadable cluster would block pruning.
  // service/* and task/* hold both ARN formats: service/CLUSTER/NAME and the old service/NAME.
  assert.deepEqual(bySid.DescribeEcsInAccount.Resource, [
    'arn:aws:ecs:eu-west-1:111122223333:cluster/*',
    'arn:aws:ecs:eu-west-1:111122223333:service/*',
    'arn:aws:ecs:eu-west-1:111122223333:task/*',
  ]);
  // An old-format service ARN names no cluster: redeploys of it are limited by the request's cluster.
  assert.equal(
    bySid.RedeployOldFormatServicesInAllowedClusters.Resource,
    'arn:aws:ecs:eu-west-1:111122223333:service/*',
  );
  assert.deepEqual(bySid.RedeployOldFormatServicesInAllowedClusters.Condition.ArnLike['ecs:cluster'], [
    'arn:*:ecs:*:*:cluster/prod-*',
    'arn:*:ecs:*:*:cluster/payments',
  ]);
  const deny = bySid.NeverTouchEcsManagedCloudMap;
  assert.equal(deny.Effect, 'Deny');
  assert.deepEqual(deny.Condition, { StringEquals: { 'aws:ResourceTag/AmazonECSManaged': 'true' } });
  assert.equal(bySid.ConsumeEvents.Resource, 'EventsQueue.Arn');
  assert.equal(bySid.ListPolicyPrefix, undefined, 'no S3 access without a policy bucket');
});

test('EventBridge may send only from the two rules, and both rules target the queue with a dead-letter queue', () => {
  const resources = new Evaluator(loadTemplate(TEMPLATE), REQUIRED).resources();
  const [statement] = resources.EventsQueuePolicy.Properties.PolicyDocument.Statement;
  assert.deepEqual(statement.Principal, { Service: 'events.amazonaws.com' });
  assert.deepEqual(statement.Condition.ArnEquals['aws:SourceArn'], ['EcsStateRule.Arn', 'ApiCallsRule.Arn']);
  for (const rule of ['EcsStateRule', 'ApiCallsRule']) {
    const [target] = resources[rule].Properties.Targets;
    assert.equal(target.Arn, 'EventsQueue.Arn');
    assert.equal(target.DeadLetterConfig.Arn, 'EventsDeadLetterQueue.Arn');
  }
  assert.deepEqual(resources.EventsQueue.Properties.RedrivePolicy.deadLetterTargetArn, 'EventsDeadLetterQueue.Arn');
});

test('optional parts appear only when asked: policy bucket, git secret, cross-account roles, ADOT sidecar', () => {
  const resources = new Evaluator(loadTemplate(TEMPLATE), {
    ...REQUIRED,
    PolicyBucketName: 'policies',
    PolicyPrefix: 'prod/',
    GitCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git',
    AssumeRoleArns: ['arn:aws:iam::444455556666:role/discovery'],
    EnableAdotSidecar: 'true',
    AmpWorkspaceArn: 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1',
    AmpRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  }).resources();
  const bySid = Object.fromEntries(taskPolicyStatements(resources).map((s: any) => [s.Sid, s]));
  assert.equal(bySid.ReadPolicyObjects.Resource, 'arn:aws:s3:::policies/prod/*');
  assert.deepEqual(bySid.ListPolicyPrefix.Condition, { StringLike: { 's3:prefix': 'prod/*' } });
  assert.deepEqual(bySid.AssumeCrossAccountRoles.Resource, ['arn:aws:iam::444455556666:role/discovery']);
  assert.equal(bySid.RemoteWriteMetrics.Resource, 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1');
  const containers = resources.TaskDefinition.Properties.ContainerDefinitions;
  assert.deepEqual(
    containers.map((c: any) => c.Name),
    ['controller', 'adot-collector'],
  );
  assert.match(containers[1].Environment[0].Value, /remote_write/);
  assert.deepEqual(containers[0].Secrets, [
    { Name: 'GIT_TOKEN', ValueFrom: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git' },
  ]);
});

test('services in namespaces other accounts share (AWS RAM) are reachable by their owner-account ARNs only when listed', () => {
  const without = taskPolicyStatements(new Evaluator(loadTemplate(TEMPLATE), REQUIRED).resources());
  assert.equal(
    without.find((s: any) => s.Sid === 'SharedNamespaceCloudMap'),
    undefined,
    'no other account by default',
  );
  const shared = taskPolicyStatements(
    new Evaluator(loadTemplate(TEMPLATE), {
      ...REQUIRED,
      SharedNamespaceOwnerAccounts: ['444455556666', '777788889999'],
    }).resources(),
  );
  const statement = shared.find((s: any) => s.Sid === 'SharedNamespaceCloudMap');
  assert.deepEqual(statement.Resource, [
    'arn:*:servicediscovery:*:444455556666:service/*',
    'arn:*:servicediscovery:*:777788889999:service/*',
  ]);
  assert.deepEqual(statement.Condition, { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } });
  // The Deny guardrails (ECS-managed, protected) cover every resource, shared ones included.
  assert.deepEqual(shared.find((s: any) => s.Sid === 'NeverTouchEcsManagedCloudMap').Resource, '*');
});
