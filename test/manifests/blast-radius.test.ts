/**
 * Issue 11, manifest side: who may put messages on the event queue, what ecs:UpdateService may do, where the
 * telemetry server listens, and the allowed namespaces, in Terraform and CloudFormation alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { blocks, MODULE_DIR, parseFolder } from './terraform.js';

const TEMPLATE = 'manifests/cloudformation/ecs-discovery-controller.yaml';
const PARAMS = {
  ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
  SubnetIds: ['s'],
  SecurityGroupIds: ['g'],
  Image: 'i',
  Policies: 's3://p/',
  AllowedClusters: ['prod-*'],
  AllowedNamespaces: 'internal.example.com',
};

/** Raw statements (with conditions and principals) of one aws_iam_policy_document. */
async function terraformDocument(name: string): Promise<any[]> {
  // Per file: blocks() merges one level deep, so documents of events.tf and iam.tf would hide each other.
  const files = Object.values(await parseFolder(MODULE_DIR));
  const [body] = files.map((f: any) => f.data?.aws_iam_policy_document?.[name]).find(Boolean);
  return body.statement;
}

function cfn(params: Record<string, unknown> = {}) {
  return new Evaluator(loadTemplate(TEMPLATE), { ...PARAMS, ...params }).resources();
}

test("the event queues deny SendMessage to everyone but EventBridge from the controller's own rules (Terraform)", async () => {
  const statements = await terraformDocument('event_queue');
  const deny = statements.find((s) => s.effect === 'Deny');
  assert.ok(deny, 'a Deny statement exists');
  assert.deepEqual(deny.actions, ['sqs:SendMessage']);
  assert.deepEqual(deny.principals, [{ type: '*', identifiers: ['*'] }]);
  assert.deepEqual(deny.condition, [
    { test: 'ArnNotEquals', variable: 'aws:SourceArn', values: '${local.event_rule_arns}' },
  ]);
  const allow = statements.find((s) => (s.effect ?? 'Allow') === 'Allow');
  assert.deepEqual(
    allow.condition[0].values,
    deny.condition[0].values,
    'the Deny exempts exactly the rules the Allow admits',
  );
  // The controller's own receive/delete stays granted by its task role.
  const task = await terraformDocument('task');
  const consume: string[] = task.find((s) => s.sid === 'ConsumeEvents').actions;
  for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage']) assert.ok(consume.includes(action), action);
  assert.ok(
    !task.some((s) => s.effect === 'Deny' && s.actions.some((a: string) => a.startsWith('sqs:'))),
    'nothing denies the task role its queue',
  );
});

test("the event queues deny SendMessage to everyone but EventBridge from the controller's own rules (CloudFormation)", () => {
  const resources = cfn();
  const statements = resources.EventsQueuePolicy.Properties.PolicyDocument.Statement;
  const deny = statements.find((s: any) => s.Effect === 'Deny');
  assert.ok(deny, 'a Deny statement exists');
  assert.equal(deny.Principal, '*');
  assert.equal(deny.Action, 'sqs:SendMessage');
  assert.deepEqual(deny.Resource, ['EventsQueue.Arn', 'EventsDeadLetterQueue.Arn']);
  assert.deepEqual(deny.Condition, { ArnNotEquals: { 'aws:SourceArn': ['EcsStateRule.Arn', 'ApiCallsRule.Arn'] } });
  const consume = resources.TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).find(
    (s: any) => s.Sid === 'ConsumeEvents',
  );
  for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage']) assert.ok(consume.Action.includes(action), action);
});

/** The UpdateService calls in the controller's code, with the request fields each sends. */
function updateServiceCallFields(): string[][] {
  const text = readFileSync('controller/actuator/ecs.ts', 'utf8');
  return [...text.matchAll(/new UpdateServiceCommand\(\{([^}]*)\}\)/g)].map((m) =>
    m[1]
      .split(',')
      .map((f) => f.split(':')[0].trim())
      .filter(Boolean)
      .sort(),
  );
}

test('ecs:UpdateService is only a forced redeploy: the code sends nothing else, and IAM denies a task definition or ECS Exec', async () => {
  assert.deepEqual(updateServiceCallFields(), [['cluster', 'forceNewDeployment', 'service']]);
  const expected = {
    RedeployNeverChangesTaskDefinition: { test: 'Null', variable: 'ecs:task-definition', values: ['false'] },
    RedeployNeverEnablesExecuteCommand: {
      test: 'StringEqualsIgnoreCase',
      variable: 'ecs:enable-execute-command',
      values: ['true'],
    },
  };
  const task = await terraformDocument('task');
  for (const [sid, condition] of Object.entries(expected)) {
    const s = task.find((x) => x.sid === sid);
    assert.ok(s, `Terraform has ${sid}`);
    assert.equal(s.effect, 'Deny');
    assert.deepEqual(s.actions, ['ecs:UpdateService']);
    assert.deepEqual(s.resources, ['*']);
    assert.deepEqual(s.condition, [condition]);
  }
  const statements = cfn().TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  for (const [sid, condition] of Object.entries(expected)) {
    const s = statements.find((x: any) => x.Sid === sid);
    assert.ok(s, `CloudFormation has ${sid}`);
    assert.equal(s.Effect, 'Deny');
    assert.equal(s.Action, 'ecs:UpdateService');
    assert.equal(s.Resource, '*');
    assert.deepEqual(s.Condition, { [condition.test]: { [condition.variable]: condition.values[0] } });
  }
});

test('allowed namespaces are required and non-empty in both manifests', async () => {
  const [variable] = blocks(await parseFolder(MODULE_DIR), 'variable').allowed_namespaces;
  assert.equal('default' in variable, false, 'no default: the operator must name them');
  assert.match(JSON.stringify(variable.validation), /length\(var\.allowed_namespaces\) > 0/);
  const parameter = loadTemplate(TEMPLATE).Parameters.AllowedNamespaces as any;
  assert.equal(parameter.Default, undefined);
  assert.ok(parameter.MinLength >= 1);
  const pattern = new RegExp(parameter.AllowedPattern);
  for (const bad of ['', ',', 'a,,b', 'a,', ' ']) assert.doesNotMatch(bad, pattern, JSON.stringify(bad));
  for (const good of ['internal.example.com', 'a,b', 'ns-abc123,payments.sc']) assert.match(good, pattern);
  assert.throws(
    () => new Evaluator(loadTemplate(TEMPLATE), { ...PARAMS, AllowedNamespaces: undefined }).resources(),
    /AllowedNamespaces has no value/,
  );
});

test('metrics listen on loopback when the scraper is the ADOT sidecar; /status is redacted by default', async () => {
  const env = (resources: any) =>
    Object.fromEntries(
      resources.TaskDefinition.Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]),
    );
  const withSidecar = env(
    cfn({
      EnableAdotSidecar: 'true',
      AmpWorkspaceArn: 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1',
      AmpRemoteWriteUrl: 'https://aps/remote_write',
    }),
  );
  assert.equal(withSidecar.METRICS_ADDR, '127.0.0.1:9464');
  assert.equal(withSidecar.STATUS_REDACT, 'true');
  assert.equal(env(cfn()).METRICS_ADDR, ':9464', 'a Prometheus outside the task still reaches it');
  const main = readFileSync(`${MODULE_DIR}/main.tf`, 'utf8');
  assert.match(main, /name = "METRICS_ADDR", value = var\.enable_adot_sidecar \? "127\.0\.0\.1:9464" : ":9464"/);
  assert.match(main, /name = "STATUS_REDACT", value = tostring\(var\.status_redact\)/);
  const [redact] = blocks(await parseFolder(MODULE_DIR), 'variable').status_redact;
  assert.equal(redact.default, true);
});
