import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { MODULE_DIR, parseFolder, policyStatements } from './terraform.js';
import { DYNAMODB_ACTIONS } from '../../controller/state/dynamodb.js';
import { ACTION_TYPES } from '../../controller/model/actions.js';

/** Code the operator runs by hand (install-events) or only against the sandbox (the demo), never in the controller task. */
const NOT_IN_TASK = [
  'controller/install/',
  'controller/cli/commands/install-events.ts',
  'controller/cli/commands/sandbox-demo.ts',
  'controller/demo/',
];
/**
 * Permissions no SDK command names: the ADOT sidecar's remote write, and tag reads, which DescribeServices
 * with include: [TAGS] performs (kept so a tag-selected policy never sees services without their tags).
 */
const NOT_FROM_CODE = new Set(['aps:RemoteWrite', 'ecs:ListTagsForResource']);

const CLIENT_PACKAGES: Record<string, string> = {
  'client-ecs': 'ecs',
  'client-servicediscovery': 'servicediscovery',
  'client-sqs': 'sqs',
  'client-s3': 's3',
  'client-sts': 'sts',
  'client-eventbridge': 'events',
  'client-application-auto-scaling': 'application-autoscaling',
  'client-dynamodb': 'dynamodb',
  'client-cloudtrail': 'cloudtrail',
};

/** IAM action a call needs, where it differs from "<service>:<Operation>"; null when no permission is needed. */
const IAM_ACTION: Record<string, string | null> = {
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  'sts:GetCallerIdentity': null,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every AWS operation the controller task's code sends: SDK commands and paginators, by the client package they come from. */
function operationsInCode(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles('controller').filter((f) => !NOT_IN_TASK.some((p) => f.startsWith(p)))) {
    const text = readFileSync(file, 'utf8');
    for (const [, names, pkg] of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g,
    )) {
      const service = CLIENT_PACKAGES[pkg];
      for (const raw of names.split(',')) {
        const name = raw
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        const operation =
          /^([A-Z][A-Za-z0-9]+)Command$/.exec(name)?.[1] ?? /^paginate([A-Z][A-Za-z0-9]+)$/.exec(name)?.[1];
        // Only names the file really uses (type-only imports of a command do not send anything).
        if (!operation || !new RegExp(`(new\\s+${name}\\(|${name}\\()`).test(text)) continue;
        const key = `${service}:${operation}`;
        found.set(key, [...(found.get(key) ?? []), file]);
      }
    }
  }
  return found;
}

/**
 * Every call the code sends, plus what each action type's registry entry says its write needs: that includes
 * the actions AWS performs with the caller's permissions behind a Cloud Map write (Cloud Map API permissions
 * reference, https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html), which no SDK
 * command names: without them the write is accepted and its operation FAILs later with ACCESS_DENIED.
 */
function requiredActions(): Set<string> {
  const out = new Set<string>();
  for (const call of operationsInCode().keys()) {
    const action = call in IAM_ACTION ? IAM_ACTION[call] : call;
    if (action) out.add(action);
  }
  for (const spec of Object.values(ACTION_TYPES)) for (const action of spec.iam) out.add(action);
  return out;
}

async function terraformAllows(): Promise<Set<string>> {
  const statements = policyStatements(await parseFolder(MODULE_DIR)).filter(
    (s) =>
      s.effect === 'Allow' &&
      s.document !== 'assume_ecs_tasks' &&
      s.document !== 'event_queue' &&
      s.document !== 'execution_secrets',
  );
  return new Set(statements.flatMap((s) => s.actions));
}

/** Every optional part of the template switched on. */
const CFN_PARAMETERS = {
  ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
  SubnetIds: ['s'],
  SecurityGroupIds: ['g'],
  Image: 'i',
  Policies: 's3://p/',
  AllowedClusters: ['prod-*'],
  AllowedNamespaces: 'internal.example.com',
  PolicyBucketName: 'p',
  AssumeRoleArns: ['arn:aws:iam::444455556666:role/x'],
  EnableAdotSidecar: 'true',
  AmpWorkspaceArn: 'arn:aws:aps:eu-west-1:111122223333:workspace/ws-1',
  EventsBusName: 'discovery',
};

function cloudFormationAllows(): Set<string> {
  const resources = new Evaluator(
    loadTemplate('manifests/cloudformation/ecs-discovery-controller.yaml'),
    CFN_PARAMETERS,
  ).resources();
  const statements = resources.TaskRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).filter(
    (s: any) => s.Effect === 'Allow',
  );
  return new Set(statements.flatMap((s: any) => [s.Action].flat()));
}

test('the Route 53 actions behind Cloud Map writes are required, because the code sends those writes', () => {
  const required = requiredActions();
  for (const action of [
    'route53:GetHealthCheck',
    'route53:DeleteHealthCheck',
    'route53:UpdateHealthCheck',
    'route53:ChangeResourceRecordSets',
  ]) {
    assert.ok(required.has(action), `${action} is needed behind DeregisterInstance/UpdateService`);
  }
});

/** Route 53 resource types per action (Service Authorization Reference, Route 53): only CreateHealthCheck has none. */
const ROUTE53_RESOURCES: Record<string, RegExp> = {
  'route53:ChangeResourceRecordSets': /^arn:[^:]+:route53:::hostedzone\/\*$/,
  'route53:GetHealthCheck': /^arn:[^:]+:route53:::healthcheck\/\*$/,
  'route53:UpdateHealthCheck': /^arn:[^:]+:route53:::healthcheck\/\*$/,
  'route53:DeleteHealthCheck': /^arn:[^:]+:route53:::healthcheck\/\*$/,
  'route53:CreateHealthCheck': /^\*$/,
};

test('Terraform and CloudFormation scope the Route 53 actions to hosted zones and health checks', async () => {
  const terraform = policyStatements(await parseFolder(MODULE_DIR))
    .filter((s) => s.document === 'task' && s.effect === 'Allow')
    .map((s) => ({ actions: s.actions, resources: s.resources.map((r) => r.replace('${local.partition}', 'aws')) }));
  const resources = new Evaluator(
    loadTemplate('manifests/cloudformation/ecs-discovery-controller.yaml'),
    CFN_PARAMETERS,
  ).resources();
  const cloudFormation: { actions: string[]; resources: string[] }[] = resources.TaskRole.Properties.Policies.flatMap(
    (p: any) => p.PolicyDocument.Statement,
  )
    .filter((s: any) => s.Effect === 'Allow')
    .map((s: any) => ({ actions: [s.Action].flat() as string[], resources: [s.Resource].flat() as string[] }));
  for (const [manifest, statements] of [
    ['Terraform', terraform],
    ['CloudFormation', cloudFormation],
  ] as [string, { actions: string[]; resources: string[] }[]][]) {
    for (const [action, scope] of Object.entries(ROUTE53_RESOURCES)) {
      const granting = statements.filter((s) => s.actions.includes(action));
      assert.ok(granting.length > 0, `${manifest} grants ${action}`);
      for (const s of granting)
        assert.ok(
          s.resources.every((r) => scope.test(r)),
          `${manifest}: ${action} on ${s.resources.join(', ')}`,
        );
    }
  }
});

test('the action registry names exactly the AWS calls the actuator sends, and the Route 53 actions behind them', () => {
  const sentByActuator = [...operationsInCode()]
    .filter(([, files]) => files.some((f) => f.startsWith('controller/actuator/')))
    .map(([call]) => call)
    .sort();
  const named = [...new Set(Object.values(ACTION_TYPES).flatMap((spec) => spec.iam))];
  assert.deepEqual(named.filter((a) => !a.startsWith('route53:')).sort(), sentByActuator);
  // A type whose write is followed as a Cloud Map operation needs GetOperation; one that is not, does not.
  for (const [type, spec] of Object.entries(ACTION_TYPES)) {
    assert.equal(
      (spec.iam as readonly string[]).includes('servicediscovery:GetOperation'),
      spec.followsOperation,
      `${type}: GetOperation in its IAM list iff it follows an operation`,
    );
  }
});

test('the code sends AWS calls (the scan finds them)', () => {
  const calls = operationsInCode();
  for (const expected of [
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'servicediscovery:ListInstances',
    'servicediscovery:DeregisterInstance',
    'sqs:ReceiveMessage',
    'dynamodb:UpdateItem',
    'dynamodb:Query',
    'cloudtrail:LookupEvents',
  ]) {
    assert.ok(calls.has(expected), `${expected} not found in the code`);
  }
});

for (const [manifest, granted] of [
  ['Terraform', terraformAllows],
  ['CloudFormation', async () => cloudFormationAllows()],
] as const) {
  test(`${manifest}: every AWS call the controller makes is granted, and nothing else`, async () => {
    const allowed = await granted();
    const required = requiredActions();
    const calls = operationsInCode();
    const missing = [...required].filter((a) => !allowed.has(a));
    assert.deepEqual(
      missing,
      [],
      `not granted in ${manifest} (used in ${missing.map((m) => calls.get(m)?.join(', ')).join('; ')})`,
    );
    const unused = [...allowed].filter((a) => !required.has(a) && !NOT_FROM_CODE.has(a));
    assert.deepEqual(unused, [], `granted in ${manifest} but no code calls it`);
  });
}

test('the state table statement grants exactly the DynamoDB calls the code sends, on that table only', async () => {
  const dynamo = [...requiredActions()].filter((a) => a.startsWith('dynamodb:')).sort();
  assert.deepEqual(dynamo, [...DYNAMODB_ACTIONS].sort());
  const tf = policyStatements(await parseFolder(MODULE_DIR)).filter((s) =>
    s.actions.some((a) => a.startsWith('dynamodb:')),
  );
  assert.deepEqual(
    tf.map((s) => [s.sid, [...s.actions].sort(), s.resources]),
    [['StateTable', dynamo, ['${aws_dynamodb_table.state.arn}']]],
  );
});

/**
 * What the controller does in a member account through its role: ECS, Cloud Map (with the Route 53 actions Cloud
 * Map's operations run with the caller's permissions), Application Auto Scaling and CloudTrail's event history.
 */
const MEMBER_SERVICES = ['ecs:', 'servicediscovery:', 'route53:', 'application-autoscaling:', 'cloudtrail:'];

test('the member-account role (Terraform and StackSet) grants exactly the ECS, Cloud Map, Route 53, scaling and CloudTrail calls the code makes', async () => {
  const required = [...requiredActions(), ...NOT_FROM_CODE]
    .filter((a) => MEMBER_SERVICES.some((p) => a.startsWith(p)))
    .sort();
  const tf = policyStatements(await parseFolder(`${MODULE_DIR}/member-account`)).filter(
    (s) => s.document === 'controller' && s.effect === 'Allow',
  );
  assert.deepEqual([...new Set(tf.flatMap((s) => s.actions))].sort(), required);
  const resources = new Evaluator(loadTemplate('manifests/cloudformation/member-account.yaml'), {
    ControllerAccountId: '111122223333',
    ControllerRegion: 'eu-west-1',
    ControllerTaskRoleArn: 'arn:aws:iam::111122223333:role/c',
    AllowedClusters: ['prod-*'],
  }).resources();
  const statements = resources.ControllerRole.Properties.Policies.flatMap(
    (p: any) => p.PolicyDocument.Statement,
  ).filter((s: any) => s.Effect === 'Allow');
  assert.deepEqual([...new Set<string>(statements.flatMap((s: any) => [s.Action].flat()))].sort(), required);
  assert.deepEqual(resources.ControllerRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal, {
    AWS: 'arn:aws:iam::111122223333:role/c',
  });
});

test('every ecs:UpdateService the task sends is a forced redeploy, which is all IAM lets through', () => {
  // The manifests deny UpdateService with a task definition or ECS Exec (blast-radius.test.ts checks the statements):
  // if the code ever sent more than a forced redeploy, that call would fail in production, so it must not.
  const calls = sourceFiles('controller')
    .filter((f) => !NOT_IN_TASK.some((p) => f.startsWith(p)))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/new UpdateServiceCommand\(\{([^}]*)\}\)/g)].map((m) => ({
        file,
        fields: m[1],
      })),
    );
  assert.ok(calls.length >= 1);
  for (const { file, fields } of calls) {
    const names = fields
      .split(',')
      .map((f) => f.split(':')[0].trim())
      .filter(Boolean)
      .sort();
    assert.deepEqual(names, ['cluster', 'forceNewDeployment', 'service'], `${file} sends ${names.join(', ')}`);
    assert.match(fields, /forceNewDeployment:\s*true/);
  }
});
